"""The audit log: who created, changed, cancelled or sent what, written in the same transaction as the act."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import AuditLog, Official


async def record(
    session: AsyncSession, official: Official | None, action: str, target_type: str, target_id: Any, **detail: Any
) -> AuditLog:
    """Add one audit entry (committed with the caller's transaction). `official` None means the command line.

    `action` is a short verb ("official.create", "bulletin.cancel"); `detail` must be JSON-serialisable.
    """
    entry = AuditLog(
        official_id=official.id if official is not None else None,
        action=action[:32],
        target_type=target_type[:32],
        target_id=str(target_id)[:64],
        detail=detail,
        created_at=clock.now(),
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent(
    session: AsyncSession, *, target_type: str | None = None, target_id: Any = None, limit: int = 100
) -> list[AuditLog]:
    """The latest entries, newest first, optionally for one kind of target or one target."""
    statement = select(AuditLog).order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc()).limit(limit)
    if target_type is not None:
        statement = statement.where(AuditLog.target_type == target_type)
    if target_id is not None:
        statement = statement.where(AuditLog.target_id == str(target_id))
    return list(await session.exec(statement))
