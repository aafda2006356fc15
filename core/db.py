"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from core.settings import Settings, get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# How long a SQLite writer waits for the lock before "database is locked" (a crowd queues here, see below).
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _prepare_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API object)
    """WAL lets the web app read while a worker writes; foreign keys make CASCADE real.

    The driver's own transaction handling is switched off (`isolation_level = None`) so that `_begin_immediate`
    decides how every transaction starts.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.isolation_level = None


def _begin_immediate(connection) -> None:  # noqa: ANN001 (SQLAlchemy Connection)
    """Every SQLite transaction takes the write lock when it starts (`BEGIN IMMEDIATE`).

    The driver's default begins a transaction only at the first INSERT/UPDATE/DELETE, so a conversation turn
    read its contact outside any transaction and then queued for the lock in the middle of its work; under 50
    web-chat clients some writers waited past busy_timeout (SQLite's busy handler polls, it is not a queue) and
    answered 500 "database is locked" (tests/bench/chat_crowd.py: 4 of 8,555 before, 0 of 12,056 after, p99
    2.5 s → 1.6 s). Taking the lock at BEGIN, with a longer busy_timeout, makes each turn one short critical
    section that sees the data it then changes. Readers of other processes are not blocked (WAL); within this
    app two transactions never overlap, which for the embedded default (one site, one process) is what SQLite
    allows writers anyway. PostgreSQL is untouched.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _serialise_sqlite_writers(engine: Engine) -> None:
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate)


def make_sync_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        _prepare_sqlite_dir(settings.database_url)
        engine = create_engine(settings.database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _serialise_sqlite_writers(engine)
        return engine
    return create_engine(settings.database_url, pool_pre_ping=True)


def make_async_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        _prepare_sqlite_dir(settings.database_url)
        engine = create_async_engine(settings.async_database_url,
                                     connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _serialise_sqlite_writers(engine.sync_engine)
        return engine
    # One process serves the web app, both channels and the delivery worker: up to 16 turns at once on
    # Telegram, 4 Zalo workers and the web chat's requests share the pool.
    return create_async_engine(settings.async_database_url, pool_pre_ping=True, pool_size=20, max_overflow=10)


@lru_cache
def get_async_engine() -> AsyncEngine:
    return make_async_engine(get_settings())


@lru_cache
def get_sync_engine() -> Engine:
    return make_sync_engine(get_settings())


@lru_cache
def _session_factory() -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(get_async_engine(), class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope() -> AsyncIterator[AsyncSession]:
    """A session that commits on success and rolls back on error."""
    async with _session_factory()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def reset_engines() -> None:
    """Forget cached engines (tests switch databases; workers re-create after fork)."""
    for cached in (get_async_engine, get_sync_engine, _session_factory):
        cached.cache_clear()


def alembic_config(settings: Settings | None = None) -> Config:
    settings = settings or get_settings()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade_database(settings: Settings | None = None) -> None:
    """Apply every pending migration (idempotent)."""
    settings = settings or get_settings()
    if settings.is_sqlite:
        _prepare_sqlite_dir(settings.database_url)
    command.upgrade(alembic_config(settings), "head")
