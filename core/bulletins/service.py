"""Bulletins officials send to hamlets: validate, create, list, read, cancel, and the "Đã biết" taps.

Plain functions over a session, shared by the API (api/routes/bulletins.py) and the officials' page. A bulletin
only records what was asked (title, body, area codes as addressed, first due time, cron); the scheduler
turns each due time into a Dispatch and the outbox rows (delivery/outbox.py), expanding the areas at that moment
so hamlets added or merged since are reached. All times are aware; naive input is refused, because an
official's "07:00" means Asia/Ho_Chi_Minh and a server must not guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import audit, clock
from core import ui_texts as texts
from core.bulletins.recurrence import RecurrenceError, due_times, shortest_gap
from core.models import Bulletin, Delivery, Official
from core.officials.accounts import may_write, out_of_scope, sender_label
from core.places.areas import UnknownAreaError, areas_within, expand_to_hamlets
from core.safe_text import text_problem
from core.settings import get_settings

SEND_AT_GRACE = timedelta(minutes=1)  # a form submitted "now" arrives a little late; that is not "past"
LIVE_STATUSES = ("scheduled", "active")  # the scheduler keeps a job for these


@dataclass
class BulletinDraft:
    """What an official submits, before validation (times as ISO-8601 text or aware datetimes)."""

    title: str = ""
    body: str = ""
    area_codes: list[str] = field(default_factory=list)
    send_at: datetime | str | None = None
    recurrence: str | None = None
    urgent: bool = False


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a draft: which field, and a Vietnamese sentence saying how to fix it."""

    field: str
    message: str


