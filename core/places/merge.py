"""Merging one area into another, as communes and hamlets are merged: nobody subscribed is lost or doubled.

`merge_areas(OLD, NEW)`: OLD's subscriptions move to NEW, except where the household already follows NEW:
then OLD's subscription is stopped (reason "merged") and kept for history, and NEW's is switched on if OLD's
was on (unless the household had blocked the bot). Contacts living in OLD, open questions, officials' scopes
and OLD's own hamlets move to NEW; OLD's names become NEW's aliases; OLD is marked `merged_into=NEW` and no
longer offered, but old addresses still resolve to NEW. Everything happens in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import audit, clock
from core import ui_texts as texts
from core.models import Area, Contact, HandoffQuestion, Official, Subscription
from core.places.areas import UnknownAreaError, areas_within
from core.places.names import COMMUNE, HAMLET, PROVINCE, WARD, search_key

_LEVEL = {HAMLET: HAMLET, COMMUNE: COMMUNE, WARD: COMMUNE, PROVINCE: PROVINCE}


class MergeError(ValueError):
    """A merge that makes no sense (same area, different levels, already merged, NEW inside OLD)."""


@dataclass
class MergeResult:
    old: str
    new: str
    moved: int  # subscriptions now on NEW
    stopped: int  # OLD subscriptions of households already following NEW
    contacts: int
    children: int

    def summary(self) -> str:
        return texts.get("areas.merge_done", old=self.old, new=self.new, moved=self.moved, stopped=self.stopped,
                         contacts=self.contacts, children=self.children)


async def _check(session: AsyncSession, old_code: str, new_code: str) -> tuple[Area, Area]:
    if old_code == new_code:
        raise MergeError(texts.get("areas.merge_same", code=old_code))
    old, new = await session.get(Area, old_code), await session.get(Area, new_code)
    missing = [code for code, area in ((old_code, old), (new_code, new)) if area is None]
    if missing:
        raise UnknownAreaError(missing)
    assert old is not None and new is not None
    for area in (old, new):
        if area.merged_into:
            raise MergeError(texts.get("areas.merge_already", code=area.code, target=area.merged_into))
    if _LEVEL.get(old.kind) != _LEVEL.get(new.kind):
        raise MergeError(texts.get("areas.merge_kinds", old=old.code, old_kind=old.kind, new=new.code,
                                   new_kind=new.kind))
    if new.code in await areas_within(session, [old.code]):
        raise MergeError(texts.get("areas.merge_inside", old=old.code, new=new.code))
    return old, new


async def _move_subscriptions(session: AsyncSession, old: str, new: str) -> tuple[int, int]:
    """(moved, stopped): move OLD's subscriptions unless the contact already has NEW."""
    on_new = select(Subscription.contact_id).where(Subscription.area_code == new)
    active_on_old = select(Subscription.contact_id).where(Subscription.area_code == old,
                                                          col(Subscription.active).is_(True))
    await session.exec(
        update(Subscription)
        .where(Subscription.area_code == new, col(Subscription.active).is_(False),
               col(Subscription.contact_id).in_(active_on_old),
               or_(col(Subscription.stop_reason).is_(None), Subscription.stop_reason != "blocked"))
        .values(active=True, stopped_at=None, stop_reason=None)
    )
    moved = await session.exec(
        update(Subscription)
        .where(Subscription.area_code == old, col(Subscription.contact_id).not_in(on_new))
        .values(area_code=new)
    )
    stopped = await session.exec(
        update(Subscription)
        .where(Subscription.area_code == old, col(Subscription.active).is_(True))
        .values(active=False, stopped_at=clock.now(), stop_reason="merged")
    )
    return moved.rowcount or 0, stopped.rowcount or 0


async def _move_officials(session: AsyncSession, old: str, new: str) -> None:
    """Officials whose scope named OLD now name NEW (JSON lists: done row by row, they are few)."""
    for official in await session.exec(select(Official)):
        if old in official.area_codes:
            official.area_codes = list(dict.fromkeys(new if c == old else c for c in official.area_codes))
            session.add(official)


async def merge_areas(
    session: AsyncSession, old_code: str, new_code: str, *, by: Official | None = None
) -> MergeResult:
    """Merge OLD into NEW (see the module docstring); raises UnknownAreaError or MergeError before any change."""
    old, new = await _check(session, old_code, new_code)
    moved, stopped = await _move_subscriptions(session, old.code, new.code)
    contacts = await session.exec(update(Contact).where(Contact.hamlet_code == old.code).values(hamlet_code=new.code))
    await session.exec(update(HandoffQuestion).where(HandoffQuestion.area_code == old.code)
                       .values(area_code=new.code))
    children = await session.exec(update(Area).where(Area.parent_code == old.code).values(parent_code=new.code))
    await _move_officials(session, old.code, new.code)
    new.aliases = [a for a in dict.fromkeys([*new.aliases, old.name, *old.aliases]) if a != new.name]
    new.folded_names = search_key(new.name, new.aliases)
    old.merged_into = new.code
    session.add_all([old, new])
    result = MergeResult(old.code, new.code, moved, stopped, contacts.rowcount or 0, children.rowcount or 0)
    await audit.record(session, by, "area.merge", "area", old.code, into=new.code, moved=moved, stopped=stopped,
                       contacts=result.contacts, children=result.children)
    return result
