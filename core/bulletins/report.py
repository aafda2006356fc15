"""What officials watch: delivery counts per status and per hamlet (with "Đã biết" taps), and reach previews.

`pending` counts rows still on their way (waiting, claimed or being sent); `cancelled` rows were withdrawn
by a cancel. Counts cover every firing of a bulletin; `dispatch_history` lists the firings one by one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Area, Contact, Delivery, Dispatch, Subscription
from core.places.areas import delivery_areas
from core.settings import get_settings

STATUSES = ("pending", "sent", "failed", "blocked", "unreachable", "cancelled")
ZALO_WINDOW = timedelta(days=7)  # Zalo refuses consultation messages to users silent for longer (-230)


def empty_counts() -> dict[str, int]:
    return {status: 0 for status in STATUSES} | {"acknowledged": 0, "total": 0}


def _add(counts: dict[str, int], status: str, number: int, acknowledged: int) -> None:
    key = "pending" if status == "sending" else status
    counts[key] = counts.get(key, 0) + number
    counts["acknowledged"] += acknowledged
    counts["total"] += number


async def delivery_counts(session: AsyncSession, bulletin_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each bulletin: how many deliveries are in each status, how many were acknowledged, in total."""
    out = {bulletin_id: empty_counts() for bulletin_id in bulletin_ids}
    if not bulletin_ids:
        return out
    rows = await session.exec(
        select(Delivery.bulletin_id, Delivery.status, func.count(), func.count(Delivery.acknowledged_at))
        .where(col(Delivery.bulletin_id).in_(bulletin_ids))
        .group_by(col(Delivery.bulletin_id), col(Delivery.status))
    )
    for bulletin_id, status, number, acknowledged in rows:
        _add(out[bulletin_id], status, number, acknowledged)
    return out


async def _names(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.exec(select(Area.code, Area.name).where(col(Area.code).in_(codes)))
    return dict(rows.all())


async def area_report(session: AsyncSession, bulletin_id: int) -> list[dict[str, Any]]:
    """Counts per hamlet (the area each household was reached through), in name order."""
    rows = await session.exec(
        select(Delivery.area_code, Delivery.status, func.count(), func.count(Delivery.acknowledged_at))
        .where(col(Delivery.bulletin_id) == bulletin_id)
        .group_by(col(Delivery.area_code), col(Delivery.status))
    )
    per_area: dict[str, dict[str, int]] = {}
    for code, status, number, acknowledged in rows:
        _add(per_area.setdefault(code, empty_counts()), status, number, acknowledged)
    names = await _names(session, list(per_area))
    report = [{"code": code, "name": names.get(code, code), **counts} for code, counts in per_area.items()]
    return sorted(report, key=lambda item: item["name"])


async def dispatch_history(session: AsyncSession, bulletin_id: int) -> list[dict[str, Any]]:
    """Each firing: when it was due, when it was queued, how many households it addressed."""
    tz = get_settings().tz
    rows = await session.exec(select(Dispatch).where(col(Dispatch.bulletin_id) == bulletin_id)
                              .order_by(col(Dispatch.due_at)))
    return [{"id": d.id, "due_at": d.due_at.astimezone(tz).isoformat(),
             "queued_at": d.queued_at.astimezone(tz).isoformat(), "recipients": d.recipients}
            for (d,) in rows]


async def reach_preview(session: AsyncSession, area_codes: list[str]) -> dict[str, Any]:
    """How many households a bulletin to these areas would reach now, per channel and per hamlet.

    Raises core.places.areas.UnknownAreaError for codes not on the map. `zalo_outside_window` counts Zalo
    households silent for more than 7 days, whom Zalo will refuse (reported as unreachable).
    """
    settings = get_settings()
    areas = await delivery_areas(session, area_codes)
    households = (
        select(Subscription.contact_id, func.min(Subscription.area_code).label("area_code"))
        .join(Contact, col(Contact.id) == col(Subscription.contact_id))
        .where(col(Subscription.active).is_(True), col(Subscription.area_code).in_(sorted(areas)),
               col(Contact.channel).in_(settings.bulletin_channels))
        .group_by(col(Subscription.contact_id))
        .subquery()
    )
    silent = or_(col(Contact.last_inbound_at).is_(None), col(Contact.last_inbound_at) < clock.now() - ZALO_WINDOW)
    rows = await session.exec(
        select(households.c.area_code, Contact.channel, func.count(),
               func.count(case((and_(col(Contact.channel) == "zalo", silent), 1))))
        .join(Contact, col(Contact.id) == households.c.contact_id)
        .group_by(households.c.area_code, col(Contact.channel))
    )
    by_channel = {channel: 0 for channel in settings.bulletin_channels}
    by_area: dict[str, dict[str, int]] = {}
    outside = 0
    for code, channel, number, silent_number in rows:
        by_channel[channel] += number
        by_area.setdefault(code, {c: 0 for c in settings.bulletin_channels})[channel] += number
        outside += silent_number
    names = await _names(session, list(by_area))
    per_area = [{"code": code, "name": names.get(code, code), "households": sum(c.values()), "by_channel": c}
                for code, c in by_area.items()]
    return {"households": sum(by_channel.values()), "by_channel": by_channel, "zalo_outside_window": outside,
            "by_area": sorted(per_area, key=lambda item: item["name"])}


# --- Added for the officials' page (api/officials_page/bulletins.py) --------------------------------


async def pull_reach(session: AsyncSession, area_codes: list[str], channel: str = "web") -> int:
    """Households of these areas subscribed on a channel that cannot be pushed to (the web chat): they are not
    sent the bulletin but read it under "Bản tin" when they next open the chat. Raises UnknownAreaError."""
    areas = await delivery_areas(session, area_codes)
    statement = (
        select(func.count(func.distinct(Subscription.contact_id)))
        .join(Contact, col(Contact.id) == col(Subscription.contact_id))
        .where(col(Subscription.active).is_(True), col(Subscription.area_code).in_(sorted(areas)),
               col(Contact.channel) == channel)
    )
    return int((await session.exec(statement)).one()[0])
