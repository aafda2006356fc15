"""Bulletins to Zalo households through the real ZaloSender and the fake OA API: sent with a "Đã biết"
button, a household outside Zalo's 7-day window reported unreachable (and kept subscribed), one that left the
OA reported blocked (and unsubscribed)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlmodel import select

from bot.channels.zalo.sender import ZaloSender
from core.bulletins.report import delivery_counts
from core.db import session_scope
from core.models import Contact, Subscription
from core.settings import get_settings
from delivery.worker import DeliveryWorker
from tests.kit.bulletin_world import AP_MOT, add_households, seed_map, seed_staff
from tests.kit.outbox import eventually, queue_bulletin, settled
from tests.kit.zalo_api import APP_ID, FIRST_ACCESS, FIRST_REFRESH, FakeZalo


@pytest.fixture
async def zalo(database, env):
    with FakeZalo() as fake:
        for key, value in {"ZALO_APP_ID": APP_ID, "ZALO_OA_SECRET_KEY": "fake-oa-secret",
                           "ZALO_OA_ACCESS_TOKEN": FIRST_ACCESS, "ZALO_OA_REFRESH_TOKEN": FIRST_REFRESH,
                           "ZALO_OA_API_BASE_URL": fake.url, "ZALO_OAUTH_BASE_URL": fake.url,
                           "ZALO_RATE_PER_SECOND": "0", "DELIVERY_POLL_SECONDS": "0.05",
                           "QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00"}.items():
            env.setenv(key, value)
        get_settings.cache_clear()
        yield fake


async def test_zalo_households_get_the_bulletin_or_are_reported_unreachable_or_blocked(zalo) -> None:
    async with session_scope() as session:
        await seed_map(session)
        staff = await seed_staff(session)
        await add_households(session, AP_MOT, 6, channel="zalo", first_user=7000)
    zalo.fail_next(-230)  # outside the 7-day window
    zalo.fail_next(-213)  # no longer follows the OA
    bulletin_id = await queue_bulletin(staff, title="Tiêm phòng dại")
    sender = ZaloSender()
    worker = DeliveryWorker([sender])
    task = asyncio.create_task(worker.run())
    try:
        await eventually(settled)
    finally:
        worker.stop()
        await task
        await sender.aclose()
    async with session_scope() as session:
        counts = (await delivery_counts(session, [bulletin_id]))[bulletin_id]
        contacts = list(await session.exec(select(Contact)))
        subscriptions = {s.contact_id: s for s in await session.exec(select(Subscription))}
    assert (counts["sent"], counts["unreachable"], counts["blocked"]) == (4, 1, 1)
    assert len(zalo.messages) == 4 and all(m["text"].startswith("📢 Tiêm phòng dại") for m in zalo.messages)
    assert {b["title"] for m in zalo.messages for b in m["buttons"]} == {"Đã biết"}
    assert all("#b:ack:" in b["payload"] for m in zalo.messages for b in m["buttons"])  # tapped → ack:<id>
    unreachable = [c for c in contacts if c.unreachable_since is not None]
    assert len(unreachable) == 1 and subscriptions[unreachable[0].id].active
    stopped = Counter((s.active, s.stop_reason) for s in subscriptions.values())
    assert stopped == {(True, None): 5, (False, "blocked"): 1}
