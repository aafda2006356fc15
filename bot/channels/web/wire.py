"""Engine replies in the JSON shape the web page renders: text, rows of buttons (label + data), and the text to
read aloud when the household asked to hear an answer (`voice`, else null)."""

from __future__ import annotations

from typing import Any

from bot.engine.types import Reply


def replies_to_json(replies: list[Reply]) -> list[dict[str, Any]]:
    return [
        {"text": reply.text,
         "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons if row],
         "voice": reply.voice}
        for reply in replies
    ]