class BulletinInvalid(ValueError):
    """A draft with problems; every problem found is listed, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(" ".join(p.message for p in problems))


class BulletinForbidden(PermissionError):
    """The official may not do this (a viewer writing, or areas outside their scope)."""


class BulletinNotFound(LookupError):
    """No bulletin with that id."""


class BulletinAlreadyQueued(RuntimeError):
    """The bulletin has started going out (or was cancelled): it can no longer be edited, only duplicated."""


def bulletin_text(title: str, body: str, *, urgent: bool = False, sender: str | None = None) -> str:
    """A bulletin as households read it on every channel: title, body, and who sent it."""
    text = texts.get("bulletins.message_urgent" if urgent else "bulletins.message", title=title, body=body)
    return f"{text}\n\n{texts.get('bulletins.signature', sender=sender)}" if sender else text


def local_text(moment: datetime) -> str:
    """A time as officials read it: "07:00 01/12/2026" in the local zone."""
    return moment.astimezone(get_settings().tz).strftime("%H:%M %d/%m/%Y")


def _parse_send_at(value: datetime | str | None, now: datetime) -> tuple[datetime | None, Problem | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None, Problem("send_at", texts.get("bulletins.errors.send_at_invalid", value=value))
    if value.tzinfo is None:
        example = value.replace(tzinfo=get_settings().tz).isoformat(timespec="minutes")
        message = texts.get("bulletins.errors.send_at_no_timezone", value=value.isoformat(), example=example)
        return None, Problem("send_at", message)
    if value < now - SEND_AT_GRACE:
        message = texts.get("bulletins.errors.send_at_past", when=local_text(value), now=local_text(now))
        return None, Problem("send_at", message)
    return value, None


def _check_recurrence(expression: str, start: datetime) -> tuple[datetime | None, Problem | None]:
    """The first due time of a cron at or after `start`, or the problem with it."""
    settings = get_settings()
    try:
        first = due_times(expression, settings.tz, start=start, count=1)
        gap = shortest_gap(expression, settings.tz, start=start)
    except RecurrenceError:
        return None, Problem("recurrence", texts.get("bulletins.errors.recurrence_invalid", value=expression))
    if not first:
        return None, Problem("recurrence", texts.get("bulletins.errors.recurrence_never", value=expression))
    limit = settings.bulletin_min_recurrence_minutes
    if gap is not None and gap < timedelta(minutes=limit):
        minutes = int(gap.total_seconds() // 60)
        message = texts.get("bulletins.errors.recurrence_too_often", value=expression, minutes=minutes, limit=limit)
        return None, Problem("recurrence", message)
    return first[0], None


def _check_text(draft: BulletinDraft) -> list[Problem]:
    settings = get_settings()
    problems = []
    limits = {"title": settings.bulletin_title_max_chars, "body": settings.bulletin_body_max_chars}
    for name, value in (("title", draft.title.strip()), ("body", draft.body.strip())):
        if not value:
            problems.append(Problem(name, texts.get(f"bulletins.errors.{name}_empty")))
        elif text_problem(value):
            problems.append(Problem(name, str(text_problem(value))))
        elif len(value) > limits[name]:
            message = texts.get(f"bulletins.errors.{name}_too_long", length=len(value), limit=limits[name])
            problems.append(Problem(name, message))
    return problems


async def _check_areas(session: AsyncSession, codes: list[str]) -> list[Problem]:
    if not codes:
        return [Problem("area_codes", texts.get("bulletins.errors.areas_empty"))]
    try:
        await expand_to_hamlets(session, codes)
    except UnknownAreaError as error:
        return [Problem("area_codes", texts.get("bulletins.errors.areas_unknown", codes=", ".join(error.codes)))]
    return []


async def validate_draft(session: AsyncSession, draft: BulletinDraft) -> Bulletin:
    """A new, unsaved Bulletin from a draft, or BulletinInvalid listing every problem."""
    now = clock.now()
    codes = list(dict.fromkeys(c.strip() for c in draft.area_codes if c and c.strip()))
    problems = _check_text(draft) + await _check_areas(session, codes)
    send_at, problem = _parse_send_at(draft.send_at, now)
    problems += [problem] if problem else []
    recurrence = " ".join(draft.recurrence.split()) if draft.recurrence and draft.recurrence.strip() else None
    start = max(send_at or now, now)
    if recurrence:
        first, problem = _check_recurrence(recurrence, start)
        problems += [problem] if problem else []
        start = first or start
    if problems:
        raise BulletinInvalid(problems)
    return Bulletin(title=draft.title.strip(), body=draft.body.strip(), area_codes=codes, send_at=start,
                    recurrence=recurrence, urgent=bool(draft.urgent), status="scheduled", created_at=now)


async def scope_of(session: AsyncSession, official: Official) -> set[str] | None:
    """The area codes an official may address or watch; None means everywhere (admin)."""
    if official.role == "admin":
        return None
    return await areas_within(session, official.area_codes)


async def ensure_may_address(session: AsyncSession, official: Official, codes: list[str]) -> None:
    """Raise BulletinForbidden unless the official may send to every one of `codes`."""
    if not may_write(official):
        raise BulletinForbidden(texts.get("bulletins.errors.read_only"))
    outside = await out_of_scope(session, official, codes)
    if outside:
        raise BulletinForbidden(texts.get("bulletins.errors.out_of_scope", codes=", ".join(outside)))


async def create_bulletin(session: AsyncSession, draft: BulletinDraft, *, official: Official) -> Bulletin:
    """Validate, check the official's scope, and store a bulletin for the scheduler (nothing queued yet)."""
    bulletin = await validate_draft(session, draft)
    await ensure_may_address(session, official, bulletin.area_codes)
    bulletin.created_by = official.id
    bulletin.sender = sender_label(official) or None
    session.add(bulletin)
    await session.flush()
    await audit.record(session, official, "bulletin.create", "bulletin", bulletin.id, title=bulletin.title,
                       area_codes=bulletin.area_codes, send_at=bulletin.send_at.isoformat(),
                       recurrence=bulletin.recurrence, urgent=bulletin.urgent)
    return bulletin


async def edit_bulletin(session: AsyncSession, bulletin_id: int, draft: BulletinDraft, *,
                        official: Official) -> Bulletin:
    """Rewrite a bulletin that is still waiting for its first firing (the scheduler follows the new time).

    The row is touched first under the condition "still scheduled", as a firing does, so an edit and a firing
    at the same moment serialise: either the edit lands before anything is queued, or it is refused.
    """
    bulletin = await get_bulletin(session, bulletin_id, official=official)
    await ensure_may_address(session, official, bulletin.area_codes)
    edited = await validate_draft(session, draft)
    await ensure_may_address(session, official, edited.area_codes)
    touched = await session.exec(update(Bulletin)
                                 .where(col(Bulletin.id) == bulletin_id, col(Bulletin.status) == "scheduled")
                                 .values(status=Bulletin.status))
    if touched.rowcount != 1:
        raise BulletinAlreadyQueued(texts.get("bulletins.errors.already_queued", id=bulletin_id))
    await session.refresh(bulletin)
    for name in ("title", "body", "area_codes", "send_at", "recurrence", "urgent"):
        setattr(bulletin, name, getattr(edited, name))
    session.add(bulletin)
    await session.flush()
    await audit.record(session, official, "bulletin.edit", "bulletin", bulletin.id, title=bulletin.title,
                       area_codes=bulletin.area_codes, send_at=bulletin.send_at.isoformat(),
                       recurrence=bulletin.recurrence, urgent=bulletin.urgent)
    return bulletin


