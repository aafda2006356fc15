"""Shared fixtures: a real, migrated database per test (SQLite or PostgreSQL), settings and the clock.

`TEST_DATABASE=sqlite` (default) gives each test a copy of a migrated SQLite file.
`TEST_DATABASE=postgres` creates one scratch database per test session on `TEST_POSTGRES_URL`, migrates it
once, and empties every table between tests. `make test` runs the suite both ways.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core import clock
from core.db import get_async_engine, reset_engines, upgrade_database
from core.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Settings every test starts from: no channel credentials, the repository's content.
BASE_ENV = {
    "ENVIRONMENT": "test",
    "CONTENT_DIR": str(ROOT / "content"),
    "TELEGRAM_BOT_TOKEN": "",
    "ZALO_APP_ID": "",
    "LOG_FORMAT": "text",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_database: needs no database; run once, on SQLite only")
    config.addinivalue_line("markers", "browser: drives headless Chromium")


def pytest_report_header() -> str:
    return f"giamngheo test database: {BACKEND}"


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database URL shared by the session (SQLite: a file tests copy; PostgreSQL: one DB)."""
    if BACKEND == "postgres":
        name = f"giamngheo_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        upgrade_database(Settings(database_url=url))
        yield url
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade_database(Settings(database_url=f"sqlite:///{path}"))
        yield str(path)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Test settings from the environment; `env.setenv(...)` then `get_settings()` sees the change."""
    for key, value in BASE_ENV.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    clock.freeze(None)


def refresh_settings() -> Settings:
    """Call after changing environment variables inside a test."""
    get_settings.cache_clear()
    reset_engines()
    return get_settings()


@pytest.fixture
async def database(env: pytest.MonkeyPatch, _template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database for this test; DATABASE_URL points at it. Yields the URL."""
    if BACKEND == "postgres":
        url = _template_database.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        copy = tmp_path / "test.db"
        shutil.copy(_template_database, copy)
        url = f"sqlite:///{copy}"
    env.setenv("DATABASE_URL", url)
    refresh_settings()
    if BACKEND == "postgres":
        await _truncate_all()
    yield url
    await get_async_engine().dispose()
    reset_engines()


async def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    async with get_async_engine().begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
