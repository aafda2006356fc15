"""The real app over HTTP, with the engine tests' small map loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app
from core.db import get_async_engine, reset_engines
from tests.kit.places import insert_places

APP_OPTIONS = AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False)


@pytest.fixture
async def places(database: str) -> None:
    """The map of tests/bot/engine/places.yaml in the database, as the area loader would put it."""
    await insert_places()
    await get_async_engine().dispose()
    reset_engines()  # the app serves from its own event loop: let it make its own engine


@pytest.fixture
def app_options() -> AppOptions:
    """The app without channels, scheduler or worker; the test database is already migrated."""
    return APP_OPTIONS


@pytest.fixture
def client(places: None) -> Iterator[TestClient]:
    with TestClient(create_app(APP_OPTIONS)) as test_client:
        yield test_client
        test_client.portal.call(get_async_engine().dispose)
    reset_engines()
