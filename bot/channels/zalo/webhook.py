"""Zalo OA webhook: the signature, the freshness check, and each event turned into one `ZaloEvent`.

Signature (header `X-ZEvent-Signature: mac=<hex>`): hex = SHA-256 (plain, not HMAC) of
app_id + raw body + timestamp + OA secret key, with app_id and timestamp read from the JSON body.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal

from core.models import Contact
from core.safe_text import is_safe_id, scrub

log = logging.getLogger(__name__)

EventKind = Literal["text", "follow", "unfollow", "unsupported"]

# Messages a household sends that we cannot read: a polite reply says so.
UNSUPPORTED_EVENTS = frozenset({
    "user_send_image", "user_send_gif", "user_send_sticker", "user_send_audio", "user_send_video",
    "user_send_location", "user_send_file", "user_send_link", "user_send_business_card",
})


@dataclass(frozen=True)
class ZaloEvent:
    """What we keep of one webhook event: enough to rebuild the engine's `Inbound`, and its dedupe key."""

    key: str
    kind: EventKind
    user_id: str
    text: str = ""
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZaloEvent:
        return cls(**{k: data.get(k) for k in ("key", "kind", "user_id", "text", "message_id")})


def expected_signature(raw_body: bytes, app_id: str, timestamp: str, secret: str) -> str:
    """The hex digest Zalo puts after `mac=`."""
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw_body)
    digest.update(timestamp.encode())
    digest.update(secret.encode())
    return digest.hexdigest()


def signature_is_valid(raw_body: bytes, body: dict[str, Any], header: str | None, secret: str) -> bool:
    """Whether `X-ZEvent-Signature` matches the body (constant-time comparison)."""
    if not header or not secret:
        return False
    given = header.strip()
    given = given[4:] if given.lower().startswith("mac=") else given
    app_id, timestamp = body.get("app_id"), body.get("timestamp")
    if not isinstance(app_id, str | int) or not isinstance(timestamp, str | int):
        return False
    expected = expected_signature(raw_body, str(app_id), str(timestamp), secret)
    return secrets.compare_digest(given.lower().encode(), expected.encode())


_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')
MAX_TIMESTAMP_CANDIDATES = 4


def signed_timestamp(raw_body: bytes, header: str | None, app_id: str, secret: str) -> str | None:
    """The `timestamp` the signature was made with, found in the raw body before it is parsed; None: not signed.

    The signature covers app_id + body + timestamp, and the timestamp sits inside the body: its first few
    `"timestamp": …` occurrences are tried, so an unsigned body is refused without parsing it. The caller then
    checks that the parsed event's own app_id and timestamp are the ones signed.
    """
    if not header or not secret:
        return None
    given = header.strip()
    given = (given[4:] if given.lower().startswith("mac=") else given).lower().encode()
    for match in islice(_TIMESTAMP.finditer(raw_body), MAX_TIMESTAMP_CANDIDATES):
        timestamp = match.group(1).decode()
        if secrets.compare_digest(given, expected_signature(raw_body, app_id, timestamp, secret).encode()):
            return timestamp
    return None


def event_time(body: dict[str, Any]) -> datetime | None:
    """The event's `timestamp` (milliseconds since the epoch) as aware UTC, or None when unreadable."""
    raw = body.get("timestamp")
    try:
        millis = int(str(raw))
        return datetime.fromtimestamp(millis / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def is_fresh(body: dict[str, Any], now: datetime, max_age_seconds: int) -> bool:
    """Whether the event is neither older than `max_age_seconds` nor as far in the future (replay guard)."""
    sent = event_time(body)
    return sent is not None and abs((now - sent).total_seconds()) <= max_age_seconds


def parse_event(body: dict[str, Any]) -> ZaloEvent | None:
    """The event as the adapter handles it, or None for events we ignore (seen, received, OA echoes…)."""
    name = str(body.get("event_name") or "")
    if name in ("follow", "unfollow"):
        user_id = _id_of(body.get("follower")) or _id_of(body.get("sender"))
        if not user_id:
            return None
        if not _storable(user_id, USER_ID_MAX):
            return None
        kind: EventKind = "follow" if name == "follow" else "unfollow"
        return ZaloEvent(_key(f"{name}:{user_id}:{body.get('timestamp')}"), kind, user_id)
    if name != "user_send_text" and name not in UNSUPPORTED_EVENTS:
        return None
    user_id = _id_of(body.get("sender"))
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    msg_id = message.get("msg_id")
    if not user_id or not isinstance(msg_id, str | int) or not str(msg_id):
        return None
    if not _storable(user_id, USER_ID_MAX) or not _storable(str(msg_id), MSG_ID_MAX):
        return None
    if name == "user_send_text" and isinstance(message.get("text"), str):
        return ZaloEvent(_key(str(msg_id)), "text", user_id, scrub(message["text"]), str(msg_id))
    return ZaloEvent(_key(str(msg_id)), "unsupported", user_id, "", str(msg_id))


# Ids are stored: the sender in contact.user_id, the msg_id in the event key (hashed when long, see `_key`).
USER_ID_MAX: int = Contact.__table__.c.user_id.type.length  # type: ignore[attr-defined]
MSG_ID_MAX = 1_000


def _storable(value: str, max_length: int) -> bool:
    """Whether an id fits its column; an event with one that does not is dropped here, with a log line, rather
    than accepted and failing in the worker on every retry."""
    if is_safe_id(value, max_length):
        return True
    log.warning("zalo webhook: event dropped, an id is %d characters or holds characters that cannot be stored",
                len(value))
    return False


def _key(event_id: str) -> str:
    """The `ProcessedEvent` key: "zalo:<msg_id>", hashed when too long for the column."""
    key = f"zalo:{event_id}"
    return key if len(key) <= 200 else "zalo:#" + hashlib.sha256(event_id.encode()).hexdigest()


def _id_of(party: Any) -> str | None:
    if isinstance(party, dict) and isinstance(party.get("id"), str | int) and str(party["id"]):
        return str(party["id"])
    return None
