"""The delivery outbox: one Delivery row per (dispatch, subscriber), claimed by workers with a lease.

Life of a row: `pending` (due when `next_attempt_at` ≤ now) → claimed (still `pending`, `claimed_by` set and
`next_attempt_at` pushed to the lease's end, so nobody else sees it) → `sending` (committed in a short
transaction just before the channel call, lease renewed) → `sent` | `failed` | `blocked` | `unreachable`, or
back to `pending` for a retry, committed in a short transaction right after the call (a worker lets the marks
and outcomes of sends finishing together share one commit: delivery/writer.py). A worker that dies
leaves claimed rows that become due again when the lease ends; a row it left in `sending` is in doubt (the
call may or may not have reached the channel) and is sent again: at-least-once for that single row, because
neither Telegram nor Zalo takes an idempotency key, and a household missing a flood warning is worse than one
seeing it twice. The window is one channel call per in-flight send.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so racing workers take disjoint batches without waiting;
on SQLite the claim is one UPDATE … WHERE id IN (SELECT …) RETURNING, atomic under SQLite's single writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.models import Bulletin, Contact, Delivery, Dispatch, Subscription, UTCDateTime
from core.settings import Settings, get_settings

# Core tables, not ORM entities, in the hot paths: ORM-enabled UPDATEs cost a worker a third of its time.
OUTBOX = Delivery.__table__
D, C, S = OUTBOX.c, Contact.__table__.c, Subscription.__table__.c
IN_DOUBT = "resent: the previous worker stopped during the send"


@dataclass(frozen=True)
class ClaimedDelivery:
    """A row a worker holds: enough to render and send it without touching the database again."""

    id: int
    bulletin_id: int
    contact_id: int
    channel: str
    user_id: str
    area_code: str
    attempts: int


def _clock_time(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_hours_end(now: datetime, settings: Settings | None = None) -> datetime | None:
    """When the quiet hours around `now` end (aware UTC), or None if `now` is not in quiet hours."""
    settings = settings or get_settings()
    start, end = _clock_time(settings.quiet_hours_start), _clock_time(settings.quiet_hours_end)
    local = now.astimezone(settings.tz)
    moment = local.time()
    if start == end:
        return None
    inside = (start <= moment < end) if start < end else (moment >= start or moment < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if end <= moment else local.date()
    return datetime.combine(day, end, tzinfo=settings.tz).astimezone(now.tzinfo)


def _insert(session: AsyncSession):  # noqa: ANN202 (dialect-specific Insert)
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


async def create_dispatch(session: AsyncSession, bulletin_id: int, due_at: datetime) -> int | None:
    """A new Dispatch id, or None if this (bulletin, due time) was already dispatched."""
    statement = (
        _insert(session)(Dispatch)
        .values(bulletin_id=bulletin_id, due_at=due_at, queued_at=clock.now(), recipients=0)
        .on_conflict_do_nothing(index_elements=["bulletin_id", "due_at"])
        .returning(col(Dispatch.id))
    )
    return (await session.exec(statement)).scalar_one_or_none()


async def queue_deliveries(session: AsyncSession, dispatch_id: int, bulletin: Bulletin, areas: set[str]) -> int:
    """Insert one pending row per subscribed contact of `areas`, set-based; returns how many.

    A household subscribed to both a hamlet and its commune gets one row (the lowest subscription id).
    Non-urgent rows queued in quiet hours start due at the end of them.
    """
    settings = get_settings()
    now = clock.now()
    due = now if bulletin.urgent else (quiet_hours_end(now, settings) or now)
    chosen = (
        select(
            literal(dispatch_id), literal(bulletin.id), func.min(S.id), S.contact_id, C.channel,
            func.min(S.area_code), literal("pending"), literal(0), literal(due, UTCDateTime()),
        )
        .select_from(Subscription.__table__)
        .join(Contact.__table__, C.id == S.contact_id)
        .where(S.active.is_(True), S.area_code.in_(sorted(areas)),
               C.channel.in_(list(settings.bulletin_channels)))
        .group_by(S.contact_id, C.channel)
    )
    columns = ["dispatch_id", "bulletin_id", "subscription_id", "contact_id", "channel", "area_code", "status",
               "attempts", "next_attempt_at"]
    await session.exec(insert(OUTBOX).from_select(columns, chosen))
    # Counted, not taken from rowcount: psycopg reports -1 for INSERT … SELECT through SQLAlchemy.
    count = (await session.exec(select(func.count()).where(D.dispatch_id == dispatch_id))).scalar_one()
    await session.exec(update(Dispatch).where(col(Dispatch.id) == dispatch_id).values(recipients=count))
    return count


def _due(status: str, channel: str, now: datetime):  # noqa: ANN202 (SQL expression)
    return and_(D.status == status, D.channel == channel, D.next_attempt_at <= now)


async def claim_due_deliveries(session: AsyncSession, *, worker: str, channel: str, limit: int,
                               lease_seconds: float) -> list[ClaimedDelivery]:
    """Take up to `limit` due rows of one channel for `worker` until the lease ends (oldest due first)."""
    now = clock.now()
    lease = now + timedelta(seconds=lease_seconds)
    claimed: list[int] = []
    for status in ("sending", "pending"):  # rows left "sending" by a dead worker go first: they are oldest
        picked = (select(D.id).where(_due(status, channel, now))
                  .order_by(D.next_attempt_at).limit(limit - len(claimed))
                  .with_for_update(skip_locked=True))
        values = {"claimed_by": worker, "lease_until": lease, "next_attempt_at": lease}
        if status == "sending":
            values |= {"status": "pending", "error": IN_DOUBT}
        statement = (update(OUTBOX).where(D.id.in_(picked.scalar_subquery())).values(**values)
                     .returning(D.id))
        claimed += list((await session.exec(statement)).scalars())
        if len(claimed) >= limit:
            break
    if not claimed:
        return []
    rows = await session.exec(
        select(D.id, D.bulletin_id, D.contact_id, D.channel, C.user_id, D.area_code, D.attempts)
        .join(Contact.__table__, C.id == D.contact_id)
        .where(D.id.in_(claimed)).order_by(D.id)
    )
    return [ClaimedDelivery(*row) for row in rows]


def _mine(delivery_id: int, worker: str, status: str):  # noqa: ANN202 (SQL expression)
    return and_(D.id == delivery_id, D.claimed_by == worker, D.status == status)


async def mark_sending_many(session: AsyncSession, ids: list[int], *, worker: str, lease_seconds: float) -> set[int]:
    """Mark claimed rows as being sent; returns those still ours (a cancelled or lost row is skipped)."""
    if not ids:
        return set()
    lease = clock.now() + timedelta(seconds=lease_seconds)
    result = await session.exec(
        update(OUTBOX)
        .where(D.id.in_(ids), D.claimed_by == worker, D.status == "pending")
        .values(status="sending", lease_until=lease, next_attempt_at=lease)
        .returning(D.id)
    )
    return set(result.scalars())


async def mark_sending(session: AsyncSession, delivery_id: int, *, worker: str, lease_seconds: float) -> bool:
    """Mark one claimed row as being sent; False if the claim was lost or the bulletin cancelled (skip it)."""
    return bool(await mark_sending_many(session, [delivery_id], worker=worker, lease_seconds=lease_seconds))


async def release_claims(session: AsyncSession, *, worker: str, channel: str | None = None,
                         ids: list[int] | None = None, until: datetime | None = None) -> int:
    """Give back claimed rows not yet sending (graceful stop, a channel pause, quiet hours)."""
    statement = update(OUTBOX).where(D.claimed_by == worker, D.status == "pending")
    if channel is not None:
        statement = statement.where(D.channel == channel)
    if ids is not None:
        statement = statement.where(D.id.in_(ids))
    result = await session.exec(statement.values(claimed_by=None, lease_until=None,
                                                 next_attempt_at=until or clock.now()))
    return int(result.rowcount or 0)


async def hold_non_urgent(session: AsyncSession, *, channel: str, until: datetime) -> int:
    """Move every unclaimed non-urgent row of a channel to `until` (the end of quiet hours)."""
    non_urgent = select(col(Bulletin.id)).where(col(Bulletin.urgent).is_(False))
    result = await session.exec(
        update(OUTBOX)
        .where(D.status == "pending", D.claimed_by.is_(None),
               D.channel == channel, D.next_attempt_at < until,
               D.bulletin_id.in_(non_urgent))
        .values(next_attempt_at=until)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Outcome:
    """What a channel said about one send, in the outbox's terms (mirrors bot.channels.base.SendResult)."""

    status: str  # sent | retry | blocked | unreachable | failed
    retry_after: float | None = None
    error: str | None = None


