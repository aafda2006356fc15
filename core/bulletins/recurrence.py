"""Cron recurrences of bulletins ("0 7 * * mon" = every Monday 07:00), read in the local time zone.

Officials write standard cron, where day-of-week 0 or 7 is Sunday and 1 is Monday. APScheduler 3 counts
0 as Monday, so "0 7 * * 1" would silently fire on Tuesdays: `cron_trigger` rewrites the day-of-week field
into day names first. One difference stays: when both day-of-month and day-of-week are restricted, APScheduler
needs both to match (classic cron needs either).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_LOOKAHEAD = 20  # firings checked when measuring how often a recurrence fires


class RecurrenceError(ValueError):
    """A cron expression that cannot be used; `reason` says why in plain words (English, for logs)."""


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token[:3] in DAY_NAMES and token.isalpha():
        return DAY_NAMES.index(token[:3])
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise RecurrenceError(f"day of week {token!r} is not 0–7 or a day name")


def _standard_days(field: str) -> list[int]:
    """The Sunday-first day numbers a standard cron day-of-week field selects."""
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise RecurrenceError(f"step {step_text!r} is not a positive number")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            first, last = span.split("-", 1)
            low, high = _day_number(first), _day_number(last)
            high = 7 if high == 0 and last.strip() == "7" else high
        else:
            low = high = _day_number(span)
            high = 6 if step else high
        if low > high:
            raise RecurrenceError(f"day range {span!r} runs backwards")
        days.update(day % 7 for day in range(low, high + 1, step or 1))
    return sorted(days)


def cron_trigger(expression: str, tz: ZoneInfo, start_date: datetime | None = None) -> CronTrigger:
    """An APScheduler trigger for a standard five-field cron expression; RecurrenceError if it is not one."""
    fields = expression.split()
    if len(fields) != 5:
        raise RecurrenceError(f"needs 5 fields (minute hour day month weekday), got {len(fields)}")
    if fields[4] != "*":
        fields[4] = ",".join(DAY_NAMES[day] for day in _standard_days(fields[4]))
    minute, hour, day, month, day_of_week = fields
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=tz,
                           start_date=start_date)
    except ValueError as error:
        raise RecurrenceError(str(error)) from None


def due_times(expression: str, tz: ZoneInfo, *, start: datetime, count: int) -> list[datetime]:
    """The first `count` firings at or after `start` (aware, in `tz`)."""
    trigger = cron_trigger(expression, tz)
    found: list[datetime] = []
    previous: datetime | None = None
    moment = start.astimezone(tz)
    while len(found) < count:
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        found.append(fire)
        previous, moment = fire, fire + timedelta(seconds=1)
    return found


def latest_due(expression: str, tz: ZoneInfo, *, start: datetime, now: datetime, window: timedelta) -> datetime | None:
    """The most recent firing in [max(start, now - window), now], or None: what a late job should send."""
    trigger = cron_trigger(expression, tz)
    moment = max(start, now - window).astimezone(tz)
    latest: datetime | None = None
    while True:
        fire = trigger.get_next_fire_time(latest, moment)
        if fire is None or fire > now:
            return latest
        latest, moment = fire, fire + timedelta(seconds=1)


def shortest_gap(expression: str, tz: ZoneInfo, *, start: datetime) -> timedelta | None:
    """The smallest time between two consecutive firings over the next few; None if it fires at most once."""
    times = due_times(expression, tz, start=start, count=_LOOKAHEAD)
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    return min(gaps) if gaps else None
