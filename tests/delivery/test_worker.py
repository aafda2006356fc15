"""Delivery workers against the fake Bot API: exactly once, 429 storms, blocked users, quiet hours, stopping."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from core import clock
from core.db import session_scope
from core.models import Delivery, Subscription
from core.settings import get_settings
from tests.kit.bulletin_world import AP_BON, AP_MOT, TAN_HOA
from tests.kit.outbox import (
    RunningWorkers,
    eventually,
    households,
    per_chat,
    queue_bulletin,
    settled,
    status_counts,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
IN_FLIGHT = 0.15  # seconds: longer than a loopback round trip, far shorter than the pause


def lift_rate_limit(env) -> None:
    env.setenv("TELEGRAM_RATE_LIMIT_ENABLED", "false")
    get_settings.cache_clear()


async def deliveries() -> list[Delivery]:
    async with session_scope() as session:
        return list(await session.exec(select(Delivery).order_by(Delivery.id)))


async def test_each_subscriber_gets_the_bulletin_once_with_a_got_it_button(staff, fake_telegram, env) -> None:
    from prometheus_client import REGISTRY

    def timed_sends() -> float:
        return REGISTRY.get_sample_value("giamngheo_send_seconds_count", {"channel": "telegram"}) or 0.0

    lift_rate_limit(env)
    chats = await households(12, AP_MOT, first_user=100) + await households(3, AP_BON, first_user=900)
    bulletin_id = await queue_bulletin(staff, title="Phát cây giống", areas=[TAN_HOA])
    sends_before = timed_sends()
    async with RunningWorkers():
        await eventually(settled)
    assert timed_sends() - sends_before == 12  # every send's latency reaches /metrics
    received = per_chat(fake_telegram)
    assert received == {100 + i: 1 for i in range(12)} and len(chats) == 15
    rows = await deliveries()
    assert {(r.status, r.attempts, r.bulletin_id) for r in rows} == {("sent", 1, bulletin_id)}
    by_chat = {call.chat_id: call for call in fake_telegram.calls("sendMessage")}
    first = by_chat[100]
    assert first.text.startswith("📢 Phát cây giống\n\n") and "cây giống" in first.text
    assert first.text.endswith("\n\n— Gửi từ: UBND xã Tân Hòa · Cán bộ Tân Hòa")  # who sent it, under every one
    delivery = next(r for r in rows if r.sent_at and r.contact_id == rows[0].contact_id)
    assert [[b["text"] for b in row] for row in first.buttons] == [["Đã biết"]]
    assert {b["callback_data"] for c in by_chat.values() for row in c.buttons for b in row} == {
        f"ack:{r.id}" for r in rows}
    assert delivery.sent_at is not None


async def test_two_workers_racing_on_one_outbox_deliver_exactly_once(staff, fake_telegram, env) -> None:
    lift_rate_limit(env)
    env.setenv("DELIVERY_BATCH_SIZE", "25")
    fake_telegram.delay = 0.002
    await households(400)
    await queue_bulletin(staff)
    async with RunningWorkers(2) as running:
        await eventually(settled, within=30)
    assert per_chat(fake_telegram) == {1000 + i: 1 for i in range(400)}
    assert all(worker.sent > 50 for worker in running.workers), [w.sent for w in running.workers]
    assert sum(w.sent for w in running.workers) == 400


async def test_a_429_storm_pauses_the_channel_and_loses_nothing(staff, fake_telegram) -> None:
    fake_telegram.enforce_flood_limits(30, 1.0)
    fake_telegram.rate_limit(retry_after=1, times=3)
    await households(40)
    await queue_bulletin(staff)
    async with RunningWorkers():
        await eventually(settled, within=30)
    assert per_chat(fake_telegram) == {1000 + i: 1 for i in range(40)}
    assert fake_telegram.rate_limited == 3  # the three scripted 429s, and not one more
    # Requests already on the wire when a 429 came back may still arrive just after it (that is how a
    # paced sender with sends in flight behaves); after that, nothing until retry_after has passed.
    calls = fake_telegram.calls("sendMessage", status=None)
    for refused in (c for c in calls if c.status == 429):
        during_pause = [c for c in calls if refused.at + IN_FLIGHT < c.at < refused.at + 0.95]
        assert during_pause == [], "a request went out while the channel was paused"
    assert {r.attempts for r in await deliveries()} == {1}  # a rate limit does not use up an attempt


async def test_blocked_users_are_unsubscribed_and_never_retried(staff, fake_telegram) -> None:
    await households(10)
    fake_telegram.block(1003, 1004, reason="blocked")
    fake_telegram.block(1005, reason="deactivated")
    await queue_bulletin(staff)
    second = await queue_bulletin(staff, title="Tin thứ hai")  # queued before anyone knew they were blocked
    async with RunningWorkers():
        await eventually(settled)
        assert await status_counts() == {"sent": 14, "blocked": 6}
        third = await queue_bulletin(staff, title="Tin thứ ba")
        await eventually(settled)
    refused = fake_telegram.calls("sendMessage", status=403)
    assert sorted(c.chat_id for c in refused) == [1003, 1004, 1005]  # one refusal each, then silence
    async with session_scope() as session:
        stopped = list(await session.exec(select(Subscription).where(Subscription.active.is_(False))))
    assert {s.stop_reason for s in stopped} == {"blocked"} and len(stopped) == 3
    assert len([r for r in await deliveries() if r.bulletin_id == third]) == 7
    assert {r.status for r in await deliveries() if r.bulletin_id == second and r.error} == {"blocked"}


async def test_transient_errors_are_retried_with_backoff_then_failed(staff, fake_telegram, env) -> None:
    lift_rate_limit(env)
    env.setenv("DELIVERY_MAX_ATTEMPTS", "3")
    fake_telegram.fail("sendMessage", 502, "Bad Gateway", times=2)
    await households(1)
    await queue_bulletin(staff)
    async with RunningWorkers():
        await eventually(settled)
        [row] = await deliveries()
        assert (row.status, row.attempts) == ("sent", 3)
        fake_telegram.fail("sendMessage", 500, "Internal Server Error")
        await queue_bulletin(staff, title="Tin hỏng")
        await eventually(settled)
    failed = [r for r in await deliveries() if r.status == "failed"]
    assert len(failed) == 1 and failed[0].attempts == 3 and "Internal Server Error" in failed[0].error
    gaps = [b.at - a.at for a, b in zip(fake_telegram.calls("sendMessage", status=None),
                                        fake_telegram.calls("sendMessage", status=None)[1:], strict=False)]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.35  # 0.2 s, then 0.4 s (DELIVERY_BACKOFF_SECONDS doubling)


async def test_quiet_hours_hold_non_urgent_bulletins_but_urgent_goes_through(staff, fake_telegram, env) -> None:
    env.setenv("QUIET_HOURS_START", "21:00")
    env.setenv("QUIET_HOURS_END", "06:00")
    lift_rate_limit(env)
    night = datetime(2026, 11, 29, 22, 15, tzinfo=VN)
    clock.freeze(night)
    await households(5)
    await queue_bulletin(staff, title="Thông báo họp")
    await queue_bulletin(staff, title="Triều cường", urgent=True)
    async with RunningWorkers() as running:
        worker = running.workers[0]

        async def looked_again(times: int = 3) -> None:  # the worker claimed again: what it could send, it sent
            seen = worker.claims
            await eventually(lambda: asyncio.sleep(0, worker.claims >= seen + times))

        await eventually(lambda: asyncio.sleep(0, len(fake_telegram.calls("sendMessage")) >= 5))
        await looked_again()
        assert {c.text.split("\n")[0] for c in fake_telegram.calls("sendMessage")} == {"🚨 KHẨN: Triều cường"}
        assert (await status_counts())["pending"] == 5
        clock.freeze(datetime(2026, 11, 30, 6, 0, tzinfo=VN) - timedelta(seconds=1))
        await looked_again()
        assert len(fake_telegram.calls("sendMessage")) == 5
        clock.freeze(datetime(2026, 11, 30, 6, 0, tzinfo=VN))
        await eventually(settled)
    assert per_chat(fake_telegram) == {1000 + i: 2 for i in range(5)}


async def test_one_chat_gets_at_most_one_message_a_second(staff, fake_telegram) -> None:
    fake_telegram.enforce_flood_limits(30, 1.0)
    await households(2)
    for number in range(3):
        await queue_bulletin(staff, title=f"Tin {number}")
    async with RunningWorkers():
        await eventually(settled)
    assert per_chat(fake_telegram) == {1000: 3, 1001: 3}
    # The worker spaces a chat's sends by 1 s on its own clock; the fake stamps them when it answers, so a slow
    # first round trip on a busy machine can shave a few ms off the gap it sees. What Telegram would judge is
    # whether it refused anything (its limits, like the fake's, carry slack): none was refused.
    assert fake_telegram.min_chat_interval() >= 0.9 and fake_telegram.rate_limited == 0


async def test_stopping_finishes_sends_in_flight_and_releases_claims(staff, fake_telegram, env) -> None:
    lift_rate_limit(env)
    env.setenv("DELIVERY_CONCURRENCY", "4")
    fake_telegram.delay = 0.2
    await households(40)
    await queue_bulletin(staff)
    running = RunningWorkers()
    async with running:
        await fake_telegram.await_calls("sendMessage", 4)
    counts = await status_counts()
    received = len(fake_telegram.calls("sendMessage"))
    assert counts["sent"] == received and counts["sending"] == 0 and counts["pending"] == 40 - received
    assert all(r.claimed_by is None for r in await deliveries())
    async with RunningWorkers():
        await eventually(settled)
    assert per_chat(fake_telegram) == {1000 + i: 1 for i in range(40)}
