"""Helpers for the delivery tests: households, queueing a bulletin, waiting, running real workers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from sqlmodel import func, select

from bot.channels.telegram.sender import TelegramSender
from core.bulletins.service import BulletinDraft, create_bulletin
from core.db import session_scope
from core.models import Delivery
from delivery.dispatch import dispatch_due
from delivery.worker import DeliveryWorker
from tests.kit.bulletin_world import AP_MOT, Staff, add_households
from tests.kit.telegram_api import FakeTelegramAPI


async def households(count: int, area: str = AP_MOT, first_user: int = 1000) -> list[int]:
    async with session_scope() as session:
        return await add_households(session, area, count, first_user=first_user)


async def queue_bulletin(staff: Staff, *, title: str = "Bản tin ấp", urgent: bool = False,
                         areas: list[str] | None = None) -> int:
    """Create a bulletin due now and queue it, as the scheduler would when its job fires."""
    draft = BulletinDraft(title=title, body="Sáng mai có đợt phát cây giống tại nhà văn hóa ấp.",
                          area_codes=areas or [AP_MOT], urgent=urgent)
    async with session_scope() as session:
        bulletin = await create_bulletin(session, draft, official=staff.editor)
    async with session_scope() as session:
        assert await dispatch_due(session, bulletin.id) is not None
    return bulletin.id


async def status_counts() -> Counter[str]:
    async with session_scope() as session:
        rows = (await session.exec(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
    return Counter(dict(rows))


async def settled() -> bool:
    """Every delivery has reached a final status (nothing pending, claimed or sending)."""
    counts = await status_counts()
    return counts["pending"] + counts["sending"] == 0


async def eventually(check, within: float = 15.0, step: float = 0.05):
    deadline = time.monotonic() + within
    while not (value := await check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{check.__name__} not true within {within}s: {await status_counts()}")
        await asyncio.sleep(step)
    return value


class RunningWorkers:
    """Delivery workers running on this loop with real TelegramSenders; `stop()` waits for them to finish."""

    def __init__(self, count: int = 1):
        self.senders = [TelegramSender() for _ in range(count)]
        self.workers = [DeliveryWorker([sender], name=f"worker-{i}") for i, sender in enumerate(self.senders)]
        self.tasks: list[asyncio.Task] = []

    async def __aenter__(self) -> RunningWorkers:
        for sender in self.senders:
            await sender.start()
        self.tasks = [asyncio.create_task(worker.run()) for worker in self.workers]
        return self

    async def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        await asyncio.gather(*self.tasks)

    async def __aexit__(self, *_: object) -> None:
        await self.stop()
        for sender in self.senders:
            await sender.close()


def per_chat(fake: FakeTelegramAPI) -> Counter[int]:
    """How many bulletins each chat accepted."""
    return Counter(call.chat_id for call in fake.calls("sendMessage"))
