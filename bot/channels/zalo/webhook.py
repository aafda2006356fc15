"""Zalo OA webhook: the signature, the freshness check, and each event turned into one `ZaloEvent`.

Signature (header `X-ZEvent-Signature: mac=<hex>`): hex = SHA-256 (plain, not HMAC) of
app_id + raw body + timestamp + OA secret key, with app_id and timestamp read from the JSON body.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

EventKind = Literal["text", "follow", "unfollow", "voice", "unsupported"]

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
        kind: EventKind = "follow" if name == "follow" else "unfollow"
        return ZaloEvent(_key(f"{name}:{user_id}:{body.get('timestamp')}"), kind, user_id)
    if name != "user_send_text" and name not in UNSUPPORTED_EVENTS:
        return None
    user_id = _id_of(body.get("sender"))
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    msg_id = message.get("msg_id")
    if not user_id or not isinstance(msg_id, str | int) or not str(msg_id):
        return None
    if name == "user_send_text" and isinstance(message.get("text"), str):
        return ZaloEvent(_key(str(msg_id)), "text", user_id, message["text"], str(msg_id))
    kind = "voice" if name == "user_send_audio" else "unsupported"  # a voice note: "cannot listen yet"
    return ZaloEvent(_key(str(msg_id)), kind, user_id, "", str(msg_id))


def _key(event_id: str) -> str:
    """The `ProcessedEvent` key: "zalo:<msg_id>", hashed when too long for the column."""
    key = f"zalo:{event_id}"
    return key if len(key) <= 200 else "zalo:#" + hashlib.sha256(event_id.encode()).hexdigest()


def _id_of(party: Any) -> str | None:
    if isinstance(party, dict) and isinstance(party.get("id"), str | int) and str(party["id"]):
        return str(party["id"])
    return None
