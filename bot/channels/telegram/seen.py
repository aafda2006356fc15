"""Telegram updates already handled, so one retried or fetched again is answered once.

Telegram re-sends a webhook update when our 200 did not reach it in time, and a polling bot that restarts
before confirming its offset gets the last updates again. Like Zalo's `msg_id`, each `update_id` is stored
in `ProcessedEvent` (key "telegram:<update_id>") in the same transaction as the engine turn it caused: the
primary key lets one of two concurrent copies through, and a turn that fails before its commit leaves no
mark, so Telegram's retry is then handled.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import ProcessedEvent

KEY_PREFIX = "telegram:"
KEEP = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours at most
PRUNE_EVERY = 1000  # update ids are sequential: every 1000th update also deletes the old marks


async def first_time(session: AsyncSession, update_id: str) -> bool:
    """Mark the update handled in this transaction; False when it was handled (or is being handled) before."""
    try:
        async with session.begin_nested():
            session.add(ProcessedEvent(key=KEY_PREFIX + update_id, created_at=clock.now(), status="done"))
    except IntegrityError:
        return False
    if update_id.isdigit() and int(update_id) % PRUNE_EVERY == 0:
        await session.exec(delete(ProcessedEvent).where(  # type: ignore[call-overload]
            col(ProcessedEvent.key).startswith(KEY_PREFIX), col(ProcessedEvent.created_at) < clock.now() - KEEP))
    return True
