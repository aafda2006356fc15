"""The household's contact row: find or create it, guard against floods, and erase it on request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Contact, Delivery, Feedback, HandoffQuestion, SelfCheckRecord, Subscription, UTCDateTime

FLOOD_WINDOW = timedelta(minutes=1)


async def find_contact(session: AsyncSession, channel: str, user_id: str) -> Contact | None:
    result = await session.exec(select(Contact).where(Contact.channel == channel, Contact.user_id == user_id))
    return result.first()


async def get_or_create_contact(session: AsyncSession, channel: str, user_id: str, *,
                                tap: bool = False) -> tuple[Contact, bool]:
    """The contact for (channel, user id) and whether it was just created (its first message, or with `tap`
    its first button tap, already counted against the flood guard); safe when two messages race."""
    contact = await find_contact(session, channel, user_id)
    if contact is not None:
        return contact, False
    now = clock.now()
    # The first event is counted in the INSERT itself (what `count_inbound` would write): one statement less.
    contact = Contact(channel=channel, user_id=user_id, created_at=now, state={}, last_inbound_at=now,
                      flood_window_start=now, flood_count=0 if tap else 1, flood_taps=1 if tap else 0)
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


@dataclass(frozen=True)
class FloodCount:
    """What the flood guard counted for one inbound event, in the contact's current one-minute window."""

    messages: int
    taps: int
    over: bool  #: this event went past its limit: answer "chậm lại", do not run it


async def count_inbound(session: AsyncSession, contact: Contact, *, tap: bool, limits: tuple[int, int]) -> FloodCount:
    """Count one message (or, with `tap`, one button tap) against the per-minute `limits` (messages, taps).

    One `UPDATE … RETURNING` does it, so concurrent messages of one household each count once (a
    read-modify-write in Python lost counts under load); the window restarts inside the same statement.
    Taps have their own, larger budget: a 15-step self-check plus menu browsing must not trip the guard.
    """
    now = clock.now()
    start = col(Contact.flood_window_start)
    fresh = start.is_(None) | (start <= now - FLOOD_WINDOW) | (start > now)
    step_messages, step_taps = (0, 1) if tap else (1, 0)
    statement = (
        update(Contact)
        .where(col(Contact.id) == contact.id)
        .values(
            flood_count=case((fresh, step_messages), else_=col(Contact.flood_count) + step_messages),
            flood_taps=case((fresh, step_taps), else_=col(Contact.flood_taps) + step_taps),
            flood_window_start=case((fresh, literal(now, UTCDateTime())), else_=start),
            last_inbound_at=now,
            unreachable_since=None,  # writing to us reopens the channel's window (Zalo: 7 days)
        )
        .returning(col(Contact.flood_count), col(Contact.flood_taps), col(Contact.flood_window_start))
        .execution_options(synchronize_session=False)
    )
    messages, taps, window_start = (await session.exec(statement)).one()  # type: ignore[call-overload]
    for name, value in (("flood_count", messages), ("flood_taps", taps), ("flood_window_start", window_start),
                        ("last_inbound_at", now), ("unreachable_since", None)):
        set_committed_value(contact, name, value)  # the row is already written; keep the object in step
    over = taps > limits[1] if tap else messages > limits[0]
    return FloodCount(messages, taps, over)


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