def duplicate_draft(bulletin: Bulletin) -> BulletinDraft:
    """A new draft with a bulletin's words, areas and urgency; the official picks the time again."""
    return BulletinDraft(title=bulletin.title, body=bulletin.body, area_codes=list(bulletin.area_codes),
                         urgent=bulletin.urgent)


async def get_bulletin(session: AsyncSession, bulletin_id: int, *, official: Official) -> Bulletin:
    """The bulletin, if it exists and is addressed inside the official's scope."""
    bulletin = await session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise BulletinNotFound(texts.get("bulletins.errors.not_found", id=bulletin_id))
    scope = await scope_of(session, official)
    if scope is not None and not set(bulletin.area_codes) <= scope:
        raise BulletinForbidden(texts.get("bulletins.errors.not_visible", id=bulletin_id))
    return bulletin


async def list_bulletins(session: AsyncSession, *, official: Official, limit: int = 50,
                         offset: int = 0) -> list[Bulletin]:
    """Bulletins inside the official's scope, newest first."""
    scope = await scope_of(session, official)
    rows = await session.exec(select(Bulletin).order_by(col(Bulletin.created_at).desc(), col(Bulletin.id).desc()))
    visible = [b for b in rows if scope is None or set(b.area_codes) <= scope]
    return visible[offset: offset + limit]


async def cancel_bulletin(session: AsyncSession, bulletin_id: int, *, official: Official) -> tuple[Bulletin, int]:
    """Stop a bulletin: no further firings, and its outbox rows not yet sending are cancelled.

    Returns the bulletin and how many deliveries were withdrawn. A row a worker has already marked
    "sending" is in flight and cannot be recalled; it is recorded as it ends. A bulletin that has fully gone
    out keeps its status ("done"): there was nothing left to cancel.
    """
    bulletin = await get_bulletin(session, bulletin_id, official=official)
    await ensure_may_address(session, official, bulletin.area_codes)
    if bulletin.status in LIVE_STATUSES:
        # Flushed first: this takes the row lock a firing holds while it queues, so the withdrawal below
        # also sees rows a firing at this very moment has just queued.
        bulletin.status, bulletin.cancelled_at = "cancelled", clock.now()
        session.add(bulletin)
        await session.flush()
    withdrawn = await session.exec(
        update(Delivery)
        .where(col(Delivery.bulletin_id) == bulletin_id, col(Delivery.status) == "pending")
        .values(status="cancelled", claimed_by=None, lease_until=None)
    )
    count = int(withdrawn.rowcount or 0)
    if count and bulletin.status != "cancelled":
        bulletin.status, bulletin.cancelled_at = "cancelled", clock.now()
        session.add(bulletin)
    await audit.record(session, official, "bulletin.cancel", "bulletin", bulletin.id, withdrawn=count)
    return bulletin, count


def next_send_at(bulletin: Bulletin, *, now: datetime | None = None) -> datetime | None:
    """When the bulletin fires next, or None when it will not fire again."""
    if bulletin.status not in LIVE_STATUSES:
        return None
    if not bulletin.recurrence:
        return bulletin.send_at
    now = now or clock.now()
    upcoming = due_times(bulletin.recurrence, get_settings().tz, start=max(now, bulletin.send_at), count=1)
    return upcoming[0] if upcoming else None


def bulletin_public(bulletin: Bulletin) -> dict[str, Any]:
    """The API shape of a bulletin (times in local ISO-8601 with offset)."""
    tz = get_settings().tz
    upcoming = next_send_at(bulletin)
    return {
        "id": bulletin.id, "title": bulletin.title, "body": bulletin.body, "area_codes": list(bulletin.area_codes),
        "send_at": bulletin.send_at.astimezone(tz).isoformat(), "recurrence": bulletin.recurrence,
        "urgent": bulletin.urgent, "status": bulletin.status, "created_by": bulletin.created_by,
        "sender": bulletin.sender,
        "created_at": bulletin.created_at.astimezone(tz).isoformat(),
        "cancelled_at": bulletin.cancelled_at.astimezone(tz).isoformat() if bulletin.cancelled_at else None,
        "next_send_at": upcoming.astimezone(tz).isoformat() if upcoming else None,
    }
