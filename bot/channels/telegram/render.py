"""Engine `Reply` → Telegram messages: text cut at 4,096 characters, buttons as an inline keyboard, and a reply
that asks to be heard (`Reply.voice`) as a voice note (sendVoice, OGG Opus from `core.speech`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.channels.base import join_replies, split_text
from bot.engine.types import Button, Reply
from core import ui_texts as texts
from core.speech import SpeechBackend, SpeechUnavailable

log = logging.getLogger("bot.channels.telegram")

MAX_BUTTONS_PER_ROW = 8  # more fit, but they become unreadable on a phone
# Replies of one turn are joined into one message up to this many buttons (Telegram allows 100; a phone
# shows about 20 before the household has to scroll the keyboard).
MAX_JOINED_BUTTONS = 20
# Answers cite their sources as links; previews would bury the answer and cost the household data.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Button kinds that count once (👍/👎, "Không đúng ý tôi", "Đã biết" on a bulletin): after a tap their row shows ✓.
ONE_SHOT_PREFIXES = ("fb:", "ack:", "no:")
CHOSEN_MARK = "✓ "


@dataclass(frozen=True)
class OutboundMessage:
    """One sendMessage call: plain text (no parse mode, so any character is safe) and an optional keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """The reply's button rows as an inline keyboard, long rows wrapped at 8 buttons."""
    out: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons = [b for b in row if _fits(b)]
        for start in range(0, len(buttons), MAX_BUTTONS_PER_ROW):
            out.append([InlineKeyboardButton(b.label, callback_data=b.data)
                        for b in buttons[start:start + MAX_BUTTONS_PER_ROW]])
    return InlineKeyboardMarkup(out) if out else None


def messages(reply: Reply) -> list[OutboundMessage]:
    """The messages one reply becomes; the keyboard goes under the last part so it is the one seen."""
    parts = split_text(reply.text, MessageLimit.MAX_TEXT_LENGTH)
    markup = keyboard(reply.buttons)
    if not parts and markup:
        parts = [texts.get("telegram.choose")]
    return [OutboundMessage(part, markup if i == len(parts) - 1 else None) for i, part in enumerate(parts)]


async def send_voice(bot: Bot, chat_id: int | str, reply: Reply, speech: SpeechBackend | None) -> Message | None:
    """A reply with `voice` as a voice note (OGG Opus, captioned with its text); None when no voice can be made,
    so the caller sends the text instead (logged)."""
    if speech is None or not reply.voice:
        return None
    try:
        clip = await speech.synthesize(reply.voice)
    except SpeechUnavailable as error:
        log.warning("voice answer sent as text: %s", error)
        return None
    caption = reply.text if len(reply.text) <= MessageLimit.CAPTION_LENGTH else ""
    return await bot.send_voice(chat_id=chat_id, voice=clip.data, filename=clip.filename, caption=caption or None,
                                reply_markup=keyboard(reply.buttons))


async def send_replies(bot: Bot, chat_id: int | str, replies: list[Reply],
                       speech: SpeechBackend | None = None) -> list[Message]:
    """Send every reply in order (a `voice` reply as a voice note when `speech` can make one); a Telegram error
    propagates after what was already sent."""
    sent = []
    for reply in join_replies(replies, text_limit=MessageLimit.MAX_TEXT_LENGTH, max_buttons=MAX_JOINED_BUTTONS):
        voice = await send_voice(bot, chat_id, reply, speech)
        if voice is not None:
            sent.append(voice)
            continue
        if reply.voice:
            reply = Reply(f"{texts.get('engine.voice.no_audio')}\n\n{reply.text}", reply.buttons)
        for message in messages(reply):
            sent.append(await bot.send_message(chat_id=chat_id, text=message.text, reply_markup=message.keyboard,
                                               link_preview_options=NO_PREVIEW))
    return sent


def mark_chosen(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The keyboard after a one-shot tap: the tapped button's row becomes "✓ label"; None when nothing changes."""
    if markup is None or not data.startswith(ONE_SHOT_PREFIXES):
        return None
    rows, changed = [], False
    for row in markup.inline_keyboard:
        tapped = next((b for b in row if b.callback_data == data), None)
        if tapped is not None and not tapped.text.startswith(CHOSEN_MARK):
            rows.append([InlineKeyboardButton(CHOSEN_MARK + tapped.text, callback_data=data)])
            changed = True
        else:
            rows.append(list(row))
    return InlineKeyboardMarkup(rows) if changed else None


def _fits(button: Button) -> bool:
    """`Button` already checks the 64-byte limit; this guards a label Telegram would refuse."""
    if button.label.strip() and len(button.data.encode()) <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        return True
    log.warning("dropping a button Telegram cannot show: %r", button)
    return False
