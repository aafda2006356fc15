"""Counters of "how many in this window", bumped atomically in the database so concurrent requests and
several processes count the same events once each.

`bump` is one statement, `INSERT … ON CONFLICT (key) DO UPDATE SET count = count + 1 … RETURNING count`
(SQLite ≥ 3.35 and PostgreSQL): the window restarts inside the same statement when it is over, so no
read-modify-write can lose a count. Keys name what is counted: "handoff:contact:<id>", "handoff:address:<ip>",
"web:new-session:<ip>". A refused attempt is counted too, so hammering keeps a key limited until its window ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import RateWindow, UTCDateTime

KEEP = timedelta(days=2)  # longer than any window counted here (the longest is an hour)
PRUNE_BATCH = 500


async def bump(session: AsyncSession, key: str, *, window: timedelta, now: datetime | None = None) -> int:
    """Count one event under `key` and return how many there were in the current window (this one included)."""
    now = now or clock.now()
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    fresh = (col(RateWindow.window_start) <= now - window) | (col(RateWindow.window_start) > now)
    statement = (
        insert(RateWindow)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={"count": case((fresh, 1), else_=col(RateWindow.count) + 1),
                  "window_start": case((fresh, literal(now, UTCDateTime())), else_=col(RateWindow.window_start))},
        )
        .returning(col(RateWindow.count))
    )
    count = int((await session.exec(statement)).scalar_one())  # type: ignore[call-overload]
    if count == 1:  # a window opened: clear counters whose windows are long over, so the table stays small
        # SKIP LOCKED (PostgreSQL; SQLite has one writer): two pruners never wait on each other's rows.
        old = (select(RateWindow.key).where(col(RateWindow.window_start) < now - KEEP, col(RateWindow.key) != key)
               .limit(PRUNE_BATCH).with_for_update(skip_locked=True))
        await session.exec(delete(RateWindow).where(col(RateWindow.key).in_(old)))  # type: ignore[call-overload]
    return count
