"""Stopping the Zalo service lets the event in hand finish instead of cancelling it mid-work.

A cancel that lands while a session acquires its connection made SQLAlchemy close that session from a second
task (IllegalStateChangeError, seen under load); and a cancelled reply is a household left without its answer.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlmodel import select

from bot.channels.zalo import ZaloService
from bot.channels.zalo.webhook import parse_event
from core.answers.ranking import get_knowledge_base
from core.db import session_scope
from core.models import ProcessedEvent
from tests.bot.channels.zalo.zalo_events import text_event


async def until(check, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"{check.__name__} not true within {within} s"
        await asyncio.sleep(0.02)


async def test_stop_waits_for_the_reply_in_flight_and_leaves_the_event_done(zalo, caplog):
    caplog.set_level(logging.WARNING)
    zalo.message_delay = 1.0
    service = ZaloService(knowledge=get_knowledge_base())
    await service.start()
    try:
        assert await service.receive(parse_event(text_event("u-stop", "vay vốn hộ nghèo")))
        await until(lambda: zalo.in_flight > 0)  # the reply is on the wire
    finally:
        await service.stop()
    assert zalo.messages and {m["user_id"] for m in zalo.messages} == {"u-stop"}  # answered, not cut off
    async with session_scope() as session:
        [row] = (await session.exec(select(ProcessedEvent))).all()
    assert row.status == "done"
    assert "IllegalStateChangeError" not in caplog.text and "cancelling" not in caplog.text


async def test_events_still_queued_at_stop_stay_pending_for_the_next_start(zalo):
    zalo.message_delay = 1.0
    service = ZaloService(knowledge=get_knowledge_base())
    await service.start()
    try:
        for i in range(3):  # one user: one worker, handled in order
            await service.receive(parse_event(text_event("u-queue", f"câu hỏi {i}")))
        await until(lambda: zalo.in_flight > 0)
    finally:
        await service.stop()
    async with session_scope() as session:
        statuses = sorted(r.status for r in (await session.exec(select(ProcessedEvent))).all())
    assert statuses == ["done", "pending", "pending"]
