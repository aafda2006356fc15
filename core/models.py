"""Database tables. One place, so one Alembic history describes them all.

Times are stored as UTC (`UTCDateTime`): SQLite keeps no zone, PostgreSQL would; this type makes both
return aware UTC datetimes so code never compares naive with aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(*, nullable: bool = True, index: bool = False, default: bool = False) -> Any:
    return Field(
        default_factory=utcnow if default else (lambda: None),
        sa_column_kwargs={},
        sa_type=UTCDateTime,
        nullable=nullable,
        index=index,
    )


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


# --- Places ---------------------------------------------------------------------------------------


class Area(SQLModel, table=True):
    """A province, commune/ward or hamlet (ấp/khu vực). `folded_names` is the search key."""

    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16, index=True)  # province | commune | ward | hamlet
    parent_code: str | None = Field(default=None, max_length=32, index=True)
    aliases: list[str] = _json(list)
    folded_names: str = Field(default="", sa_type=Text)
    merged_into: str | None = Field(default=None, max_length=32)
    source: str = Field(default="", max_length=200)


class AreaDataLoad(SQLModel, table=True):
    """Which version of an area data source (the provinces package, a content file) is in `Area`."""

    name: str = Field(primary_key=True, max_length=200)
    fingerprint: str = Field(max_length=100)
    rows: int = 0
    loaded_at: datetime = _ts(nullable=False, default=True)


# --- Households and their conversation ------------------------------------------------------------


class Contact(SQLModel, table=True):
    """A household's account on one channel. We keep no name or phone number, only the channel's id."""

    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_contact_channel_user"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)  # telegram | zalo | web | console
    user_id: str = Field(max_length=128)
    hamlet_code: str | None = Field(default=None, max_length=32, index=True)
    state: dict[str, Any] = _json(dict)
    created_at: datetime = _ts(nullable=False, default=True)
    last_inbound_at: datetime | None = _ts()
    # The flood guard's window (bot/engine/contacts.py): messages and button taps counted apart since its start.
    flood_window_start: datetime | None = _ts()
    flood_count: int = 0
    flood_taps: int = 0
    unreachable_since: datetime | None = _ts()


class Subscription(SQLModel, table=True):
    """A contact receives the bulletins of one area (normally their hamlet)."""

    __table_args__ = (UniqueConstraint("contact_id", "area_code", name="uq_subscription_contact_area"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    area_code: str = Field(max_length=32, index=True)
    active: bool = Field(default=True, index=True)
    created_at: datetime = _ts(nullable=False, default=True)
    stopped_at: datetime | None = _ts()
    stop_reason: str | None = Field(default=None, max_length=32)


class ProcessedEvent(SQLModel, table=True):
    """Inbound webhook events already handled (Zalo retries), keyed by channel and message id.

    Zalo's webhook also uses it as a durable inbox: the event is stored `pending` (with its `payload`) before
    the webhook answers 200, and a worker turns it `done` (payload cleared) in the transaction that handles it;
    `lease_until` says when a sweeper may pick up a pending event whose process died.
    """

    key: str = Field(primary_key=True, max_length=200)
    created_at: datetime = _ts(nullable=False, default=True, index=True)
    status: str = Field(default="done", max_length=16, index=True)  # pending | done | failed
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = 0
    lease_until: datetime | None = _ts()


class RateWindow(SQLModel, table=True):
    """A fixed one-window counter by key ("handoff:address:<ip>"…), bumped atomically (core/rates.py)."""

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = _ts(nullable=False, index=True)
    count: int = 0


class ChannelToken(SQLModel, table=True):
    """Live OAuth tokens of a channel (Zalo OA). `refresh_lock_until` makes one refresher at a time."""

    name: str = Field(primary_key=True, max_length=32)
    access_token: str = Field(default="", sa_type=Text)
    refresh_token: str = Field(default="", sa_type=Text)
    expires_at: datetime | None = _ts()
    refresh_lock_until: datetime | None = _ts()
    updated_at: datetime = _ts(nullable=False, default=True)


# --- Officials --------------------------------------------------------------------------------------


class Official(SQLModel, table=True):
    """Commune staff or a digital-team leader. Only the SHA-256 of the API token is kept."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    unit: str | None = Field(default=None, max_length=200)  # "UBND xã Hỏa Lựu": shown as the bulletins' sender
    role: str = Field(max_length=16)  # admin | editor | viewer
    area_codes: list[str] = _json(list)
    token_hash: str = Field(max_length=64, unique=True)
    active: bool = True
    # Named in every page session cookie; signing out and revoking bump it, so older cookies stop working.
    session_version: int = 0
    created_at: datetime = _ts(nullable=False, default=True)


