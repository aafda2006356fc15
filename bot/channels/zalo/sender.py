"""`ZaloSender`: engine replies to one Zalo user through OA API v3, with Zalo's errors turned into outcomes.

Zalo error codes (HTTP 200, `{"error": n}`): -216/-220 token invalid/expired → refresh once and retry once;
-230/-232 user outside the 7-day window → "unreachable", recorded on the contact, never retried;
-213/-227 not following / banned or inactive → "blocked"; -32 rate limit → "retry" after a back-off;
5xx or network → "retry"; anything else → "failed".
A reply split over several messages is sent in order; once a part is out, a transient error on a later part
is retried here (briefly) rather than reported, because the caller's retry would send the first part twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from bot.channels.base import SendResult
from bot.channels.zalo.client import OaAnswer, OaClient, ZaloAuthError, ZaloTransportError
from bot.channels.zalo.contacts import record_unreachable, save_choices
from bot.channels.zalo.render import OutgoingMessage, render
from bot.channels.zalo.tokens import ZaloTokens
from bot.engine.types import Reply
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({-216, -220})
UNREACHABLE_ERRORS = frozenset({-230, -232})
BLOCKED_ERRORS = frozenset({-213, -227})
RATE_LIMITED = -32
TRANSIENT_RETRY_SECONDS = 5.0
LATER_PART_ATTEMPTS = 3


class RateLimiter:
    """At most `rate` calls a second in this process (evenly spaced); rate ≤ 0 lifts the limit."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class ZaloSender:
    """The Zalo `ChannelSender` for the delivery worker and for conversation replies."""

    channel = "zalo"

    def __init__(self, settings: Settings | None = None, *, client: OaClient | None = None):
        self.settings = settings or get_settings()
        self.client = client or OaClient(self.settings)
        self.tokens = ZaloTokens(self.client, self.settings)
        self.limiter = RateLimiter(self.settings.zalo_rate_per_second)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, user_id: str, replies: list[Reply]) -> SendResult:
        """Send every reply to `user_id`; the first part's outcome decides, later parts are retried briefly."""
        messages = render(replies, button_type=self.settings.zalo_button_type)
        for index, outgoing in enumerate(messages):
            result = await self._send_part(user_id, outgoing.message, patient=index > 0)
            if result.status != "sent":
                if index > 0:
                    log.warning("zalo reply cut short after %d of %d parts: %s", index, len(messages), result.error)
                return result
        await self._keep_choices(user_id, messages)
        return SendResult("sent")

    async def _send_part(self, user_id: str, message: dict[str, Any], *, patient: bool) -> SendResult:
        attempts = LATER_PART_ATTEMPTS if patient else 1
        result = SendResult("retry")
        for attempt in range(1, attempts + 1):
            result = await self._send_once(user_id, message)
            if result.status != "retry" or attempt == attempts:
                break
            await asyncio.sleep(min(result.retry_after or 1.0, self.settings.zalo_reply_retry_max_wait_seconds))
        return result

    async def _send_once(self, user_id: str, message: dict[str, Any]) -> SendResult:
        """One message, refreshing the token once if Zalo rejects it."""
        try:
            token = await self.tokens.current()
            await self.limiter.wait()
            answer = await self.client.send_message(token, user_id, message)
            if answer.error in TOKEN_ERRORS:
                log.info("zalo rejected the access token (%d): refreshing once", answer.error)
                token = await self.tokens.after_rejection(token)
                await self.limiter.wait()
                answer = await self.client.send_message(token, user_id, message)
        except ZaloTransportError as exc:
            return SendResult("retry", TRANSIENT_RETRY_SECONDS, str(exc))
        except ZaloAuthError as exc:
            return SendResult("retry", self.settings.zalo_rate_limit_backoff_seconds, str(exc))
        return await self._outcome(user_id, answer)

    async def _outcome(self, user_id: str, answer: OaAnswer) -> SendResult:
        code = answer.error
        error = f"zalo error {code}: {answer.message}"[:500]
        if code == 0:
            return SendResult("sent")
        if code in UNREACHABLE_ERRORS:
            await record_unreachable(user_id)
            return SendResult("unreachable", error=error)
        if code in BLOCKED_ERRORS:
            return SendResult("blocked", error=error)
        if code == RATE_LIMITED:
            return SendResult("retry", self.settings.zalo_rate_limit_backoff_seconds, error)
        if code in TOKEN_ERRORS:
            return SendResult("retry", self.settings.zalo_rate_limit_backoff_seconds, error)
        log.warning("zalo refused a message: %s", error)
        return SendResult("failed", error=error)

    async def _keep_choices(self, user_id: str, messages: list[OutgoingMessage]) -> None:
        choices = next((m.choices for m in reversed(messages) if m.choices), None)
        if choices:
            await save_choices(user_id, choices)
