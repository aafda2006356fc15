"""A due bulletin becomes one Dispatch and its outbox rows, exactly once per (bulletin, due time).

The scheduler calls `dispatch_due` when a bulletin's job fires. Firing twice (two schedulers for a moment, a
retried job, a restart) is harmless: the Dispatch insert is ON CONFLICT DO NOTHING on the unique
(bulletin, due time), and the outbox rows are inserted in the same transaction, so either both exist or neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import audit, clock
from core.bulletins.recurrence import latest_due
from core.bulletins.service import LIVE_STATUSES
from core.models import Bulletin
from core.places.areas import delivery_areas
from core.settings import get_settings
from delivery.outbox import create_dispatch, queue_deliveries


@dataclass(frozen=True)
class Dispatched:
    """What one firing queued."""

    dispatch_id: int
    due_at: datetime
    recipients: int


def due_time(bulletin: Bulletin, now: datetime) -> datetime | None:
    """The firing this bulletin owes at `now`: its send time, or the latest cron time not yet too late."""
    if not bulletin.recurrence:
        return bulletin.send_at if bulletin.send_at <= now else None
    settings = get_settings()
    window = timedelta(seconds=settings.scheduler_misfire_grace_seconds)
    return latest_due(bulletin.recurrence, settings.tz, start=bulletin.send_at, now=now, window=window)


async def dispatch_due(session: AsyncSession, bulletin_id: int) -> Dispatched | None:
    """Queue the bulletin's current firing; None if it is not live, not due, or already queued."""
    # Touching the row first takes the write lock (SQLite) or the row lock (PostgreSQL), so a cancel
    # running at the same moment either happens before (nothing is queued) or after (it withdraws the rows).
    touched = await session.exec(update(Bulletin)
                                 .where(col(Bulletin.id) == bulletin_id, col(Bulletin.status).in_(LIVE_STATUSES))
                                 .values(status=Bulletin.status))
    if touched.rowcount != 1:
        return None
    bulletin = await session.get(Bulletin, bulletin_id, populate_existing=True)
    assert bulletin is not None
    due = due_time(bulletin, clock.now())
    if due is None:
        return None
    dispatch_id = await create_dispatch(session, bulletin_id, due)
    if dispatch_id is None:
        return None
    recipients = await queue_deliveries(session, dispatch_id, bulletin, await delivery_areas(session,
                                                                                            bulletin.area_codes))
    bulletin.status = "active" if bulletin.recurrence else "done"
    session.add(bulletin)
    await audit.record(session, None, "bulletin.dispatch", "bulletin", bulletin_id, dispatch_id=dispatch_id,
                       due_at=due.isoformat(), recipients=recipients)
    return Dispatched(dispatch_id, due, recipients)
