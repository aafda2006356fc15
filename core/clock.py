"""The one place that says what time it is, so tests can move the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.settings import get_settings

_frozen: datetime | None = None


def now() -> datetime:
    """Aware UTC now (or the frozen instant in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def local_now() -> datetime:
    return now().astimezone(get_settings().tz)


def today() -> date:
    """Today's date in the configured time zone (Asia/Ho_Chi_Minh): entries' validity follows it."""
    return local_now().date()


def freeze(instant: datetime | None) -> None:
    """Freeze the clock at `instant` (aware), or unfreeze with None. For tests and benchmarks."""
    global _frozen
    if instant is not None and instant.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = instant
