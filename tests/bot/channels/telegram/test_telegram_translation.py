"""Table-driven: a native Telegram update in, the `Inbound` out; a `Reply` in, Telegram messages out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.channels.telegram.render import keyboard, mark_chosen, messages
from bot.channels.telegram.updates import inbound_from_callback, inbound_from_membership, inbound_from_message
from bot.engine.types import Button, Inbound, Reply
from core import ui_texts as texts
from tests.kit import telegram_updates as tg

pytestmark = pytest.mark.no_database
CHAT = 77


def text(words: str) -> dict[str, Any]:
    return tg.text_message(CHAT, words)


def translate(update_json: dict[str, Any]) -> Inbound | None:
    update = Update.de_json({"update_id": 5, **update_json}, None)
    if update.callback_query:
        return inbound_from_callback(update, update.callback_query)
    if update.my_chat_member:
        return inbound_from_membership(update, update.my_chat_member)
    assert update.message is not None
    return inbound_from_message(update, update.message)


CASES: list[tuple[str, Callable[[], dict[str, Any]], tuple[str, str, str] | None]] = [
    ("plain text", lambda: text("hộ nghèo vay vốn"), ("text", "hộ nghèo vay vốn", "")),
    ("start", lambda: text("/start"), ("start", "/start", "")),
    ("start with a deep link", lambda: text("/start ap-thanh-an"), ("start", "/start ap-thanh-an", "")),
    ("start addressed to the bot", lambda: text("/start@giamngheo_bot"), ("start", "/start@giamngheo_bot", "")),
    ("a command keeps its text", lambda: text("/dangky ấp Thạnh An"), ("text", "/dangky ấp Thạnh An", "")),
    ("a tap", lambda: tg.callback_query(CHAT, "h:31338001"), ("button", "", "h:31338001")),
    ("sticker", lambda: tg.sticker_message(CHAT), ("unsupported", "", "")),
    ("photo", lambda: tg.photo_message(CHAT), ("unsupported", "", "")),
    ("photo with a caption", lambda: tg.photo_message(CHAT, "giấy này là gì"), ("unsupported", "", "")),
    ("voice", lambda: tg.voice_message(CHAT), ("unsupported", "", "")),
    ("location", lambda: tg.location_message(CHAT), ("unsupported", "", "")),
    ("document", lambda: tg.document_message(CHAT), ("unsupported", "", "")),
    ("blocked the bot", lambda: tg.my_chat_member(CHAT, "member", "kicked"), ("unfollow", "", "")),
    ("unblocked the bot", lambda: tg.my_chat_member(CHAT, "kicked", "member"), None),
    ("service message", lambda: tg.service_message(CHAT), None),
    ("group chat", lambda: tg.group_text_message(CHAT, "/start"), None),
]


@pytest.mark.parametrize(("update", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_native_updates_become_inbound(update, expected):
    inbound = translate(update())
    if expected is None:
        assert inbound is None
        return
    assert inbound is not None
    assert (inbound.kind, inbound.text, inbound.payload) == expected
    assert inbound.channel == "telegram" and inbound.user_id == str(CHAT) and inbound.message_id == "5"


def test_a_tap_without_callback_data_is_unsupported():
    update = tg.callback_query(CHAT, "x")
    del update["callback_query"]["data"]
    assert translate(update).kind == "unsupported"


def test_long_rows_wrap_at_eight_buttons():
    markup = keyboard([[Button(str(n), f"t:{n}") for n in range(19)], [Button("☰ Menu", "m")]])
    assert [len(row) for row in markup.inline_keyboard] == [8, 8, 3, 1]
    assert markup.inline_keyboard[2][0].callback_data == "t:16"


def test_a_reply_without_buttons_has_no_keyboard_and_an_empty_reply_sends_nothing():
    assert messages(Reply("Chào bạn")) == [messages(Reply("Chào bạn"))[0]]
    assert messages(Reply("Chào bạn"))[0].keyboard is None
    assert messages(Reply("")) == []


def test_buttons_without_text_still_get_a_message_to_hang_on():
    [message] = messages(Reply("", [[Button("Có", "f:delete:yes")]]))
    assert message.text == texts.get("telegram.choose") and message.keyboard is not None


def test_a_one_shot_tap_marks_its_row_and_leaves_the_others():
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:u:x"),
                                    InlineKeyboardButton("👎", callback_data="fb:d:x")],
                                   [InlineKeyboardButton("Vay vốn", callback_data="t:vay-von")]])
    marked = mark_chosen(markup, "fb:u:x")
    assert marked is not None
    assert [[b.text for b in row] for row in marked.inline_keyboard] == [["✓ 👍"], ["Vay vốn"]]
    assert mark_chosen(marked, "fb:u:x") is None  # already marked: no edit
    assert mark_chosen(markup, "t:vay-von") is None  # menus stay as they are
