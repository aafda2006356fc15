"""Engine replies in Zalo's form: text parts of ≤ 2,000 characters and up to 5 `oa.query` buttons.

Button payload format: `"<label> #b:<Button.data>"`. A tap comes back as `user_send_text` whose text is the
payload (with `oa.query.show` Zalo also shows it in the chat, hence the readable label in front);
`button_data()` finds the data after the `#b:` mark. A reply with more than 5 buttons shows the first 4 as
buttons and the rest as numbered lines ("Hoặc gõ số để chọn:"); `OutgoingMessage.choices` maps those numbers
back to button data so a typed "2" still works as a tap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.channels.base import buttons_as_text, join_replies, split_text
from bot.engine.types import Button, Reply
from core import ui_texts as texts

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
MAX_BUTTONS = 5
TITLE_LIMIT = 100
BUTTON_MARK = "#b:"
PAYLOAD_LABEL_LIMIT = 60  # the label only makes the echoed payload readable; keep the payload short


@dataclass(frozen=True)
class OutgoingMessage:
    """One OA `message` object, and the typed numbers it offers in place of buttons (if any)."""

    message: dict[str, Any]
    choices: dict[str, str] | None = None


def button_payload(button: Button) -> str:
    """What a tap sends back to us as text."""
    label = " ".join(button.label.replace(BUTTON_MARK, " ").split())[:PAYLOAD_LABEL_LIMIT]
    return f"{label} {BUTTON_MARK}{button.data}" if label else f"{BUTTON_MARK}{button.data}"


def button_data(text: str) -> str | None:
    """The `Button.data` carried by a tapped button's text, or None for ordinary text."""
    _, mark, data = text.partition(BUTTON_MARK)
    data = data.strip()
    return data if mark and data else None


def render(replies: list[Reply], *, button_type: str = "oa.query.show") -> list[OutgoingMessage]:
    """Every reply as OA messages, in order, joined where text and buttons fit one message; buttons ride on
    the last part of their reply."""
    messages: list[OutgoingMessage] = []
    for reply in join_replies(replies, text_limit=TEXT_LIMIT, max_buttons=MAX_BUTTONS):
        messages.extend(_render_reply(reply, button_type))
    return messages


def _render_reply(reply: Reply, button_type: str) -> list[OutgoingMessage]:
    if reply.voice:
        # The OA API documented in channels.md has no audio upload, so a read-aloud request degrades to its text.
        log.warning("zalo cannot send a voice message: sending the text instead")
        reply = Reply(f"{texts.get('engine.voice.no_audio')}\n\n{reply.text}", reply.buttons)
    buttons = reply.all_buttons()
    shown, overflow = _fit_buttons(buttons)
    text = reply.text.strip()
    choices: dict[str, str] | None = None
    if overflow:
        log.warning("zalo reply has %d buttons: showing %d, the other %d as numbered text",
                    len(buttons), len(shown), len(overflow))
        listing = buttons_as_text(Reply("", [overflow]))
        text = f"{text}\n\n{texts.get('zalo.more_choices')}\n{listing}".strip()
        choices = {str(number): b.data for number, b in enumerate(overflow, start=1)}
    if not text and shown:
        text = texts.get("zalo.choose")
    parts = split_text(text, TEXT_LIMIT)
    messages = [OutgoingMessage({"text": part}) for part in parts]
    if messages and shown:
        last = messages[-1].message | {"attachment": _buttons_attachment(shown, button_type)}
        messages[-1] = OutgoingMessage(last, choices)
    elif messages and choices:
        messages[-1] = OutgoingMessage(messages[-1].message, choices)
    return messages


def _fit_buttons(buttons: list[Button]) -> tuple[list[Button], list[Button]]:
    """All of them when they fit in 5; otherwise the first 4, and the rest to be listed as text."""
    if len(buttons) <= MAX_BUTTONS:
        return buttons, []
    return buttons[: MAX_BUTTONS - 1], buttons[MAX_BUTTONS - 1:]


def _buttons_attachment(buttons: list[Button], button_type: str) -> dict[str, Any]:
    return {
        "type": "template",
        "payload": {"buttons": [
            {"title": _title(b.label), "type": button_type, "payload": button_payload(b)} for b in buttons
        ]},
    }


def _title(label: str) -> str:
    label = " ".join(label.split()) or "…"
    return label if len(label) <= TITLE_LIMIT else label[: TITLE_LIMIT - 1].rstrip() + "…"
