"""What channels hand to the engine (`Inbound`) and what the engine hands back (`Reply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

InboundKind = Literal["text", "button", "start", "follow", "unfollow", "unsupported"]
CALLBACK_MAX_BYTES = 64  # Telegram's callback_data limit; Zalo payloads are kept as short


@dataclass(frozen=True)
class Button:
    """A tappable choice. `data` comes back as `Inbound.payload` (≤ 64 bytes UTF-8)."""

    label: str
    data: str

    def __post_init__(self) -> None:
        if not self.data or len(self.data.encode()) > CALLBACK_MAX_BYTES:
            raise ValueError(f"button data must be 1–{CALLBACK_MAX_BYTES} bytes: {self.data!r}")


@dataclass
class Reply:
    """One message to the household: text and optional rows of buttons."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


@dataclass(frozen=True)
class Inbound:
    """A message or tap from a household, whatever channel it came through.

    kind: "text" (free text or a command), "button" (a tap; `payload` holds `Button.data`), "start"
    (first contact), "follow"/"unfollow" (Zalo OA), "unsupported" (sticker, photo, voice, location…).
    """

    channel: str
    user_id: str
    kind: InboundKind = "text"
    text: str = ""
    payload: str = ""
    message_id: str | None = None
    #: Where the message came from beyond the channel's user id: the web chat's client address. Limits that
    #: cannot trust the user id (web sessions are free to open) also count by it; None on other channels.
    origin: str | None = None
