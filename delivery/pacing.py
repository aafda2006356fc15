"""Per-channel pacing for the delivery worker: a global rate, a per-chat interval, and a pause after a 429.

All of it is in-process: one worker respects Telegram's ~30 messages/s per bot and ~1/s per chat. Running N
workers against one bot, set TELEGRAM_RATE_PER_SECOND to 30/N; a 429 pauses the worker that received it, and
the rows it held are pushed past the pause in the outbox so no other worker picks them up early.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.settings import Settings

_CHAT_MEMORY = 50_000  # per-chat timestamps kept before old ones are forgotten


@dataclass(frozen=True)
class ChannelLimits:
    """How fast one channel may be sent to: `rate` per second (0 = unlimited), seconds between two to a chat."""

    rate: float = 0.0
    per_chat_interval: float = 0.0

    @classmethod
    def for_channel(cls, channel: str, settings: Settings) -> ChannelLimits:
        if channel == "telegram" and settings.telegram_rate_limit_enabled:
            return cls(settings.telegram_rate_per_second, settings.telegram_per_chat_interval)
        if channel == "zalo":
            return cls(0.0, settings.zalo_per_user_interval)  # ZaloSender paces its own API calls
        return cls()


class ChannelPacer:
    """Hands out send slots for one channel. Times are `time.monotonic()` seconds."""

    def __init__(self, limits: ChannelLimits):
        self.interval = 1.0 / limits.rate if limits.rate > 0 else 0.0
        self.per_chat = limits.per_chat_interval
        self.paused_until = 0.0
        self._next_slot = 0.0
        self._chat_ready: dict[str, float] = {}

    def pause(self, seconds: float) -> float:
        """Stop the channel for `seconds` (a 429's retry_after); returns when it may resume."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)
        self._next_slot = max(self._next_slot, self.paused_until)
        return self.paused_until

    def paused_for(self) -> float:
        return max(0.0, self.paused_until - time.monotonic())

    def chat_wait(self, chat: str) -> float:
        """Seconds until `chat` may receive again."""
        return max(0.0, self._chat_ready.get(chat, 0.0) - time.monotonic())

    def take_chat(self, chat: str) -> None:
        """Hold the chat's turn from now, so a second message to it waits its interval."""
        if not self.per_chat:
            return
        now = time.monotonic()
        if len(self._chat_ready) > _CHAT_MEMORY:
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        self._chat_ready[chat] = now + self.per_chat

    def take_slot(self, chat: str) -> float:
        """Take the next global send slot; returns seconds to wait for it. Taken right before the call, so
        sends that were held up (a slow commit) cannot bunch together later."""
        now = time.monotonic()
        slot = max(now, self._next_slot, self.paused_until)
        self._next_slot = slot + self.interval
        if self.per_chat:
            self._chat_ready[chat] = max(self._chat_ready.get(chat, 0.0), slot + self.per_chat)
        return slot - now
