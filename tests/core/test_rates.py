"""`core.rates.bump`: one atomic statement counts each event once, restarts the window, and prunes old keys."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core import clock, rates
from core.db import session_scope
from core.models import RateWindow

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def bump(key: str = "k") -> int:
    async with session_scope() as session:
        return await rates.bump(session, key, window=MINUTE)


async def test_fifty_concurrent_bumps_count_fifty_each_seeing_its_own_number(database):
    clock.freeze(NOW)
    assert sorted(await asyncio.gather(*(bump() for _ in range(50)))) == list(range(1, 51))


async def test_the_window_restarts_once_it_is_over_and_keys_count_apart(database):
    clock.freeze(NOW)
    assert [await bump(), await bump(), await bump("other")] == [1, 2, 1]
    clock.freeze(NOW + MINUTE)
    assert await bump() == 1


async def test_a_new_window_prunes_keys_whose_windows_are_long_over(database):
    clock.freeze(NOW)
    await bump("old")
    clock.freeze(NOW + rates.KEEP + MINUTE)
    await bump("new")
    async with session_scope() as session:
        assert [row.key for row in await session.exec(select(RateWindow))] == ["new"]
