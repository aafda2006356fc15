"""A household's hamlet and its bulletin subscription, and the bulletins its hamlet was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Area, Bulletin, Contact, Dispatch, Subscription
from core.places.areas import area_chain

RECENT_BULLETINS = 5
_DISPATCH_SCAN = 500  # recent firings looked at to find a hamlet's last bulletins


async def subscriptions_of(session: AsyncSession, contact: Contact) -> list[Subscription]:
    result = await session.exec(select(Subscription).where(Subscription.contact_id == contact.id)
                                .order_by(col(Subscription.created_at)))
    return list(result.all())


async def subscribe(session: AsyncSession, contact: Contact, hamlet: Area) -> None:
    """Make `hamlet` the contact's hamlet and its one active subscription (others stop as "moved")."""
    now = clock.now()
    contact.hamlet_code = hamlet.code
    found = False
    for subscription in await subscriptions_of(session, contact):
        if subscription.area_code == hamlet.code:
            found = True
            subscription.active, subscription.stopped_at, subscription.stop_reason = True, None, None
        elif subscription.active:
            subscription.active, subscription.stopped_at, subscription.stop_reason = False, now, "moved"
        session.add(subscription)
    if not found:
        session.add(Subscription(contact_id=contact.id, area_code=hamlet.code, active=True, created_at=now))
    session.add(contact)
    await session.flush()


async def unsubscribe(session: AsyncSession, contact: Contact, reason: str) -> int:
    """Stop every active subscription of the contact; returns how many were active."""
    now = clock.now()
    stopped = 0
    for subscription in await subscriptions_of(session, contact):
        if subscription.active:
            subscription.active, subscription.stopped_at, subscription.stop_reason = False, now, reason
            session.add(subscription)
            stopped += 1
    await session.flush()
    return stopped


@dataclass(frozen=True)
class SentBulletin:
    title: str
    body: str
    sent_at: datetime
    sender: str | None = None


async def recent_bulletins(session: AsyncSession, hamlet_code: str) -> list[SentBulletin]:
    """The last bulletins fired (a Dispatch exists and is due) for the hamlet or an area enclosing it."""
    codes = {a.code for a in await area_chain(session, hamlet_code)} | {hamlet_code}
    statement = (
        select(Dispatch, Bulletin)
        .join(Bulletin, col(Bulletin.id) == col(Dispatch.bulletin_id))
        .where(col(Dispatch.due_at) <= clock.now())
        .order_by(col(Dispatch.due_at).desc(), col(Dispatch.id).desc())
        .limit(_DISPATCH_SCAN)
    )
    found: list[SentBulletin] = []
    for dispatch, bulletin in (await session.exec(statement)).all():
        cancelled_before = bulletin.cancelled_at is not None and bulletin.cancelled_at <= dispatch.due_at
        if codes.intersection(bulletin.area_codes or []) and not cancelled_before:
            found.append(SentBulletin(bulletin.title, bulletin.body, dispatch.due_at, bulletin.sender))
            if len(found) == RECENT_BULLETINS:
                break
    return found
