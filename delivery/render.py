"""A bulletin as households read it: its text (urgent or not) and the "Đã biết" button of one delivery."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.types import Button, Reply
from core import ui_texts as texts
from core.bulletins.service import bulletin_text


@dataclass(frozen=True)
class BulletinMessage:
    """A bulletin as households read it, rendered once per worker (only the button differs per delivery)."""

    text: str
    urgent: bool

    @classmethod
    def of(cls, title: str, body: str, urgent: bool, sender: str | None = None) -> BulletinMessage:
        return cls(bulletin_text(title, body, urgent=urgent, sender=sender), urgent)


def render_bulletin(message: BulletinMessage, delivery_id: int) -> Reply:
    """The bulletin with a "Đã biết" button that comes back as `ack:<delivery id>`."""
    return Reply(message.text, buttons=[[Button(texts.get("bulletins.ack_button"), f"ack:{delivery_id}")]])
