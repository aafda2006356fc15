"""The embedded SQLite default under a crowd: every transaction takes the write lock when it begins."""

from __future__ import annotations

import sqlite3

import pytest
from sqlmodel import select

from core.db import session_scope
from core.models import Contact
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's locking only")


async def test_a_sqlite_transaction_holds_the_write_lock_from_its_first_read(database):
    """A read that later writes cannot be refused "database is locked" when it upgrades (BEGIN IMMEDIATE)."""
    other = sqlite3.connect(database.removeprefix("sqlite:///"), timeout=0.05, isolation_level=None)
    async with session_scope() as session:
        await session.exec(select(Contact))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again once the session committed
    other.execute("ROLLBACK")
    other.close()
