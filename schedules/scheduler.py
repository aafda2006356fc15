"""The bulletin scheduler: one APScheduler job per live bulletin, fired at its time in Asia/Ho_Chi_Minh.

    giamngheo scheduler        # alone (scaled deployments); `giamngheo serve` runs one in process

APScheduler 3.11 `AsyncIOScheduler` keeps its jobs in the same database (`SQLAlchemyJobStore` on the sync
engine). A job is `bulletin:<id>` with a date trigger (send once) or a cron trigger (recurrence); when it
fires, `fire_bulletin` queues the firing through delivery/dispatch.py, which is unique per (bulletin, due time).
The database's bulletins are the truth: every few seconds the leader adds jobs for new bulletins and removes
jobs of cancelled ones, so the API never talks to the scheduler (an in-process scheduler is nudged to sync at
once). Only the holder of the "scheduler" lease (schedules/leadership.py) runs APScheduler; any other
scheduler process stays idle and takes over when the lease lapses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler, run_in_event_loop
from apscheduler.triggers.date import DateTrigger
from sqlmodel import col, select

from core.bulletins.recurrence import cron_trigger
from core.bulletins.service import LIVE_STATUSES
from core.db import get_sync_engine, session_scope
from core.models import Bulletin
from core.settings import Settings, get_settings
from delivery.dispatch import dispatch_due
from delivery.services import stop_on_signals
from delivery.worker import worker_name
from schedules.leadership import give_up_lease, take_lease

log = logging.getLogger(__name__)

JOB_PREFIX = "bulletin:"
LEASE = "scheduler"


async def fire_bulletin(bulletin_id: int) -> None:
    """The job of every bulletin: queue its current firing (a module-level function, so the job store can
    name it)."""
    async with session_scope() as session:
        fired = await dispatch_due(session, bulletin_id)
    if fired is None:
        log.info("bulletin %s: nothing to queue (not due, cancelled or already queued)", bulletin_id)
    else:
        log.info("bulletin %s: queued %d deliveries for %s", bulletin_id, fired.recipients, fired.due_at.isoformat())


class _LoopExecutor(AsyncIOExecutor):
    """Submits jobs onto the event loop from whatever thread processes the job store."""

    def _do_submit_job(self, job: Job, run_times: list[Any]) -> None:
        self._eventloop.call_soon_threadsafe(super()._do_submit_job, job, run_times)


class _OffLoopScheduler(AsyncIOScheduler):
    """AsyncIOScheduler whose job-store work runs in a thread.

    The SQL job store is synchronous; on SQLite, a write from the event loop would wait for the write lock
    that a delivery worker on the same loop holds between two awaits — and that worker can only commit once
    the loop is free again. Processing the store in a thread keeps the loop free.
    """

    @run_in_event_loop
    def wakeup(self) -> None:
        self._stop_timer()
        future = self._eventloop.run_in_executor(None, self._process_jobs)
        future.add_done_callback(self._after_processing)

    def _after_processing(self, future: asyncio.Future) -> None:
        if future.cancelled() or not self.running:
            return
        if future.exception() is not None:
            log.error("processing scheduled jobs failed: %s", future.exception())
            self._start_timer(5.0)
            return
        self._start_timer(future.result())

    def _create_default_executor(self) -> AsyncIOExecutor:
        return _LoopExecutor()


def job_name(bulletin_id: int, send_at: Any, recurrence: str | None) -> str:
    """The job's name carries its schedule, so a sync sees that an official edited the time."""
    return f"bulletin {bulletin_id} at {send_at.isoformat()}" + (f" cron {recurrence}" if recurrence else "")


def bulletin_trigger(bulletin_id: int, send_at: Any, recurrence: str | None, settings: Settings) -> dict[str, Any]:
    """The add_job arguments for a bulletin: a date trigger (late is still sent) or its cron (late is skipped
    past the grace time, since the next firing is coming anyway)."""
    if recurrence:
        trigger = cron_trigger(recurrence, settings.tz, start_date=send_at.astimezone(settings.tz))
        grace: int | None = settings.scheduler_misfire_grace_seconds
    else:
        trigger, grace = DateTrigger(run_date=send_at, timezone=settings.tz), None
    return {"func": fire_bulletin, "trigger": trigger, "args": [bulletin_id], "id": f"{JOB_PREFIX}{bulletin_id}",
            "name": job_name(bulletin_id, send_at, recurrence), "misfire_grace_time": grace, "coalesce": True,
            "max_instances": 1, "replace_existing": True}


