"""The durable inbox: events that fail are retried then given up, old handled ones are forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.channels.zalo import ZaloService, inbox
from bot.channels.zalo.webhook import ZaloEvent
from core import clock
from core.answers.ranking import get_knowledge_base
from core.db import session_scope
from core.models import ProcessedEvent
from core.settings import get_settings


async def rows() -> dict[str, ProcessedEvent]:
    async with session_scope() as session:
        return {r.key: r for r in (await session.exec(select(ProcessedEvent))).all()}


async def test_an_event_that_cannot_be_handled_is_retried_later_then_given_up(zalo, env):
    env.setenv("ZALO_INBOX_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    async with session_scope() as session:  # a row no worker can read back (its payload is gone)
        session.add(ProcessedEvent(key="zalo:broken", status="pending", payload=None,
                                   lease_until=clock.now() - timedelta(seconds=1)))
    service = ZaloService(knowledge=get_knowledge_base())
    await service.start()
    try:
        await service.join()
        first = (await rows())["zalo:broken"]
        assert (first.status, first.attempts) == ("pending", 1) and first.lease_until > clock.now()
        clock.freeze(first.lease_until + timedelta(seconds=1))
        assert await service.sweep() == 1
        await service.join()
    finally:
        await service.stop()
    assert ((await rows())["zalo:broken"].status, (await rows())["zalo:broken"].attempts) == ("failed", 2)
    assert zalo.attempts == 0


async def test_a_live_lease_is_not_swept_twice(database):
    event = ZaloEvent("zalo:leased", "text", "u1", "chào", "leased")
    assert await inbox.accept(event, lease_seconds=60)
    assert await inbox.claim_stale(lease_seconds=60) == []
    clock.freeze(clock.now() + timedelta(seconds=61))
    assert await inbox.claim_stale(lease_seconds=60) == [("zalo:leased", "u1")]
    assert await inbox.claim_stale(lease_seconds=60) == []


async def test_handled_events_are_forgotten_after_the_keep_period_and_pending_ones_kept(database):
    old = clock.now() - timedelta(days=8)
    async with session_scope() as session:
        session.add(ProcessedEvent(key="zalo:old-done", status="done", created_at=old))
        session.add(ProcessedEvent(key="zalo:old-pending", status="pending", created_at=old,
                                   payload={"key": "zalo:old-pending"}, lease_until=old))
        session.add(ProcessedEvent(key="zalo:new-done", status="done"))
        session.add(ProcessedEvent(key="telegram:1", status="done", created_at=old))
    assert await inbox.forget_old(keep_days=7) == 1
    assert set(await rows()) == {"zalo:old-pending", "zalo:new-done", "telegram:1"}
