"""`giamngheo worker` processes: killed with SIGKILL mid-send and restarted, or racing each other.

How the window between "sent" and "recorded" is kept small (delivery/worker.py, delivery/outbox.py): a row is
marked `sending` in a short transaction committed just before the channel call, and the outcome is committed
right after the call, before that sender takes another row (outcomes finishing together share one commit). A
SIGKILL can therefore leave only the rows in flight at that instant in doubt, and they are the only ones that
may reach a household twice (they are sent again once their lease ends: at-least-once beats a household
missing a warning). Killed while no send is in flight, nobody gets it twice; in every case nobody is left out.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from core.db import session_scope
from core.models import Contact, Delivery
from delivery.outbox import IN_DOUBT
from tests.kit.bulletin_world import AP_MOT
from tests.kit.outbox import eventually, households, per_chat, queue_bulletin, settled, status_counts

GIAMNGHEO = Path(sys.executable).with_name("giamngheo")
HOUSEHOLDS = 600


def start_worker(tmp_path: Path, name: str) -> subprocess.Popen:
    env = os.environ | {"DELIVERY_LEASE_SECONDS": "2", "TELEGRAM_RATE_LIMIT_ENABLED": "false",
                        "DELIVERY_POLL_SECONDS": "0.1", "LOG_LEVEL": "INFO"}
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen([str(GIAMNGHEO), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)


async def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    return await asyncio.to_thread(process.wait, 60)


async def rows_in_doubt() -> set[int]:
    """Chats whose delivery was marked `sending` when the worker died."""
    async with session_scope() as session:
        rows = await session.exec(select(Contact.user_id).join(Delivery, Delivery.contact_id == Contact.id)
                                  .where(Delivery.status == "sending"))
        return {int(user) for user in rows}


@pytest.fixture
async def outbox(staff, fake_telegram):
    """600 households and a bulletin to them; the fake answers in 4 ms so a kill lands mid-send."""
    fake_telegram.delay = 0.004
    await households(HOUSEHOLDS, AP_MOT)

    async def queue() -> int:
        return await queue_bulletin(staff)

    return queue


async def kill_and_resume(outbox, tmp_path: Path, before_kill, after_kill=None) -> set[int]:
    """Run a worker, SIGKILL it once `before_kill` returns, restart it; returns the chats in doubt."""
    await outbox()
    first = start_worker(tmp_path, "first")
    try:
        await before_kill()
        assert await stop(first, signal.SIGKILL) == -signal.SIGKILL
    finally:
        first.kill()
    if after_kill is not None:
        await after_kill()
    doubt = await rows_in_doubt()
    counts = await status_counts()
    assert 0 < counts["sent"] < HOUSEHOLDS, counts
    second = start_worker(tmp_path, "second")
    try:
        await eventually(settled, within=60, step=0.2)
        assert await stop(second) == 0, (tmp_path / "second.log").read_text()
    finally:
        second.kill()
    return doubt


async def test_worker_killed_mid_send_leaves_nobody_out_and_repeats_only_the_send_in_flight(
        outbox, fake_telegram, tmp_path) -> None:
    async def mid_send() -> None:
        await fake_telegram.await_calls("sendMessage", HOUSEHOLDS // 3, within=30)

    doubt = await kill_and_resume(outbox, tmp_path, mid_send)
    received = per_chat(fake_telegram)
    assert set(received) == {1000 + i for i in range(HOUSEHOLDS)}  # nobody left out
    twice = {chat for chat, count in received.items() if count > 1}
    assert twice <= doubt and max(received.values()) <= 2  # only a send in flight at the kill may repeat
    assert len(doubt) <= 8  # at most DELIVERY_CONCURRENCY rows were on the wire
    async with session_scope() as session:
        rows = list(await session.exec(select(Delivery)))
    assert {r.status for r in rows} == {"sent"}
    assert {r.contact_id for r in rows if r.error == IN_DOUBT} == {
        c.id for c in await contacts_of(doubt)}


async def contacts_of(chats: set[int]) -> list[Contact]:
    async with session_scope() as session:
        return list(await session.exec(select(Contact).where(Contact.user_id.in_([str(c) for c in chats]))))


async def test_worker_killed_between_sends_delivers_to_everyone_exactly_once(outbox, fake_telegram, tmp_path) -> None:
    async def while_paused() -> None:
        await fake_telegram.await_calls("sendMessage", HOUSEHOLDS // 3, within=30)
        fake_telegram.rate_limit(retry_after=15, times=1)  # the worker pauses: nothing is on the wire
        await eventually(lambda: asyncio.sleep(0, fake_telegram.rate_limited == 1), within=10)

        async def nothing_on_the_wire() -> bool:  # the sends already started have answered and been recorded
            return fake_telegram.in_flight == 0 and not await rows_in_doubt()

        await eventually(nothing_on_the_wire, within=10)

    doubt = await kill_and_resume(outbox, tmp_path, while_paused)
    assert doubt == set()
    assert per_chat(fake_telegram) == {1000 + i: 1 for i in range(HOUSEHOLDS)}


async def test_two_worker_processes_racing_deliver_exactly_once(outbox, fake_telegram, tmp_path) -> None:
    fake_telegram.delay = 0.05  # 600 sends take seconds, not a blink: both workers get rows even on a busy machine
    workers = [start_worker(tmp_path, "a"), start_worker(tmp_path, "b")]
    try:
        for name in ("a", "b"):  # both are polling before anything is due
            await eventually(lambda n=name: asyncio.sleep(0, "worker" in (tmp_path / f"{n}.log").read_text()
                                                          and "started" in (tmp_path / f"{n}.log").read_text()),
                             within=90)  # a cold process imports the whole app: slow on a loaded 2-core machine
        await outbox()
        await eventually(settled, within=60, step=0.2)
        assert [await stop(w) for w in workers] == [0, 0]
    finally:
        for worker in workers:
            worker.kill()
    assert per_chat(fake_telegram) == {1000 + i: 1 for i in range(HOUSEHOLDS)}
    sent = [int(re.search(r"stopped: (\d+) sent", (tmp_path / f"{n}.log").read_text()).group(1)) for n in "ab"]
    assert sum(sent) == HOUSEHOLDS and min(sent) > 0, sent