class BulletinScheduler:
    """Leads (or waits to lead) and keeps APScheduler's jobs in line with the live bulletins."""

    def __init__(self, settings: Settings | None = None, *, holder: str | None = None):
        self.settings = settings or get_settings()
        self.holder = holder or worker_name()
        self.scheduler: _OffLoopScheduler | None = None
        self.ticks = 0  # lease checks done, led or not: lets a caller wait for "a few more ticks" without a timer
        self._stopping = asyncio.Event()
        self._sync_requested = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def request_sync(self) -> None:
        """Pick up new or cancelled bulletins now rather than at the next tick."""
        self._sync_requested.set()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Until stopped: hold the lease and sync, or stand by; on the way out, hand the lease back."""
        tick = min(self.settings.scheduler_sync_seconds, self.settings.scheduler_lease_seconds / 3)
        try:
            while not self._stopping.is_set():
                try:
                    await self.tick()
                except Exception:  # the database may be briefly away; the lease covers a missed tick
                    log.exception("scheduler tick failed")
                self._sync_requested.clear()
                waits = [asyncio.ensure_future(e.wait()) for e in (self._stopping, self._sync_requested)]
                await asyncio.wait(waits, timeout=tick, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waits:
                    waiter.cancel()
        finally:
            await self._step_down()

    async def tick(self) -> None:
        async with session_scope() as session:
            leading = await take_lease(session, LEASE, self.holder, self.settings.scheduler_lease_seconds)
        self.ticks += 1
        if not leading:
            if self.leading:
                log.warning("scheduler %s lost the lease; standing by", self.holder)
                self._stop_apscheduler()
            return
        if not self.leading:
            await self._start_apscheduler()
        await self.sync()

    async def sync(self) -> None:
        """Add a job for every live bulletin without one (or whose schedule was edited); remove jobs whose
        bulletin is no longer live."""
        assert self.scheduler is not None
        async with session_scope() as session:
            rows = (await session.exec(select(Bulletin.id, Bulletin.send_at, Bulletin.recurrence)
                                       .where(col(Bulletin.status).in_(LIVE_STATUSES)))).all()
        wanted = {f"{JOB_PREFIX}{row[0]}": row for row in rows}
        jobs = await asyncio.to_thread(self.scheduler.get_jobs)
        names = {job.id: job.name for job in jobs if job.id.startswith(JOB_PREFIX)}
        have = {job_id for job_id, name in names.items()
                if job_id not in wanted or name == job_name(*wanted[job_id])}  # an edited one is added again
        for job_id in have - wanted.keys():
            await asyncio.to_thread(self.scheduler.remove_job, job_id)
            log.info("scheduler: removed %s (no longer live)", job_id)
        for job_id in wanted.keys() - have:
            bulletin_id, send_at, recurrence = wanted[job_id]
            await asyncio.to_thread(lambda b=bulletin_id, s=send_at, r=recurrence: self.scheduler.add_job(
                **bulletin_trigger(b, s, r, self.settings)))
            log.info("scheduler: added %s (%s)", job_id, recurrence or send_at.isoformat())

    async def _start_apscheduler(self) -> None:
        store = SQLAlchemyJobStore(engine=get_sync_engine(), tablename="apscheduler_jobs")
        scheduler = _OffLoopScheduler(jobstores={"default": store}, timezone=self.settings.tz,
                                      event_loop=asyncio.get_running_loop())
        await asyncio.to_thread(scheduler.start)  # creates the job table: database work, off the loop
        self.scheduler = scheduler
        log.info("scheduler %s is leading", self.holder)

    def _stop_apscheduler(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    async def _step_down(self) -> None:
        if self.leading:
            self._stop_apscheduler()
            try:
                async with session_scope() as session:
                    await give_up_lease(session, LEASE, self.holder)
            except Exception:
                log.exception("could not give the scheduler lease back; it will lapse")


@asynccontextmanager
async def scheduler_service(app: Any) -> AsyncIterator[None]:
    """The scheduler inside the web app; the bulletin routes nudge it through `app.state.bulletin_scheduler`."""
    scheduler = BulletinScheduler()
    app.state.bulletin_scheduler = scheduler
    task = asyncio.create_task(scheduler.run(), name="bulletin-scheduler")
    try:
        yield
    finally:
        scheduler.stop()
        await task
        app.state.bulletin_scheduler = None


async def run_scheduler() -> int:
    """`giamngheo scheduler`: lead or stand by until SIGTERM."""
    scheduler = BulletinScheduler()
    stop_on_signals(scheduler.stop)
    await scheduler.run()
    return 0
