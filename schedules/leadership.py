"""A named lease in the database so exactly one process plays a role (the scheduler) at a time.

The holder renews it well before it expires; a process that dies simply stops renewing, and a standby takes
over once `expires_at` passes. A row lease works the same on SQLite and PostgreSQL (an advisory lock would be
PostgreSQL-only), and a scheduler paused past its lease does no harm: a bulletin's firing is unique in the
database, so two schedulers overlapping for a moment still queue it once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Lease


async def take_lease(session: AsyncSession, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `seconds`; False while another holder's lease runs."""
    now = clock.now()
    until = now + timedelta(seconds=seconds)
    renewed = await session.exec(
        update(Lease)
        .where(col(Lease.name) == name, or_(col(Lease.holder) == holder, col(Lease.expires_at) <= now))
        .values(holder=holder, expires_at=until)
    )
    if renewed.rowcount == 1:
        return True
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    created = await session.exec(
        insert(Lease).values(name=name, holder=holder, expires_at=until)
        .on_conflict_do_nothing(index_elements=["name"]).returning(col(Lease.name))
    )
    return created.scalar_one_or_none() is not None


async def give_up_lease(session: AsyncSession, name: str, holder: str) -> None:
    """End our lease now so a standby need not wait for it to expire."""
    await session.exec(update(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder)
                       .values(expires_at=clock.now()))
