"""The scheduler on a real database and real time: jobs follow bulletins, one leader, firing queues once."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from core import clock
from core.bulletins.service import BulletinDraft, cancel_bulletin, create_bulletin
from core.db import get_sync_engine, session_scope
from core.models import Bulletin, Delivery, Dispatch
from core.settings import get_settings
from schedules.scheduler import BulletinScheduler, fire_bulletin
from tests.kit.bulletin_world import AP_MOT, add_households, seed_map, seed_staff


@pytest.fixture
async def staff(database, env):
    env.setenv("SCHEDULER_SYNC_SECONDS", "0.2")
    env.setenv("SCHEDULER_LEASE_SECONDS", "1.5")
    get_settings.cache_clear()
    async with session_scope() as session:
        await seed_map(session)
        await add_households(session, AP_MOT, 20)
        return await seed_staff(session)


async def new_bulletin(staff, **changes) -> int:
    values = {"title": "Lịch tiêm phòng", "body": "Tiêm phòng cho heo vào sáng thứ Bảy.", "area_codes": [AP_MOT]}
    async with session_scope() as session:
        bulletin = await create_bulletin(session, BulletinDraft(**(values | changes)), official=staff.editor)
        return bulletin.id


async def eventually(check, within: float = 8.0):
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {check.__name__}")
        await asyncio.sleep(0.05)


async def dispatches() -> list[Dispatch]:
    async with session_scope() as session:
        return list(await session.exec(select(Dispatch)))


def job_ids() -> set[str]:
    """The jobs APScheduler keeps in the database (none before it first started)."""
    with get_sync_engine().connect() as connection:
        if not inspect(connection).has_table("apscheduler_jobs"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT id FROM apscheduler_jobs"))}


async def test_a_bulletin_due_in_a_second_is_queued_once_by_the_scheduler(staff) -> None:
    bulletin_id = await new_bulletin(staff, send_at=(clock.now() + timedelta(seconds=1)).isoformat())
    scheduler = BulletinScheduler(holder="only")
    task = asyncio.create_task(scheduler.run())
    try:
        await eventually(lambda: asyncio.to_thread(lambda: f"bulletin:{bulletin_id}" in job_ids()))
        fired = await eventually(dispatches)
        seen = scheduler.ticks
        await eventually(lambda: asyncio.sleep(0, scheduler.ticks >= seen + 3))  # a few more syncs: none queues again
    finally:
        scheduler.stop()
        await task
    assert len(await dispatches()) == 1 and fired[0].recipients == 20
    async with session_scope() as session:
        assert len((await session.exec(select(Delivery))).all()) == 20
        assert (await session.get(Bulletin, bulletin_id)).status == "done"
    assert job_ids() == set()


async def test_a_recurring_bulletin_gets_a_cron_job_for_monday_seven(staff) -> None:
    bulletin_id = await new_bulletin(staff, recurrence="0 7 * * 1")
    scheduler = BulletinScheduler(holder="only")
    await scheduler.tick()
    try:
        job = scheduler.scheduler.get_job(f"bulletin:{bulletin_id}")
        first = job.next_run_time
        assert (first.weekday(), first.hour, first.minute, first.utcoffset()) == (0, 7, 0, timedelta(hours=7))
        assert job.trigger.get_next_fire_time(first, first + timedelta(seconds=1)) == first + timedelta(days=7)
    finally:
        scheduler.stop()
        await scheduler.run()


async def test_a_cancelled_bulletin_loses_its_job_and_never_fires(staff) -> None:
    due = (clock.now() + timedelta(seconds=1.5)).isoformat()
    bulletin_id = await new_bulletin(staff, send_at=due)
    witness_id = await new_bulletin(staff, send_at=due, title="Lịch họp ấp")  # same time, not cancelled
    scheduler = BulletinScheduler(holder="only")
    await scheduler.tick()
    assert {f"bulletin:{bulletin_id}", f"bulletin:{witness_id}"} <= job_ids()
    async with session_scope() as session:
        await cancel_bulletin(session, bulletin_id, official=staff.editor)
    await scheduler.tick()
    assert job_ids() == {f"bulletin:{witness_id}"}
    task = asyncio.create_task(scheduler.run())
    try:
        fired = await eventually(dispatches)  # the witness fired: the cancelled one's time has surely come too
    finally:
        scheduler.stop()
        await task
    assert [d.bulletin_id for d in fired] == [witness_id]
    assert [d.bulletin_id for d in await dispatches()] == [witness_id]


async def test_only_one_scheduler_leads_and_a_standby_takes_over(staff) -> None:
    first, second = BulletinScheduler(holder="first"), BulletinScheduler(holder="second")
    tasks = [asyncio.create_task(first.run())]
    await eventually(lambda: asyncio.sleep(0, first.leading))
    tasks.append(asyncio.create_task(second.run()))
    await eventually(lambda: asyncio.sleep(0, second.ticks >= 3))  # the standby has asked for the lease, in vain
    assert first.leading and not second.leading
    bulletin_id = await new_bulletin(staff, send_at=(clock.now() + timedelta(seconds=2)).isoformat())
    first.stop()
    await tasks[0]
    await eventually(lambda: asyncio.sleep(0, second.leading), within=3)
    fired = await eventually(dispatches)
    second.stop()
    await tasks[1]
    assert [d.bulletin_id for d in fired] == [bulletin_id]


async def test_firing_a_job_twice_at_once_queues_once(staff) -> None:
    bulletin_id = await new_bulletin(staff)
    await asyncio.gather(fire_bulletin(bulletin_id), fire_bulletin(bulletin_id), fire_bulletin(bulletin_id))
    assert [d.recipients for d in await dispatches()] == [20]



async def test_an_edited_time_moves_the_job_and_the_bulletin_fires_at_the_new_time(staff) -> None:
    from core.bulletins.service import edit_bulletin

    bulletin_id = await new_bulletin(staff, send_at=(clock.now() + timedelta(days=3)).isoformat())
    scheduler = BulletinScheduler(holder="only")
    await scheduler.tick()
    try:
        assert scheduler.scheduler.get_job(f"bulletin:{bulletin_id}").next_run_time > clock.now() + timedelta(days=2)
        soon = clock.now() + timedelta(seconds=1)
        async with session_scope() as session:
            await edit_bulletin(session, bulletin_id, BulletinDraft(
                title="Lịch tiêm phòng (dời sớm)", body="Tiêm phòng ngay hôm nay.", area_codes=[AP_MOT],
                send_at=soon.isoformat()), official=staff.editor)
        await scheduler.tick()
        job = scheduler.scheduler.get_job(f"bulletin:{bulletin_id}")
        assert abs((job.next_run_time - soon).total_seconds()) < 1
    finally:
        scheduler.stop()
        await scheduler.run()
    runner = BulletinScheduler(holder="only")
    task = asyncio.create_task(runner.run())
    try:
        fired = await eventually(dispatches)
    finally:
        runner.stop()
        await task
    assert [d.bulletin_id for d in fired] == [bulletin_id]
