"""Zalo test fixtures: the fake OA/OAuth server, settings pointing at it, and the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app
from core.settings import get_settings
from tests.bot.channels.zalo.zalo_events import OA_SECRET
from tests.kit.zalo_api import APP_ID, APP_SECRET, FIRST_ACCESS, FIRST_REFRESH, FakeZalo


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as fake:
        yield fake


@pytest.fixture
def zalo(database: str, env: pytest.MonkeyPatch, fake_zalo: FakeZalo) -> FakeZalo:
    """A database, Zalo settings pointing at the fake server, no rate limit; yields the fake."""
    for key, value in {
        "ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": APP_SECRET, "ZALO_OA_SECRET_KEY": OA_SECRET,
        "ZALO_OA_ACCESS_TOKEN": FIRST_ACCESS, "ZALO_OA_REFRESH_TOKEN": FIRST_REFRESH,
        "ZALO_OA_API_BASE_URL": fake_zalo.url, "ZALO_OAUTH_BASE_URL": fake_zalo.url,
        "ZALO_RATE_PER_SECOND": "0", "ZALO_REPLY_RETRY_MAX_WAIT_SECONDS": "0.05",
    }.items():
        env.setenv(key, value)
    get_settings.cache_clear()
    return fake_zalo


@pytest.fixture
def client(zalo: FakeZalo) -> Iterator[TestClient]:
    """The real app with its channel services (Zalo's among them), no scheduler or delivery worker."""
    app = create_app(AppOptions(channels=True, scheduler=False, worker=False))
    with TestClient(app) as test_client:
        yield test_client
