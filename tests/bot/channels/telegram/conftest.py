"""Telegram test kit: the fake Bot API on loopback, settings pointing at it, and the real app running the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from core.settings import get_settings
from tests.bot.channels.telegram.kit import running_app
from tests.kit.telegram_api import FakeTelegramAPI


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def telegram_env(env: pytest.MonkeyPatch, fake_telegram: FakeTelegramAPI) -> FakeTelegramAPI:
    """Settings for a bot whose Bot API is the fake (polling); yields the fake."""
    env.setenv("TELEGRAM_BOT_TOKEN", fake_telegram.token)
    env.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    env.setenv("TELEGRAM_POLL_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    return fake_telegram


@pytest.fixture
async def telegram(database: str, telegram_env: FakeTelegramAPI) -> AsyncIterator[FakeTelegramAPI]:
    """The real app, bot polling the fake, in this test's event loop; yields the fake once polling runs."""
    async with running_app():
        await telegram_env.await_calls("getUpdates")
        yield telegram_env
