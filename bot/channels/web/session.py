"""Who is chatting on the web: a server-minted, signed token in an HttpOnly cookie, stored only as its hash.

The token is `<random>.<HMAC-SHA256(SESSION_SECRET, "web-chat:" + random)>`: only this server can mint one, so
a cookie it did not sign (a script's random value, a value from before signing) is not a session but a new
visitor, and counts against the per-address limit on new sessions (`WEB_NEW_SESSIONS_PER_MINUTE`). The
database keeps SHA-256 of the whole token as the contact's user id, so someone who reads the database cannot
take over a household's chat by forging its cookie. Losing the cookie (another browser, cleared cookies)
starts a new conversation; nothing else identifies the household.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

CHANNEL = "web"
COOKIE_NAME = "giamngheo_chat"
COOKIE_MAX_AGE = 365 * 24 * 3600
NEW_SESSION_WINDOW = timedelta(minutes=1)
_TOKEN_RE = re.compile(r"^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$")


def _signature(nonce: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"web-chat:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def new_session_token(secret: str) -> str:
    """A fresh session token signed with `secret` (SESSION_SECRET)."""
    nonce = secrets.token_urlsafe(32)
    return f"{nonce}.{_signature(nonce, secret)}"


def valid_token(token: str | None, secret: str) -> bool:
    """Whether a cookie value is a token this server minted (anything else is a new visitor)."""
    match = _TOKEN_RE.match(token or "")
    return bool(match) and hmac.compare_digest(match.group(2), _signature(match.group(1), secret))


def user_id_for(token: str) -> str:
    """The contact's user id for a session token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_key(address: str) -> str:
    """The `core.rates` key counting new sessions opened from one client address."""
    return f"web:new-session:{address}"
