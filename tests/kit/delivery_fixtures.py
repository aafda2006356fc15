"""Fixtures for the scheduler and delivery tests: the fake Bot API (settings pointing at it) and a seeded world."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.db import session_scope
from core.settings import get_settings
from tests.kit.bulletin_world import Staff, seed_map, seed_staff
from tests.kit.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI

# Quick polls and back-offs; no quiet hours (they run on the real clock here; the quiet-hours test sets them).
FAST = {"DELIVERY_POLL_SECONDS": "0.05", "DELIVERY_BACKOFF_SECONDS": "0.2", "DELIVERY_LEASE_SECONDS": "30",
        "QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00"}


@pytest.fixture
def fake_telegram(env) -> Iterator[FakeTelegramAPI]:
    """The fake Bot API on loopback, with the settings pointing the sender at it."""
    with FakeTelegramAPI() as fake:
        env.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
        env.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        for key, value in FAST.items():
            env.setenv(key, value)
        get_settings.cache_clear()
        yield fake


@pytest.fixture
async def staff(database, fake_telegram) -> Staff:
    async with session_scope() as session:
        await seed_map(session)
        return await seed_staff(session)
