"""The household's contact row: find or create it, guard against floods, and erase it on request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Contact, Delivery, Feedback, HandoffQuestion, SelfCheckRecord, Subscription

FLOOD_WINDOW = timedelta(minutes=1)


async def find_contact(session: AsyncSession, channel: str, user_id: str) -> Contact | None:
    result = await session.exec(select(Contact).where(Contact.channel == channel, Contact.user_id == user_id))
    return result.first()


async def get_or_create_contact(session: AsyncSession, channel: str, user_id: str) -> tuple[Contact, bool]:
    """The contact for (channel, user id) and whether it was just created (its first message already counted
    against the flood guard); safe when two messages race."""
    contact = await find_contact(session, channel, user_id)
    if contact is not None:
        return contact, False
    now = clock.now()
    # The first message is counted in the INSERT itself (what `count_inbound` would write): one statement less.
    contact = Contact(channel=channel, user_id=user_id, created_at=now, state={}, last_inbound_at=now,
                      flood_window_start=now, flood_count=1)
    try:
        async with session.begin_nested():
            session.add(contact)
    except IntegrityError:
        # Another request created it between our select and insert: use theirs.
        existing = await find_contact(session, channel, user_id)
        if existing is None:
            raise
        return existing, False
    return contact, True


def count_inbound(contact: Contact, limit: int) -> str:
    """Count one inbound message against the per-minute limit: "ok", "warn" (first one over) or "drop"."""
    now = clock.now()
    contact.last_inbound_at = now
    contact.unreachable_since = None  # writing to us reopens the channel's window (Zalo: 7 days)
    start = contact.flood_window_start
    if start is None or now - start >= FLOOD_WINDOW or now < start:
        contact.flood_window_start = now
        contact.flood_count = 1
        return "ok"
    contact.flood_count += 1
    if contact.flood_count <= limit:
        return "ok"
    return "warn" if contact.flood_count == limit + 1 else "drop"


async def erase_contact(session: AsyncSession, contact: Contact) -> None:
    """Delete the contact and everything linked to it: deliveries, subscriptions, questions, self-checks, and the
    text of its unanswered questions and 👍/👎 (the votes stay, with no text and no link: README "What is stored")."""
    contact_id = contact.id
    for table in (Delivery, HandoffQuestion, SelfCheckRecord, Subscription):
        await session.exec(delete(table).where(table.contact_id == contact_id))  # type: ignore[call-overload]
    await session.exec(delete(Feedback).where(Feedback.contact_id == contact_id,  # type: ignore[call-overload]
                                              Feedback.kind == "unanswered"))
    await session.exec(update(Feedback).where(Feedback.contact_id == contact_id)  # type: ignore[call-overload]
                       .values(folded_question="", contact_id=None, area_code=None))
    await session.delete(contact)
    await session.flush()
