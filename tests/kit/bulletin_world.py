"""A small map, households and officials for the bulletin, outbox and scheduler tests (and the benchmarks).

Province 99 → xã Tân Hòa (99001: ấp Một, ấp Hai, ấp Ba) and xã Long Phú (99002: ấp Bốn, ấp Năm). Codes are
made up so they never collide with the country map the app may load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Area, Contact, Delivery, Official, Subscription
from core.officials.accounts import create_official

PROVINCE = "99"
TAN_HOA, LONG_PHU = "99001", "99002"
HAMLETS = {
    TAN_HOA: {"99001-mot": "Ấp Một", "99001-hai": "Ấp Hai", "99001-ba": "Ấp Ba"},
    LONG_PHU: {"99002-bon": "Ấp Bốn", "99002-nam": "Ấp Năm"},
}
AP_MOT, AP_HAI, AP_BA = HAMLETS[TAN_HOA]
AP_BON, AP_NAM = HAMLETS[LONG_PHU]


async def seed_map(session: AsyncSession, *, extra_hamlets: int = 0) -> None:
    """The province, its two communes and their hamlets (plus `extra_hamlets` more under xã Tân Hòa)."""
    session.add(Area(code=PROVINCE, name="Tỉnh Thử", kind="province"))
    session.add(Area(code=TAN_HOA, name="Xã Tân Hòa", kind="commune", parent_code=PROVINCE))
    session.add(Area(code=LONG_PHU, name="Xã Long Phú", kind="commune", parent_code=PROVINCE))
    for commune, hamlets in HAMLETS.items():
        for code, name in hamlets.items():
            session.add(Area(code=code, name=name, kind="hamlet", parent_code=commune))
    for number in range(extra_hamlets):
        session.add(Area(code=f"99001-x{number:03d}", name=f"Ấp Số {number:03d}", kind="hamlet", parent_code=TAN_HOA))
    await session.flush()


async def add_households(session: AsyncSession, area_code: str, count: int, *, channel: str = "telegram",
                         first_user: int = 1000, silent_days: float | None = None) -> list[int]:
    """`count` contacts subscribed to `area_code`, user ids first_user, first_user+1, …; returns contact ids."""
    now = clock.now()
    last_inbound = now - timedelta(days=silent_days) if silent_days is not None else now
    rows = [{"channel": channel, "user_id": str(first_user + i), "hamlet_code": area_code, "state": {},
             "created_at": now, "last_inbound_at": last_inbound, "flood_count": 0} for i in range(count)]
    await session.exec(insert(Contact), params=rows)
    users = [str(first_user + i) for i in range(count)]
    ids = list((await session.exec(select(Contact.id).where(Contact.channel == channel,
                                                            Contact.user_id.in_(users)))).all())
    await session.exec(insert(Subscription), params=[{"contact_id": contact_id, "area_code": area_code,
                                                      "active": True, "created_at": now} for contact_id in ids])
    return ids


@dataclass
class Staff:
    """Officials and their tokens: an admin, an editor of xã Tân Hòa (unit "UBND xã Tân Hòa"), a viewer."""

    admin: Official
    editor: Official
    viewer: Official
    tokens: dict[str, str]


async def seed_staff(session: AsyncSession) -> Staff:
    admin, admin_token = await create_official(session, name="Quản trị", role="admin", area_codes=[])
    editor, editor_token = await create_official(session, name="Cán bộ Tân Hòa", role="editor",
                                                 area_codes=[TAN_HOA], unit="UBND xã Tân Hòa")
    viewer, viewer_token = await create_official(session, name="Người xem", role="viewer", area_codes=[TAN_HOA])
    return Staff(admin, editor, viewer, {"admin": admin_token, "editor": editor_token, "viewer": viewer_token})


async def statuses(session: AsyncSession, bulletin_id: int) -> dict[str, int]:
    """How many deliveries of a bulletin are in each status."""
    rows = (await session.exec(select(Delivery.status).where(Delivery.bulletin_id == bulletin_id))).all()
    counts: dict[str, int] = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts
