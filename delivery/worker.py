"""Delivery workers: claim due outbox rows, send each bulletin through its channel, record what happened.

    giamngheo worker          # one worker process; run as many as you like (SIGTERM stops it gracefully)

A worker runs one lane per channel it has a sender for. A lane keeps a queue of claimed rows topped up
(delivery/outbox.py) while `delivery_concurrency` senders drain it. Each send: wait for the chat's turn, mark the
row `sending` (committed before the call), take the channel's next slot (delivery/pacing.py), call the
channel, and record the outcome (committed right after the call, before the sender takes another row).
Marks and outcomes that arrive together share a commit (delivery/writer.py), so the window between
"sent" and "recorded" is one channel call plus at most a couple of milliseconds and one short commit; a
crash in that window leaves only the rows in flight in doubt, and they are sent again when their lease ends
(delivery/outbox.py explains why at-least-once). On SIGTERM the sends in flight finish and are recorded, the
claims not yet sending are released, and the worker exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.channels.base import ChannelSender, SendResult
from core import clock
from core.db import session_scope
from core.metrics import observe_send_latency
from core.models import Bulletin
from core.settings import Settings, get_settings
from delivery.outbox import (
    ClaimedDelivery,
    Outcome,
    claim_due_deliveries,
    hold_non_urgent,
    quiet_hours_end,
    release_claims,
)
from delivery.pacing import ChannelLimits, ChannelPacer
from delivery.render import BulletinMessage, render_bulletin
from delivery.writer import OutboxWriter

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ChannelLane:
    """Sends one channel's due rows for one worker."""

    def __init__(self, sender: ChannelSender, *, worker: str, stopping: asyncio.Event, settings: Settings):
        self.sender = sender
        self.channel = sender.channel
        self.worker = worker
        self.stopping = stopping
        self.settings = settings
        self.pacer = ChannelPacer(ChannelLimits.for_channel(self.channel, settings))
        self.writer = OutboxWriter(worker=worker, lease_seconds=settings.delivery_lease_seconds)
        self.bulletins: dict[int, BulletinMessage] = {}
        self.queue: asyncio.Queue[ClaimedDelivery | None] = asyncio.Queue()
        self.sent = 0
        self.claims = 0  # claims asked of the database (tests wait for "looked again" instead of sleeping)
        self._held_until: datetime | None = None

    async def run(self) -> None:
        """Claim and deliver until stopped; then record what is in flight and release the rest.

        One claimer keeps a queue of claimed rows topped up while `delivery_concurrency` senders drain it, so
        a batch's last sends and the next claim overlap instead of taking turns.
        """
        writing = asyncio.create_task(self.writer.run())
        senders = [asyncio.create_task(self._send_forever()) for _ in range(max(1, self.settings.delivery_concurrency))]
        try:
            await self._claim_forever()
        finally:
            self.stopping.set()
            for _ in senders:
                self.queue.put_nowait(None)
            await asyncio.gather(*senders)
            self.writer.close()
            await writing
            async with session_scope() as session:
                released = await release_claims(session, worker=self.worker, channel=self.channel)
            log.info("delivery lane %s stopped: %d sent, %d claims released", self.channel, self.sent, released)

    async def _claim_forever(self) -> None:
        batch = self.settings.delivery_batch_size
        low_water = min(batch, 2 * max(1, self.settings.delivery_concurrency))
        while not self.stopping.is_set():
            if self.queue.qsize() >= low_water:  # enough in hand: look again shortly
                await self._sleep(0.01)
                continue
            try:
                claimed = await self.claim(batch)
            except Exception:  # a database hiccup must not kill the worker; the lease protects the rows
                log.exception("delivery lane %s could not claim; retrying", self.channel)
                claimed = 0
            if not claimed and self.queue.empty():
                await self._sleep(self.settings.delivery_poll_seconds)
            elif not claimed:
                await self._sleep(0.01)

    async def claim(self, limit: int) -> int:
        """Claim due rows into the queue; 0 when nothing is due or the channel is paused."""
        if self.pacer.paused_for() > 0:
            await self._sleep(self.pacer.paused_for())
            return 0
        await self._hold_for_quiet_hours()
        self.claims += 1
        async with session_scope() as session:
            rows = await claim_due_deliveries(session, worker=self.worker, channel=self.channel, limit=limit,
                                              lease_seconds=self.settings.delivery_lease_seconds)
        await self._load_bulletins(rows)
        for row in rows:
            self.queue.put_nowait(row)
        return len(rows)

    async def _send_forever(self) -> None:
        while (row := await self.queue.get()) is not None and not self.stopping.is_set():
            try:
                await self.deliver_one(row)
            except Exception:  # the row stays claimed and comes back when its lease ends
                log.exception("delivery %s failed before its outcome was known", row.id)

    async def deliver_one(self, row: ClaimedDelivery) -> None:
        """Wait for the chat's turn, mark, wait for a slot, send, record."""
        message = self.bulletins[row.bulletin_id]
        quiet_end = None if message.urgent else quiet_hours_end(clock.now(), self.settings)
        if quiet_end is not None:
            async with session_scope() as session:
                await release_claims(session, worker=self.worker, ids=[row.id], until=quiet_end)
            return
        if not await self._wait_chat(row.user_id) or not await self.writer.mark_sending(row.id):
            return  # stopping, or cancelled, or no longer ours (a pause gave it back)
        if not await self._wait_slot(row.user_id):  # stopping, or a 429 arrived meanwhile: not sent
            await self.writer.record(row, Outcome("retry", retry_after=self.pacer.paused_for()))
            return
        result = await self._send(row, message)
        if await self.writer.record(row, Outcome(result.status, result.retry_after, result.error)) == "sent":
            self.sent += 1
        if result.status == "retry" and result.retry_after is not None:
            await self._pause(result.retry_after)

    async def _send(self, row: ClaimedDelivery, message: BulletinMessage) -> SendResult:
        started = time.perf_counter()
        try:
            return await self.sender.send(row.user_id, [render_bulletin(message, row.id)])
        except Exception as error:  # a sender bug or network fault is transient until proven otherwise
            log.warning("%s send raised %s", self.channel, type(error).__name__)
            return SendResult("retry", error=f"{type(error).__name__}: {error}"[:500])
        finally:
            observe_send_latency(self.channel, time.perf_counter() - started)

    async def _pause(self, seconds: float) -> None:
        """A 429: stop this channel and push the rows we hold past the pause, so nobody sends them early."""
        self.pacer.pause(seconds)
        until = clock.now() + timedelta(seconds=self.pacer.paused_for())
        async with session_scope() as session:
            held = await release_claims(session, worker=self.worker, channel=self.channel, until=until)
        log.warning("%s rate limited: paused %.1fs, %d rows put back", self.channel, seconds, held)

    async def _wait_chat(self, chat: str) -> bool:
        """Wait until the chat may receive again and hold its turn; False if stopping meanwhile."""
        while (wait := self.pacer.chat_wait(chat)) > 0:
            if not await self._sleep(wait):
                return False
        self.pacer.take_chat(chat)
        return not self.stopping.is_set()

    async def _wait_slot(self, chat: str) -> bool:
        """Wait for the channel's next send slot, taken at the last moment; False if stopping or paused."""
        if self.pacer.paused_for() > 0:  # give the row back now rather than hold it "sending" through a pause
            return False
        delay = self.pacer.take_slot(chat)
        if delay > 0 and not await self._sleep(delay):
            return False
        return self.pacer.paused_for() <= 0

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; True if the full time passed."""
        if self.stopping.is_set():
            return False
        if seconds <= 0:
            return True
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    async def _hold_for_quiet_hours(self) -> None:
        """Once per quiet night, move every waiting non-urgent row to the morning in one statement."""
        end = quiet_hours_end(clock.now(), self.settings)
        if end is None or end == self._held_until:
            return
        async with session_scope() as session:
            held = await hold_non_urgent(session, channel=self.channel, until=end)
        self._held_until = end
        log.info("quiet hours: %d non-urgent %s deliveries held until %s", held, self.channel, end.isoformat())

    async def _load_bulletins(self, rows: list[ClaimedDelivery]) -> None:
        missing = {row.bulletin_id for row in rows} - set(self.bulletins)
        if not missing:
            return
        async with session_scope() as session:
            found = await session.exec(select(Bulletin.id, Bulletin.title, Bulletin.body, Bulletin.urgent,
                                              Bulletin.sender)
                                       .where(col(Bulletin.id).in_(missing)))
            for bulletin_id, title, body, urgent, sender in found:
                self.bulletins[bulletin_id] = BulletinMessage.of(title, body, urgent, sender)


class DeliveryWorker:
    """One worker: a lane per sender, stopped together by `stop()` (SIGTERM in the `worker` command)."""

    def __init__(self, senders: list[ChannelSender], *, settings: Settings | None = None, name: str | None = None):
        self.settings = settings or get_settings()
        self.name = name or worker_name()
        self.stopping = asyncio.Event()
        self.lanes = [ChannelLane(s, worker=self.name, stopping=self.stopping, settings=self.settings)
                      for s in senders]

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> None:
        log.info("delivery worker %s started for %s", self.name, ", ".join(lane.channel for lane in self.lanes))
        await asyncio.gather(*(lane.run() for lane in self.lanes))

    @property
    def sent(self) -> int:
        return sum(lane.sent for lane in self.lanes)

    @property
    def claims(self) -> int:
        """Claims asked of the database so far: "it looked again and found nothing" is observable."""
        return sum(lane.claims for lane in self.lanes)
