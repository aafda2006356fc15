"""Native Telegram updates → `Inbound`, the one message type the engine understands.

- Text, including commands: kind "text" with the text as typed ("/dangky ấp Thạnh An"), so the engine parses
  commands the same way on every channel; `/start` (with or without a deep-link argument) is kind "start".
- A tap on an inline button: kind "button" with the callback data as payload (a button without data → unsupported).
- A voice message or an audio file: kind "voice" (the engine says kindly that it cannot listen yet).
- Anything else the household sent that is not text (sticker, photo — even with a caption —, video,
  location, document, contact, poll…): kind "unsupported", so the engine answers politely.
- Blocking the bot (`my_chat_member` → "kicked"): kind "unfollow", so subscriptions stop.
- Service messages (pins, timers…), group chats and channels: None, ignored — giamngheo talks to households
  in private chats only. Edited messages are not converted here; see `handlers.on_edited`.
"""

from __future__ import annotations

from telegram import CallbackQuery, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.engine.types import Inbound

CHANNEL = "telegram"


def inbound_from_message(update: Update, message: Message) -> Inbound | None:
    """A household's message as `Inbound`, or None for what needs no answer."""
    if message.chat.type != ChatType.PRIVATE:
        return None
    user_id, event_id = str(message.chat.id), str(update.update_id)
    if message.text is not None:
        kind = "start" if _is_start(message) else "text"
        return Inbound(CHANNEL, user_id, kind, text=message.text, message_id=event_id)
    if message.voice or message.audio or message.video_note:
        return Inbound(CHANNEL, user_id, "voice", message_id=event_id)
    if _has_content(message):
        return Inbound(CHANNEL, user_id, "unsupported", message_id=event_id)
    return None


def inbound_from_callback(update: Update, query: CallbackQuery) -> Inbound | None:
    """A button tap as `Inbound`; taps outside private chats are ignored."""
    message = query.message
    if message is not None and message.chat.type != ChatType.PRIVATE:
        return None
    user_id, event_id = str(query.from_user.id), str(update.update_id)
    if not query.data:
        return Inbound(CHANNEL, user_id, "unsupported", message_id=event_id)
    return Inbound(CHANNEL, user_id, "button", payload=query.data, message_id=event_id)


def inbound_from_membership(update: Update, change: ChatMemberUpdated) -> Inbound | None:
    """The household blocked the bot: "unfollow". Unblocking needs no event: they write /start again."""
    if change.chat.type != ChatType.PRIVATE or change.new_chat_member.status != ChatMemberStatus.BANNED:
        return None
    return Inbound(CHANNEL, str(change.chat.id), "unfollow", message_id=str(update.update_id))


def _is_start(message: Message) -> bool:
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    return command.split("@", 1)[0].lower() == "/start"


def _has_content(message: Message) -> bool:
    """Whether the household sent something (media, place, contact…) rather than a service notice."""
    return bool(message.effective_attachment or message.location or message.venue or message.contact
                or message.poll or message.dice or message.caption)
