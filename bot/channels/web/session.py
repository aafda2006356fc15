"""Who is chatting on the web: a random opaque token in an HttpOnly cookie, stored only as its hash.

The database keeps SHA-256 of the token as the contact's user id, so someone who reads the database cannot
take over a household's chat by forging its cookie. Losing the cookie (another browser, cleared cookies)
starts a new conversation; nothing else identifies the household.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import deque

CHANNEL = "web"
COOKIE_NAME = "giamngheo_chat"
COOKIE_MAX_AGE = 365 * 24 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def valid_token(token: str | None) -> bool:
    """Whether a cookie value has the shape of a token we issue (anything else gets a fresh session)."""
    return bool(token and _TOKEN_RE.match(token))


def user_id_for(token: str) -> str:
    """The contact's user id for a session token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


class NewSessionLimiter:
    """At most `per_minute` new sessions per client address in any 60 s (in this process), so a script cannot
    mint cookies to create contacts without end. Addresses seen are forgotten once their window is empty."""

    def __init__(self) -> None:
        self._opened: dict[str, deque[float]] = {}

    def allow(self, address: str, per_minute: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        for key in [k for k, times in self._opened.items() if times and now - times[-1] >= 60]:
            del self._opened[key]  # keeps the table as small as the last minute's visitors
        times = self._opened.setdefault(address, deque())
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) >= per_minute:
            return False
        times.append(now)
        return True
