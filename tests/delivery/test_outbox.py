"""The outbox: queueing a firing once, claiming with leases, and recording what each channel said."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core import clock
from core.db import session_scope
from core.models import Bulletin, Contact, Delivery, Dispatch, Subscription
from core.settings import get_settings
from delivery.dispatch import dispatch_due
from delivery.outbox import (
    IN_DOUBT,
    Outcome,
    claim_due_deliveries,
    mark_sending,
    quiet_hours_end,
    record_outcome,
)
from tests.kit.bulletin_world import AP_BA, AP_BON, AP_HAI, AP_MOT, TAN_HOA, add_households, seed_map

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=VN)


@pytest.fixture
async def world(database: str) -> None:
    clock.freeze(NOW)
    async with session_scope() as session:
        await seed_map(session)


async def new_bulletin(area_codes: list[str], *, urgent: bool = False, recurrence: str | None = None,
                       send_at: datetime | None = None) -> int:
    async with session_scope() as session:
        bulletin = Bulletin(title="Tin", body="Nội dung", area_codes=area_codes, send_at=send_at or clock.now(),
                            recurrence=recurrence, urgent=urgent)
        session.add(bulletin)
        await session.flush()
        return bulletin.id


async def queued(bulletin_id: int, households: int) -> int:
    async with session_scope() as session:
        fired = await dispatch_due(session, bulletin_id)
    assert fired is not None and fired.recipients == households
    return fired.dispatch_id


async def claim(worker: str, limit: int = 100):
    async with session_scope() as session:
        return await claim_due_deliveries(session, worker=worker, channel="telegram", limit=limit, lease_seconds=60)


async def deliveries() -> list[Delivery]:
    async with session_scope() as session:
        return list(await session.exec(select(Delivery).order_by(Delivery.id)))


async def test_bulletin_to_a_commune_reaches_each_of_its_hamlets_subscribers_and_no_one_else(world) -> None:
    async with session_scope() as session:
        mot = await add_households(session, AP_MOT, 3, first_user=100)
        hai = await add_households(session, AP_HAI, 2, first_user=200)
        ba = await add_households(session, AP_BA, 2, channel="zalo", first_user=300)
        commune = await add_households(session, TAN_HOA, 1, first_user=400)
        await add_households(session, AP_BON, 5, first_user=500)  # the other commune
        await add_households(session, AP_MOT, 2, channel="web", first_user=600)  # cannot receive pushes
        stopped = await add_households(session, AP_MOT, 1, first_user=700)
        subscription = (await session.exec(select(Subscription).where(Subscription.contact_id == stopped[0]))).one()
        subscription.active = False
        session.add(subscription)
    bulletin_id = await new_bulletin([TAN_HOA])
    await queued(bulletin_id, 8)
    reached = {(d.contact_id, d.area_code, d.channel) for d in await deliveries()}
    assert reached == ({(c, AP_MOT, "telegram") for c in mot} | {(c, AP_HAI, "telegram") for c in hai}
                       | {(c, AP_BA, "zalo") for c in ba} | {(c, TAN_HOA, "telegram") for c in commune})


async def test_household_subscribed_to_hamlet_and_commune_gets_one_delivery(world) -> None:
    async with session_scope() as session:
        [contact] = await add_households(session, AP_MOT, 1)
        session.add(Subscription(contact_id=contact, area_code=TAN_HOA))
    await queued(await new_bulletin([TAN_HOA, AP_MOT]), 1)


async def test_the_job_firing_twice_queues_once(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 50)
    bulletin_id = await new_bulletin([AP_MOT])

    async def fire():
        async with session_scope() as session:
            return await dispatch_due(session, bulletin_id)

    results = await asyncio.gather(fire(), fire())
    assert sorted(r is None for r in results) == [False, True]
    assert await fire() is None
    async with session_scope() as session:
        assert len((await session.exec(select(Dispatch))).all()) == 1
    assert len(await deliveries()) == 50


async def test_recurring_bulletin_queues_each_due_time_once(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 2)
    first_monday = datetime(2026, 11, 30, 7, 0, tzinfo=VN)
    bulletin_id = await new_bulletin([AP_MOT], recurrence="0 7 * * 1", send_at=first_monday)
    async with session_scope() as session:
        assert await dispatch_due(session, bulletin_id) is None  # not due yet
    for moment in (first_monday + timedelta(seconds=2), first_monday + timedelta(days=7, minutes=5)):
        clock.freeze(moment)
        await queued(bulletin_id, 2)
        async with session_scope() as session:
            assert await dispatch_due(session, bulletin_id) is None
    async with session_scope() as session:
        dues = [d.due_at for d in await session.exec(select(Dispatch).order_by(Dispatch.due_at))]
        assert (await session.get(Bulletin, bulletin_id)).status == "active"
    assert dues == [first_monday, first_monday + timedelta(days=7)]


async def test_two_workers_claim_disjoint_batches(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 30)
    await queued(await new_bulletin([AP_MOT]), 30)
    first, second = await asyncio.gather(claim("a", 20), claim("b", 20))
    ids_a, ids_b = {r.id for r in first}, {r.id for r in second}
    assert not ids_a & ids_b and len(ids_a | ids_b) == 30
    assert await claim("c") == []


async def test_rows_claimed_by_a_crashed_worker_come_back_after_the_lease(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 3)
    await queued(await new_bulletin([AP_MOT]), 3)
    held = await claim("crashed")
    async with session_scope() as session:
        assert await mark_sending(session, held[0].id, worker="crashed", lease_seconds=60)
    clock.freeze(NOW + timedelta(seconds=59))
    assert await claim("b") == []
    clock.freeze(NOW + timedelta(seconds=61))
    again = await claim("b")
    assert sorted(r.id for r in again) == sorted(r.id for r in held)
    async with session_scope() as session:
        assert not await mark_sending(session, held[1].id, worker="crashed", lease_seconds=60)  # claim lost
        doubtful = await session.get(Delivery, held[0].id)
    assert (doubtful.status, doubtful.claimed_by, doubtful.error) == ("pending", "b", IN_DOUBT)


async def sent_through(row, outcome: Outcome, worker: str = "w") -> str:
    async with session_scope() as session:
        assert await mark_sending(session, row.id, worker=worker, lease_seconds=60)
    async with session_scope() as session:
        return await record_outcome(session, row, outcome, worker=worker)


async def test_blocked_user_is_unsubscribed_and_never_retried(world) -> None:
    async with session_scope() as session:
        [contact] = await add_households(session, AP_MOT, 1)
        session.add(Subscription(contact_id=contact, area_code=TAN_HOA))
    await queued(await new_bulletin([AP_MOT]), 1)
    await queued(await new_bulletin([TAN_HOA]), 1)
    first = (await claim("w", 1))[0]
    assert await sent_through(first, Outcome("blocked", error="Forbidden: bot was blocked by the user")) == "blocked"
    clock.freeze(NOW + timedelta(days=1))
    assert await claim("w") == []
    assert {d.status for d in await deliveries()} == {"blocked"}
    async with session_scope() as session:
        subscriptions = list(await session.exec(select(Subscription)))
    assert {(s.active, s.stop_reason) for s in subscriptions} == {(False, "blocked")}


async def test_transient_errors_back_off_then_fail(world, env) -> None:
    env.setenv("DELIVERY_MAX_ATTEMPTS", "3")
    env.setenv("DELIVERY_BACKOFF_SECONDS", "10")
    get_settings.cache_clear()
    async with session_scope() as session:
        await add_households(session, AP_MOT, 1)
    await queued(await new_bulletin([AP_MOT]), 1)
    moment = NOW
    for wait, expected in ((10, "pending"), (20, "pending"), (None, "failed")):
        [row] = await claim("w")
        assert await sent_through(row, Outcome("retry", error="502 Bad Gateway")) == expected
        [delivery] = await deliveries()
        if wait is not None:
            assert delivery.next_attempt_at == moment + timedelta(seconds=wait)
            moment += timedelta(seconds=wait)
            clock.freeze(moment)
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 3, "502 Bad Gateway")


async def test_rate_limit_retry_waits_retry_after_without_using_an_attempt(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 1)
    await queued(await new_bulletin([AP_MOT]), 1)
    [row] = await claim("w")
    assert await sent_through(row, Outcome("retry", retry_after=7)) == "pending"
    [delivery] = await deliveries()
    assert (delivery.attempts, delivery.next_attempt_at, delivery.claimed_by) == (0, NOW + timedelta(seconds=7), None)
    clock.freeze(NOW + timedelta(seconds=7))
    [row] = await claim("w")
    assert await sent_through(row, Outcome("sent")) == "sent"


async def test_unreachable_is_recorded_on_the_delivery_and_the_contact(world) -> None:
    async with session_scope() as session:
        await add_households(session, AP_MOT, 1, channel="zalo", silent_days=9)
    await queued(await new_bulletin([AP_MOT]), 1)
    async with session_scope() as session:
        [row] = await claim_due_deliveries(session, worker="w", channel="zalo", limit=5, lease_seconds=60)
    assert await sent_through(row, Outcome("unreachable", error="-230")) == "unreachable"
    async with session_scope() as session:
        contact = (await session.exec(select(Contact))).one()
        subscription = (await session.exec(select(Subscription))).one()
    assert contact.unreachable_since == NOW and subscription.active


async def test_quiet_hours_hold_non_urgent_bulletins_until_morning_but_not_urgent_ones(world) -> None:
    clock.freeze(datetime(2026, 11, 29, 22, 30, tzinfo=VN))
    async with session_scope() as session:
        await add_households(session, AP_MOT, 2)
    quiet = await new_bulletin([AP_MOT])
    urgent = await new_bulletin([AP_MOT], urgent=True)
    await queued(quiet, 2)
    await queued(urgent, 2)
    tonight = await claim("w")
    assert [r.bulletin_id for r in tonight] == [urgent, urgent]
    for row in tonight:
        assert await sent_through(row, Outcome("sent")) == "sent"
    morning = datetime(2026, 11, 30, 6, 0, tzinfo=VN)
    assert {d.next_attempt_at for d in await deliveries() if d.status == "pending"} == {morning}
    clock.freeze(morning - timedelta(seconds=1))
    assert await claim("w") == []
    clock.freeze(morning)
    assert [r.bulletin_id for r in await claim("w")] == [quiet, quiet]


@pytest.mark.no_database
@pytest.mark.parametrize(("local", "end"), [
    ("21:00", "2026-11-30 06:00"), ("23:59", "2026-11-30 06:00"), ("00:00", "2026-11-29 06:00"),
    ("05:59", "2026-11-29 06:00"), ("06:00", None), ("12:00", None), ("20:59", None),
])
def test_quiet_hours_end(env, local: str, end: str | None) -> None:
    hour, minute = map(int, local.split(":"))
    moment = datetime(2026, 11, 29, hour, minute, tzinfo=VN)
    found = quiet_hours_end(moment)
    assert (found.astimezone(VN).strftime("%Y-%m-%d %H:%M") if found else None) == end


@pytest.mark.no_database
def test_quiet_hours_that_do_not_cross_midnight(env) -> None:
    env.setenv("QUIET_HOURS_START", "12:00")
    env.setenv("QUIET_HOURS_END", "13:30")
    get_settings.cache_clear()
    assert quiet_hours_end(datetime(2026, 11, 29, 12, 10, tzinfo=VN)) == datetime(2026, 11, 29, 13, 30, tzinfo=VN)
    assert quiet_hours_end(datetime(2026, 11, 29, 13, 30, tzinfo=VN)) is None