def backoff_delay(attempts: int, settings: Settings) -> float:
    """Seconds before retry number `attempts` + 1 after a transient error: doubling, capped."""
    return min(settings.delivery_backoff_seconds * 2 ** max(attempts - 1, 0), settings.delivery_backoff_max_seconds)


async def _stop_contact(session: AsyncSession, contact_id: int, now: datetime) -> None:
    """A household that blocked the bot: all its subscriptions stop and nothing else is sent to it."""
    await session.exec(update(Subscription.__table__)
                       .where(S.contact_id == contact_id, S.active.is_(True))
                       .values(active=False, stopped_at=now, stop_reason="blocked"))
    await session.exec(update(OUTBOX)
                       .where(D.contact_id == contact_id, D.status == "pending")
                       .values(status="blocked", claimed_by=None, lease_until=None, error="the user blocked the bot"))


def _outcome_values(row: ClaimedDelivery, outcome: Outcome, now: datetime, settings: Settings) -> dict:
    error = (outcome.error or "")[:500] or None
    done = {"claimed_by": None, "lease_until": None, "error": error}
    if outcome.status == "sent":
        # `error` keeps the last trouble on the way (a 502, or IN_DOUBT after a crash) as the row's history.
        return {"claimed_by": None, "lease_until": None, "status": "sent", "sent_at": now, "attempts": row.attempts + 1}
    if outcome.status == "retry" and outcome.retry_after is not None:
        # A rate limit is the channel's state, not this message's fault: it does not use up an attempt.
        return done | {"status": "pending", "next_attempt_at": now + timedelta(seconds=outcome.retry_after)}
    attempts = row.attempts + 1
    if outcome.status == "retry" and attempts < settings.delivery_max_attempts:
        delay = backoff_delay(attempts, settings)
        return done | {"status": "pending", "attempts": attempts, "next_attempt_at": now + timedelta(seconds=delay)}
    status = outcome.status if outcome.status in ("blocked", "unreachable", "failed") else "failed"
    return done | {"status": status, "attempts": attempts}


