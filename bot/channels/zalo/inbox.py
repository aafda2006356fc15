"""The durable inbox behind Zalo's webhook, in `ProcessedEvent` rows keyed "zalo:<msg_id>".

`accept` inserts the event `pending` before the webhook answers 200 (insert-first: of two concurrent Zalo
retries, the second insert fails on the primary key, so the event is handled once). `handle` opens a
transaction whose first statement claims the row (`pending` → still pending, attempts + 1; a second claimer
waits on the row or finds it `done`), runs the engine in that same transaction and marks the row `done`, so
the conversation state and "handled" commit together. A process that dies leaves the row `pending`; once its
lease runs out `claim_stale` hands it to a live worker.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.zalo.webhook import ZaloEvent
from core import clock
from core.db import session_scope
from core.models import ProcessedEvent

log = logging.getLogger(__name__)

T = TypeVar("T")
KEY_PREFIX = "zalo:"
FAILURE_BACKOFF_SECONDS = 30


async def accept(event: ZaloEvent, *, lease_seconds: int) -> bool:
    """Store a new event as pending; False when it was stored before (Zalo retried it)."""
    now = clock.now()
    row = ProcessedEvent(key=event.key, created_at=now, status="pending", payload=event.to_dict(),
                         lease_until=now + timedelta(seconds=lease_seconds))
    try:
        async with session_scope() as session:
            session.add(row)
        return True
    except IntegrityError:
        return False


async def handle(key: str, work: Callable[[AsyncSession, ZaloEvent], Awaitable[T]]) -> tuple[ZaloEvent, T] | None:
    """Run `work` for a pending event and mark it done in the same transaction; None if not pending."""
    claim = (
        update(ProcessedEvent)
        .where(col(ProcessedEvent.key) == key, col(ProcessedEvent.status) == "pending")
        .values(attempts=col(ProcessedEvent.attempts) + 1)
    )
    async with session_scope() as session:
        if (await session.exec(claim)).rowcount != 1:
            return None
        row = await session.get(ProcessedEvent, key)
        if row is None or not row.payload:
            raise ValueError(f"zalo inbox row {key!r} has no event to handle")
        event = ZaloEvent.from_dict(row.payload)
        outcome = await work(session, event)
        row.status, row.payload, row.lease_until = "done", None, None
        session.add(row)
    return event, outcome


async def record_failure(key: str, *, max_attempts: int) -> None:
    """Count a failed attempt; retry later through the sweeper, or give up after `max_attempts`."""
    async with session_scope() as session:
        row = await session.get(ProcessedEvent, key)
        if row is None or row.status != "pending":
            return
        row.attempts += 1
        row.lease_until = clock.now() + timedelta(seconds=FAILURE_BACKOFF_SECONDS * row.attempts)
        if row.attempts >= max_attempts:
            row.status, row.payload = "failed", None
            log.error("zalo event given up after %d attempts", row.attempts)
        session.add(row)


async def claim_stale(*, lease_seconds: int, limit: int = 100) -> list[tuple[str, str]]:
    """Pending events whose lease ran out, re-leased to this process: (key, user id) pairs."""
    now = clock.now()
    statement = (
        select(ProcessedEvent)
        .where(col(ProcessedEvent.status) == "pending", col(ProcessedEvent.key).startswith(KEY_PREFIX),
               col(ProcessedEvent.lease_until) < now)
        .limit(limit)
    )
    claimed: list[tuple[str, str]] = []
    async with session_scope() as session:
        rows = (await session.exec(statement)).all()
    for row in rows:
        lease = (
            update(ProcessedEvent)
            .where(col(ProcessedEvent.key) == row.key, col(ProcessedEvent.status) == "pending",
                   col(ProcessedEvent.lease_until) < now)
            .values(lease_until=now + timedelta(seconds=lease_seconds))
        )
        async with session_scope() as session:
            if (await session.exec(lease)).rowcount == 1:
                claimed.append((row.key, str((row.payload or {}).get("user_id", ""))))
    return claimed


async def forget_old(*, keep_days: int) -> int:
    """Delete handled events older than `keep_days` (Zalo stops retrying within hours)."""
    statement = delete(ProcessedEvent).where(
        col(ProcessedEvent.key).startswith(KEY_PREFIX), col(ProcessedEvent.status) != "pending",
        col(ProcessedEvent.created_at) < clock.now() - timedelta(days=keep_days),
    )
    async with session_scope() as session:
        return (await session.exec(statement)).rowcount
