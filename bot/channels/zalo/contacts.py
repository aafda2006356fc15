"""What the Zalo adapter records about a household's Zalo contact: reachability, unfollow, numbered choices."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.db import session_scope
from core.models import AuditLog, Contact

log = logging.getLogger(__name__)

CHANNEL = "zalo"
CHOICES_KEY = "zalo_choices"  # in Contact.state: typed number → button data, offered by the last reply


async def _contact(session: AsyncSession, user_id: str) -> Contact | None:
    statement = select(Contact).where(Contact.channel == CHANNEL, Contact.user_id == user_id)
    return (await session.exec(statement)).first()


async def record_unreachable(user_id: str) -> None:
    """Zalo refused to reach the user (outside the 7-day window): remember since when."""
    statement = (
        update(Contact)
        .where(col(Contact.channel) == CHANNEL, col(Contact.user_id) == user_id,
               col(Contact.unreachable_since).is_(None))
        .values(unreachable_since=clock.now())
    )
    async with session_scope() as session:
        await session.exec(statement)


async def clear_unreachable(session: AsyncSession, user_id: str) -> None:
    """The user wrote to us, so Zalo's window is open again."""
    statement = (
        update(Contact)
        .where(col(Contact.channel) == CHANNEL, col(Contact.user_id) == user_id,
               col(Contact.unreachable_since).is_not(None))
        .values(unreachable_since=None)
    )
    await session.exec(statement)


async def find_contact(session: AsyncSession, user_id: str) -> Contact | None:
    return await _contact(session, user_id)


def record_unfollow(session: AsyncSession, contact: Contact, stopped: int) -> None:
    """Leave a trace for the officials' audit log: this household's subscriptions stopped on unfollow."""
    session.add(AuditLog(action="unsubscribe", target_type="contact", target_id=str(contact.id),
                         detail={"channel": CHANNEL, "reason": "unfollow", "subscriptions": stopped},
                         created_at=clock.now()))


async def take_choice(session: AsyncSession, user_id: str, text: str) -> str | None:
    """Forget the numbered choices offered last; the button data if `text` picks one of them."""
    contact = await _contact(session, user_id)
    if contact is None or CHOICES_KEY not in (contact.state or {}):
        return None
    state = dict(contact.state)
    choices = state.pop(CHOICES_KEY) or {}
    contact.state = state
    session.add(contact)
    await session.flush()
    picked = text.strip().rstrip(".")
    return choices.get(picked) if isinstance(choices, dict) else None


async def save_choices(user_id: str, choices: dict[str, str]) -> None:
    """Remember the numbers just offered in place of buttons, for the user's next message."""
    async with session_scope() as session:
        contact = await _contact(session, user_id)
        if contact is None:
            log.info("zalo numbered choices not kept: no contact yet")
            return
        contact.state = {**(contact.state or {}), CHOICES_KEY: choices}
        session.add(contact)
