"""The bulletin form of the officials' page: what was typed → a core `BulletinDraft`, and the hamlets to pick from.

The form speaks the officials' language — "now", "on 01/12 at 07:00", "every Monday at 07:00" — and this module
turns it into what core/bulletins/service.py validates: an aware `send_at` in Asia/Ho_Chi_Minh and a standard five-field
cron ("0 7 * * 1"). Only problems the core cannot see (a missing date, a weekday out of range, a raw cron from a
non-admin) are found here; everything else keeps the core's own messages, the same the API returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.bulletins.service import BulletinDraft, Problem, scope_of
from core.models import Area, Official
from core.places.areas import COMMUNE, HAMLET, WARD, child_areas, list_communes_with_hamlets
from core.places.names import natural_key

WHEN_CHOICES = ("now", "at", "weekly", "cron")
WEEKDAYS = (1, 2, 3, 4, 5, 6, 0)  # standard cron numbers, Monday first as Vietnamese calendars print them
_WEEKLY = re.compile(r"^(\d{1,2}) (\d{1,2}) \* \* ([0-7])$")

Translate = Any  # the page's tr(key, **values)


@dataclass
class BulletinForm:
    """The fields as posted (strings), kept to fill the form again after an error."""

    title: str = ""
    body: str = ""
    areas: list[str] = field(default_factory=list)
    when: str = "now"
    send_date: str = ""
    send_time: str = ""
    weekday: str = "1"
    weekly_time: str = "07:00"
    cron: str = ""
    urgent: bool = False
    action: str = "send"

    @classmethod
    def from_form(cls, form: Any) -> BulletinForm:
        """Read a posted form (Starlette FormData or a dict of lists)."""
        def one(name: str, default: str = "") -> str:
            value = form.get(name, default)
            return value if isinstance(value, str) else default

        when = one("when", "now")
        return cls(title=one("title"), body=one("body").replace("\r\n", "\n"),
                   areas=[a for a in form.getlist("area") if isinstance(a, str) and a.strip()],
                   when=when if when in WHEN_CHOICES else "now", send_date=one("send_date").strip(),
                   send_time=one("send_time").strip(), weekday=one("weekday", "1").strip(),
                   weekly_time=one("weekly_time", "07:00").strip(), cron=one("cron").strip(),
                   urgent=one("urgent") in ("on", "1", "true"), action=one("action", "send"))


def _clock(text: str) -> time | None:
    try:
        moment = time.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(second=0, microsecond=0)


def to_draft(form: BulletinForm, *, tz: ZoneInfo, may_use_cron: bool,
             tr: Translate) -> tuple[BulletinDraft, list[Problem]]:
    """The core draft, and the problems only the form can see (the core adds its own when validating)."""
    draft = BulletinDraft(title=form.title, body=form.body, area_codes=list(form.areas), urgent=form.urgent)
    problems: list[Problem] = []
    if form.when == "at":
        try:
            day = date.fromisoformat(form.send_date)
        except ValueError:
            day = None
        moment = _clock(form.send_time)
        if day is None or moment is None:
            problems.append(Problem("send_at", tr("errors.send_at_missing")))
        else:
            draft.send_at = datetime.combine(day, moment, tzinfo=tz)
    elif form.when == "weekly":
        moment = _clock(form.weekly_time)
        weekday = int(form.weekday) if form.weekday.isdigit() else -1
        if moment is None:
            problems.append(Problem("recurrence", tr("errors.weekly_time_invalid")))
        elif weekday not in WEEKDAYS:
            problems.append(Problem("recurrence", tr("errors.weekday_invalid")))
        else:
            draft.recurrence = f"{moment.minute} {moment.hour} * * {weekday}"
    elif form.when == "cron":
        if not may_use_cron:
            problems.append(Problem("recurrence", tr("errors.cron_admin_only")))
        elif not form.cron:
            problems.append(Problem("recurrence", tr("errors.cron_empty")))
        else:
            draft.recurrence = form.cron
    return draft, problems


def describe_recurrence(expression: str | None, tr: Translate) -> str:
    """ "Thứ Hai hằng tuần, 07:00" for a weekly cron; the cron itself otherwise."""
    if not expression:
        return ""
    match = _WEEKLY.match(expression)
    if match and int(match[1]) < 60 and int(match[2]) < 24:
        day = tr(f"weekdays.{int(match[3]) % 7}")
        return tr("schedule.weekly_text", day=day, time=f"{int(match[2]):02d}:{int(match[1]):02d}")
    return tr("schedule.cron_text", cron=expression)


# --- The hamlets an official may pick --------------------------------------------------------------------


@dataclass
class CommuneChoice:
    """A commune or ward with the hamlets the official may address; `whole` when they may address it all."""

    code: str
    name: str
    kind: str
    whole: bool
    hamlets: list[Area]


async def _scoped_communes(session: AsyncSession, scope: set[str]) -> list[Area]:
    """Communes and wards with hamlets in scope, or in scope themselves (even with no hamlet on file)."""
    rows = await session.exec(select(Area).where(col(Area.code).in_(sorted(scope)), col(Area.merged_into).is_(None)))
    inside = list(rows)
    parents = {a.parent_code for a in inside if a.kind == HAMLET and a.parent_code} - scope
    communes = [a for a in inside if a.kind in (COMMUNE, WARD)]
    if parents:
        communes += list(await session.exec(select(Area).where(col(Area.code).in_(sorted(parents)))))
    return sorted(communes, key=lambda a: natural_key(a.name))


async def hamlet_choices(session: AsyncSession, official: Official) -> list[CommuneChoice]:
    """What the form offers: only areas inside the official's scope (an admin: every commune with hamlets)."""
    scope = await scope_of(session, official)
    communes = await list_communes_with_hamlets(session) if scope is None else await _scoped_communes(session, scope)
    choices = []
    for commune in communes:
        hamlets = [h for h in await child_areas(session, commune.code, kind=HAMLET) if scope is None or h.code in scope]
        whole = scope is None or commune.code in scope
        if hamlets or whole:
            choices.append(CommuneChoice(commune.code, commune.name, commune.kind, whole, hamlets))
    return choices


async def collapse_to_communes(session: AsyncSession, codes: list[str]) -> list[str]:
    """Drop hamlets whose commune is picked too ("cả xã"): the commune already reaches them, and future ones."""
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if len(codes) < 2:
        return codes
    parents = dict((await session.exec(select(Area.code, Area.parent_code).where(col(Area.code).in_(codes)))).all())
    picked = set(codes)
    return [code for code in codes if parents.get(code) not in picked]
