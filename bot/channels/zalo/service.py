"""`ZaloService`: takes webhook events off the inbox, runs the engine, and sends the replies.

Events of one user go to the same worker queue (chosen by a hash of the user id) so a household's messages
are answered in order; different households are handled in parallel. A sweeper re-queues events left
`pending` by a process that died, and forgets old handled ones. `join()` waits until all queued work is done
(tests use it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

import bot.engine.engine as engine
from bot.channels.base import SendResult
from bot.channels.zalo import inbox
from bot.channels.zalo.contacts import (
    clear_unreachable,
    find_contact,
    record_unfollow,
    take_choice,
)
from bot.channels.zalo.render import button_data
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.webhook import ZaloEvent
from bot.engine.subscriptions import unsubscribe
from bot.engine.types import Inbound, Reply
from core.answers.ranking import KnowledgeBase
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

REPLY_ATTEMPTS = 3


class ZaloService:
    """The Zalo OA conversation loop inside the web process."""

    def __init__(self, *, knowledge: KnowledgeBase, settings: Settings | None = None,
                 sender: ZaloSender | None = None):
        self.settings = settings or get_settings()
        self.knowledge = knowledge
        self.sender = sender or ZaloSender(self.settings)
        self.queues: list[asyncio.Queue[str | None]] = []
        self.tasks: list[asyncio.Task[Any]] = []
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Queue what a previous run left pending, then start the workers and the periodic sweeper."""
        self._stopping.clear()
        self.queues = [asyncio.Queue() for _ in range(max(1, self.settings.zalo_inbox_workers))]
        self.tasks = [asyncio.create_task(self._work(queue), name=f"zalo-worker-{i}")
                      for i, queue in enumerate(self.queues)]
        await self._sweep_once()
        self.tasks.append(asyncio.create_task(self._sweep_forever(), name="zalo-sweeper"))
        log.info("zalo service started with %d workers", len(self.queues))

    async def stop(self) -> None:
        """Let each worker finish the event in hand, then stop; what is still queued stays pending in the
        database for the next start.

        Not `task.cancel()` first: a cancel that lands while a session is acquiring its connection makes
        SQLAlchemy close that session from a second task (AsyncSession.__aexit__ closes in a shielded task)
        while the first is still inside `_connection_for_bind` — the IllegalStateChangeError seen under load.
        Cancelling stays the last resort, after SHUTDOWN_GRACE_SECONDS.
        """
        self._stopping.set()
        for queue in self.queues:
            queue.put_nowait(None)  # wakes an idle worker
        if self.tasks:
            _, late = await asyncio.wait(self.tasks, timeout=self.settings.shutdown_grace_seconds)
            for task in late:
                log.warning("zalo task %s did not stop in time; cancelling it", task.get_name())
                task.cancel()
            for task in self.tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.tasks = []
        await self.sender.aclose()

    async def receive(self, event: ZaloEvent) -> bool:
        """Store and queue a webhook event; False for a duplicate (already received)."""
        if not await inbox.accept(event, lease_seconds=self.settings.zalo_inbox_lease_seconds):
            log.info("zalo event received again, ignored")
            return False
        self._enqueue(event.key, event.user_id)
        return True

    async def join(self) -> None:
        """Wait until every queued event has been handled."""
        for queue in self.queues:
            await queue.join()

    async def sweep(self) -> int:
        """Queue events left pending past their lease (a crashed process); how many."""
        claimed = await inbox.claim_stale(lease_seconds=self.settings.zalo_inbox_lease_seconds)
        for key, user_id in claimed:
            self._enqueue(key, user_id)
        if claimed:
            log.info("zalo sweeper re-queued %d pending events", len(claimed))
        return len(claimed)

    def _enqueue(self, key: str, user_id: str) -> None:
        self.queues[zlib.crc32(user_id.encode()) % len(self.queues)].put_nowait(key)

    async def _sweep_forever(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.zalo_inbox_sweep_seconds)
                return
            await self._sweep_once()

    async def _sweep_once(self) -> None:
        try:
            await self.sweep()
            await inbox.forget_old(keep_days=self.settings.zalo_inbox_keep_days)
        except Exception:  # the sweeper must outlive a database hiccup
            log.exception("zalo sweeper failed; trying again later")

    async def _work(self, queue: asyncio.Queue[str | None]) -> None:
        while not self._stopping.is_set():
            key = await queue.get()
            if key is None or self._stopping.is_set():
                queue.task_done()
                return
            try:
                await self._process(key)
            except Exception:  # one bad event must not stop the worker
                log.exception("zalo event could not be handled")
            finally:
                queue.task_done()

    async def _process(self, key: str) -> None:
        try:
            handled = await inbox.handle(key, self._converse)
        except Exception:
            await inbox.record_failure(key, max_attempts=self.settings.zalo_inbox_max_attempts)
            raise
        if handled is None:
            return
        event, replies = handled
        if replies:
            await self._reply(event.user_id, replies)

    async def _converse(self, session: AsyncSession, event: ZaloEvent) -> list[Reply]:
        """The engine's replies to one event (inside the transaction that marks it handled)."""
        if event.kind == "unfollow":
            await self._unfollow(session, event)
            return []
        await clear_unreachable(session, event.user_id)
        inbound = await self._inbound(session, event)
        return await engine.handle(inbound, session=session, knowledge=self.knowledge)

    async def _unfollow(self, session: AsyncSession, event: ZaloEvent) -> None:
        """Stop the household's subscriptions (the engine's own unsubscribe, no flood guard) and audit it."""
        contact = await find_contact(session, event.user_id)
        if contact is None:
            return
        stopped = await unsubscribe(session, contact, "unfollow")
        record_unfollow(session, contact, stopped)
        log.info("zalo user unfollowed: %d subscriptions stopped", stopped)

    async def _inbound(self, session: AsyncSession, event: ZaloEvent) -> Inbound:
        if event.kind != "text":
            return Inbound("zalo", event.user_id, event.kind, message_id=event.message_id)
        chosen = await take_choice(session, event.user_id, event.text)
        payload = button_data(event.text) or chosen
        if payload:
            return Inbound("zalo", event.user_id, "button", payload=payload, message_id=event.message_id)
        return Inbound("zalo", event.user_id, "text", text=event.text, message_id=event.message_id)

    async def _reply(self, user_id: str, replies: list[Reply]) -> SendResult:
        """Send the answer, waiting out short transient errors (the household is waiting for it)."""
        result = SendResult("retry")
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            result = await self.sender.send(user_id, replies)
            if result.status != "retry" or attempt == REPLY_ATTEMPTS:
                break
            await asyncio.sleep(min(result.retry_after or 1.0, self.settings.zalo_reply_retry_max_wait_seconds))
        if result.status != "sent":
            log.warning("zalo reply not delivered (%s): %s", result.status, result.error)
        return result
