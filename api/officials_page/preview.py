"""How a bulletin will look on each channel, for the form's preview: rendered by the channels' own code.

The text is the one households receive (`schedules.delivery.render_bulletin`, sender included); each channel's
renderer then splits it as it would really be sent (Telegram at 4,096 characters, Zalo at 2,000), so the
official sees how many messages a long bulletin becomes and where the "Đã biết" button sits.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.telegram.render import messages as telegram_messages
from bot.channels.web import replies_to_json
from bot.channels.zalo.render import render as zalo_render
from delivery.render import BulletinMessage, render_bulletin

PREVIEW_DELIVERY_ID = 0  # the button's data is never used: the preview is not sent


@dataclass(frozen=True)
class ChannelPreview:
    """One channel: its name, the messages the bulletin becomes there, the button under the last one."""

    channel: str
    parts: list[str]
    buttons: list[str]


def message_previews(title: str, body: str, *, urgent: bool, sender: str | None) -> list[ChannelPreview]:
    """The bulletin as Telegram, Zalo and the web chat will show it."""
    reply = render_bulletin(BulletinMessage.of(title.strip(), body.strip(), urgent, sender), PREVIEW_DELIVERY_ID)
    labels = [button.label for button in reply.all_buttons()]
    telegram = [message.text for message in telegram_messages(reply)]
    zalo = [str(message.message.get("text", "")) for message in zalo_render([reply])]
    web = [item["text"] for item in replies_to_json([reply])]
    return [ChannelPreview("telegram", telegram, labels), ChannelPreview("zalo", zalo, labels),
            ChannelPreview("web", web, labels)]
