"""What every channel adapter shares: splitting long text, degrading buttons, and the sender contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.engine.types import Reply

SendStatus = Literal["sent", "retry", "blocked", "unreachable", "failed"]


@dataclass(frozen=True)
class SendResult:
    """The outcome of one outbound message, as the delivery worker needs it.

    sent: delivered. retry: try later (rate limit or transient error; `retry_after` seconds if the platform
    said). blocked: the user blocked the bot or is gone, stop their subscriptions. unreachable: the channel
    refuses to reach this user now (Zalo outside its 7-day window). failed: a permanent error.
    """

    status: SendStatus
    retry_after: float | None = None
    error: str | None = None


class ChannelSender(Protocol):
    """Sends engine replies to one user of one channel; used by the delivery worker and by replies to
    handoff questions."""

    channel: str

    async def send(self, user_id: str, replies: list[Reply]) -> SendResult: ...


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then sentence, then word boundaries so each part ≤ `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(separator)
            if cut > limit // 3:
                cut += len(separator)
                break
        if cut <= limit // 3:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def join_replies(replies: list[Reply], *, text_limit: int, max_buttons: int) -> list[Reply]:
    """The replies as few messages as the channel allows: a reply joins the one before it when their texts
    together fit `text_limit` and their buttons `max_buttons`, buttons kept in order under the joined text.

    Every message is a platform call (Telegram allows a bot 30 a second), so a new household's welcome,
    answer and "Bạn ở ấp nào?" go out as one message where they fit (issue 14).
    """
    joined: list[Reply] = []
    for reply in replies:
        if joined and reply.voice is None and joined[-1].voice is None:  # a voice reply stays its own message
            last = joined[-1]
            first, then = last.text.strip(), reply.text.strip()
            text = f"{first}\n\n{then}" if first and then else first or then
            buttons = len(last.all_buttons()) + len(reply.all_buttons())
            if len(text) <= text_limit and buttons <= max_buttons:
                joined[-1] = Reply(text, [*last.buttons, *reply.buttons])
                continue
        joined.append(reply)
    return joined


def buttons_as_text(reply: Reply) -> str:
    """A reply's buttons as numbered lines, for channels (or limits) where buttons cannot be shown."""
    labels = [b.label for b in reply.all_buttons()]
    return "\n".join(f"{i}. {label}" for i, label in enumerate(labels, start=1))