class AuditLog(SQLModel, table=True):
    """Who created, changed, cancelled or sent what."""

    id: int | None = Field(default=None, primary_key=True)
    official_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=32)
    target_type: str = Field(max_length=32)
    target_id: str = Field(max_length=64)
    detail: dict[str, Any] = _json(dict)
    created_at: datetime = _ts(nullable=False, default=True, index=True)


# --- Bulletins and their delivery --------------------------------------------------------------------


class Bulletin(SQLModel, table=True):
    """An announcement to areas, sent once (`send_at`) or on a cron `recurrence` (Asia/Ho_Chi_Minh)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_type=Text)
    area_codes: list[str] = _json(list)
    send_at: datetime = _ts(nullable=False, index=True)
    recurrence: str | None = Field(default=None, max_length=100)
    urgent: bool = False
    status: str = Field(default="scheduled", max_length=16, index=True)  # scheduled|active|done|cancelled
    created_by: int | None = Field(default=None, foreign_key="official.id")
    # "UBND xã Hỏa Lựu · Tổ công nghệ số cộng đồng": the official's unit and name when it was written, so
    # households can tell it from a forged message and a later rename does not rewrite what was sent
    sender: str | None = Field(default=None, max_length=400)
    created_at: datetime = _ts(nullable=False, default=True)
    cancelled_at: datetime | None = _ts()


class Dispatch(SQLModel, table=True):
    """One firing of a bulletin. Unique per (bulletin, due time) so a job firing twice queues once."""

    __table_args__ = (UniqueConstraint("bulletin_id", "due_at", name="uq_dispatch_bulletin_due"),)

    id: int | None = Field(default=None, primary_key=True)
    bulletin_id: int = Field(foreign_key="bulletin.id", index=True)
    due_at: datetime = _ts(nullable=False)
    queued_at: datetime = _ts(nullable=False, default=True)
    recipients: int = 0


class Delivery(SQLModel, table=True):
    """The outbox: one row per (dispatch, subscription). Workers claim rows with a lease."""

    __table_args__ = (
        UniqueConstraint("dispatch_id", "subscription_id", name="uq_delivery_dispatch_subscription"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dispatch_id: int = Field(foreign_key="dispatch.id", index=True)
    bulletin_id: int = Field(index=True)
    subscription_id: int = Field(index=True)
    contact_id: int = Field(index=True)
    channel: str = Field(max_length=16)
    area_code: str = Field(max_length=32)
    # pending | sending | sent | failed | blocked | unreachable | cancelled
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _ts(nullable=False, default=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    acknowledged_at: datetime | None = _ts()
    error: str | None = Field(default=None, max_length=500)


class Lease(SQLModel, table=True):
    """A named role one process holds at a time (the scheduler's leadership), until `expires_at`."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = _ts(nullable=False)


# --- Learning and handoff -------------------------------------------------------------------------


class Feedback(SQLModel, table=True):
    """👍/👎 on an answer, or a question nobody could answer. Text is folded and redacted (core/privacy.py).

    `area_code` is the household's hamlet when it asked (none: only admins see the text); `contact_id` is kept
    only so that the household's deletion can erase its text, and is never shown.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # up | down | unanswered
    entry_id: str | None = Field(default=None, max_length=100, index=True)
    folded_question: str = Field(default="", sa_type=Text)
    channel: str = Field(default="", max_length=16)
    area_code: str | None = Field(default=None, max_length=32, index=True)
    contact_id: int | None = Field(default=None, index=True)
    created_at: datetime = _ts(nullable=False, default=True)


class HandoffQuestion(SQLModel, table=True):
    """A household's question for the people of its hamlet's digital team ("Hỏi cán bộ")."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    area_code: str | None = Field(default=None, max_length=32, index=True)
    text: str = Field(sa_type=Text)
    status: str = Field(default="open", max_length=16, index=True)  # open | answered
    created_at: datetime = _ts(nullable=False, default=True)
    reply_text: str | None = Field(default=None, sa_type=Text)
    replied_by: int | None = Field(default=None, foreign_key="official.id")
    replied_at: datetime | None = _ts()
    # How the reply reached the household: sent | stored (web/console) | unreachable | blocked | failed | shown
    # (displayed at their next message); `delivered_at` stays empty until it was sent or shown.
    delivery_status: str | None = Field(default=None, max_length=16)
    delivered_at: datetime | None = _ts()


class SelfCheckRecord(SQLModel, table=True):
    """A poverty self-check result, stored only when the household agreed."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    result: dict[str, Any] = _json(dict)
    created_at: datetime = _ts(nullable=False, default=True)
