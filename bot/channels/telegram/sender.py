"""`TelegramSender`: the delivery worker's way to push replies (bulletins) to Telegram chats.

    async with TelegramSender(settings) as sender:
        result = await sender.send("123456789", [Reply("📢 Bản tin …", [[Button("Đã biết", "ack:42")]])])

A plain `Bot` without PTB's `AIORateLimiter`: the worker paces 30/s per bot and 1/s per chat itself and
must see every 429. Outcomes: RetryAfter → retry (with retry_after), Forbidden (blocked, deactivated) and
"chat not found" → blocked, network errors and timeouts → retry, anything else → failed. A reply longer
than 4,096 characters goes out in parts; if a later part fails, the earlier ones were delivered and a retry
sends them again — bulletins (≤ 3,500 characters) are always one message.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from datetime import timedelta

import httpx
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import SendResult
from bot.channels.telegram.logs import LOGGER_NAME, describe, guard
from bot.channels.telegram.render import NO_PREVIEW, messages
from bot.engine.types import Reply
from core.settings import Settings, get_settings

log = logging.getLogger(LOGGER_NAME)
# httpcore's pool does work proportional to its size on every request, so many small pools ("lanes") used in
# turn send faster than one big one (measured against the loopback fake, 32 sends in flight: one pool of 32
# ≈ 300 messages/s, 16 lanes of 2 ≈ 1,200/s).
CONNECTIONS_PER_LANE = 2
GONE_CHAT_ERRORS = ("chat not found", "user not found", "peer_id_invalid")
# PTB 22 warns whenever RetryAfter.retry_after is read (its own constructor reads it); both types are handled.
warnings.filterwarnings("ignore", message=".*`retry_after` will be of type", category=PTBDeprecationWarning)


class TelegramSender:
    """Sends engine replies to one Telegram chat at a time; cheap to call thousands of times."""

    channel = "telegram"

    def __init__(self, settings: Settings | None = None, *, connections: int | None = None):
        settings = settings or get_settings()
        if settings.telegram_bot_token is None or not settings.telegram_enabled:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        token = settings.telegram_bot_token.get_secret_value()
        guard(token)
        total = max(1, connections or settings.telegram_send_connections)
        lanes = max(1, total // CONNECTIONS_PER_LANE)
        tls = httpx.create_ssl_context()  # one for all lanes: loading the CA bundle costs ~40 ms each time
        self._requests = [HTTPXRequest(connection_pool_size=min(total, CONNECTIONS_PER_LANE), pool_timeout=30.0,
                                       connect_timeout=10.0, read_timeout=15.0, write_timeout=15.0,
                                       httpx_kwargs={"verify": tls})
                          for _ in range(lanes)]
        self._bots = [Bot(token, base_url=settings.telegram_api_base_url,
                          base_file_url=settings.telegram_file_base_url, request=request,
                          get_updates_request=request)  # never polls; PTB would build a client for it
                      for request in self._requests]
        self._next_bot = itertools.cycle(self._bots)

    async def start(self) -> None:
        """Open the connection pools (sending also works without it; `close` releases them)."""
        for request in self._requests:
            await request.initialize()

    async def close(self) -> None:
        for request in self._requests:
            await request.shutdown()

    async def __aenter__(self) -> TelegramSender:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def send(self, user_id: str, replies: list[Reply]) -> SendResult:
        """Send every reply to the chat `user_id`; the first error decides the outcome."""
        bot = next(self._next_bot)
        try:
            for reply in replies:
                for message in messages(reply):
                    await bot.send_message(chat_id=user_id, text=message.text, reply_markup=message.keyboard,
                                           link_preview_options=NO_PREVIEW)
        except TelegramError as error:
            return outcome(error)
        return SendResult("sent")


def outcome(error: TelegramError) -> SendResult:
    """What the delivery worker should do after this Bot API error."""
    text = describe(error)
    if isinstance(error, RetryAfter):
        return SendResult("retry", retry_after=retry_after_seconds(error), error=text)
    if isinstance(error, Forbidden):
        return SendResult("blocked", error=text)
    if isinstance(error, BadRequest):  # before NetworkError: PTB's BadRequest subclasses it
        gone = any(marker in error.message.lower() for marker in GONE_CHAT_ERRORS)
        return SendResult("blocked" if gone else "failed", error=text)
    if isinstance(error, (TimedOut, NetworkError)):
        return SendResult("retry", error=text)
    return SendResult("failed", error=text)


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds to wait; PTB 22 returns an int, later versions a timedelta."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
