"""Engine replies in the JSON shape the web page renders: text, and rows of buttons (label + data)."""

from __future__ import annotations

from typing import Any

from bot.engine.types import Reply


def replies_to_json(replies: list[Reply]) -> list[dict[str, Any]]:
    return [
        {"text": reply.text,
         "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons if row]}
        for reply in replies
    ]