async def record_outcome(session: AsyncSession, row: ClaimedDelivery, outcome: Outcome, *, worker: str) -> str:
    """Store the result of a send right after it; returns the row's new status ("" if the claim was lost)."""
    settings = get_settings()
    now = clock.now()
    values = _outcome_values(row, outcome, now, settings)
    result = await session.exec(update(OUTBOX).where(_mine(row.id, worker, "sending")).values(**values))
    if result.rowcount != 1:
        return ""
    if values["status"] == "blocked":
        await _stop_contact(session, row.contact_id, now)
    elif values["status"] == "unreachable":
        await session.exec(update(Contact.__table__)
                           .where(C.id == row.contact_id, C.unreachable_since.is_(None))
                           .values(unreachable_since=now))
    return str(values["status"])


async def record_outcomes(session: AsyncSession, results: list[tuple[ClaimedDelivery, Outcome]], *,
                          worker: str) -> dict[int, str]:
    """Record several sends in one transaction (one statement for all the plain "sent" ones)."""
    statuses: dict[int, str] = {}
    sent = [row.id for row, outcome in results if outcome.status == "sent"]
    if sent:
        done = await session.exec(
            update(OUTBOX)
            .where(D.id.in_(sent), D.claimed_by == worker, D.status == "sending")
            .values(status="sent", sent_at=clock.now(), attempts=D.attempts + 1, claimed_by=None,
                    lease_until=None)
            .returning(D.id)
        )
        statuses |= {delivery_id: "sent" for delivery_id in done.scalars()}
        statuses |= {delivery_id: "" for delivery_id in sent if delivery_id not in statuses}
    for row, outcome in results:
        if outcome.status != "sent":
            statuses[row.id] = await record_outcome(session, row, outcome, worker=worker)
    return statuses
