"""Engine replies rendered for Zalo: 2,000-character parts, ≤ 5 buttons, payloads that come back as taps."""

from __future__ import annotations

import logging

import pytest

from bot.channels.zalo.render import TEXT_LIMIT, button_data, button_payload, render
from bot.engine.types import Button, Reply

pytestmark = pytest.mark.no_database


def buttons(count: int) -> list[list[Button]]:
    return [[Button(f"Mục {i}", f"t:topic{i}")] for i in range(1, count + 1)]


def test_long_text_is_split_at_2000_characters_with_buttons_on_the_last_part():
    text = "\n\n".join("Đoạn " + str(i) + " " + "vay vốn hộ nghèo " * 40 for i in range(8))
    messages = render([Reply(text, buttons(2))])
    assert len(messages) >= 3
    assert all(0 < len(m.message["text"]) <= TEXT_LIMIT for m in messages)
    assert [("attachment" in m.message) for m in messages] == [False] * (len(messages) - 1) + [True]
    assert "".join(m.message["text"] for m in messages).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")


def test_five_buttons_are_shown_as_oa_query_buttons():
    [message] = render([Reply("Chọn mục", buttons(5))])
    attachment = message.message["attachment"]
    assert attachment["type"] == "template"
    assert [b["title"] for b in attachment["payload"]["buttons"]] == [f"Mục {i}" for i in range(1, 6)]
    assert {b["type"] for b in attachment["payload"]["buttons"]} == {"oa.query.show"}
    assert message.choices is None


def test_seven_buttons_show_four_and_list_the_rest_as_numbers(caplog):
    caplog.set_level(logging.WARNING)
    [message] = render([Reply("Chọn mục", buttons(7))], button_type="oa.query.hide")
    shown = message.message["attachment"]["payload"]["buttons"]
    assert [b["title"] for b in shown] == ["Mục 1", "Mục 2", "Mục 3", "Mục 4"]
    assert {b["type"] for b in shown} == {"oa.query.hide"}
    assert message.message["text"].endswith("Hoặc gõ số để chọn:\n1. Mục 5\n2. Mục 6\n3. Mục 7")
    assert message.choices == {"1": "t:topic5", "2": "t:topic6", "3": "t:topic7"}
    assert "7 buttons" in caplog.text


def test_titles_are_cut_to_100_characters():
    [message] = render([Reply("x", [[Button("Nhãn rất dài " * 20, "m")]])])
    title = message.message["attachment"]["payload"]["buttons"][0]["title"]
    assert len(title) <= 100 and title.endswith("…")


@pytest.mark.parametrize("button", [Button("☰ Menu", "m"), Button("👍 Hữu ích", "fb:u:vay-ho-ngheo"),
                                    Button("Nhãn có #b: lạ", "h:31321.01"), Button("   ", "skip")])
def test_a_tapped_payload_gives_back_the_button_data(button):
    assert button_data(button_payload(button)) == button.data


@pytest.mark.parametrize("text", ["vay vốn", "#b:", "#b:   ", "", "hashtag #bánh"])
def test_ordinary_text_carries_no_button_data(text):
    assert button_data(text) is None


def test_a_reply_with_buttons_but_no_text_still_says_something():
    [message] = render([Reply("", buttons(1))])
    assert message.message["text"] == "Mời bạn chọn:"


def test_several_replies_keep_their_order_and_empty_ones_vanish():
    messages = render([Reply("một"), Reply("   "), Reply("hai", buttons(1))])
    assert [m.message["text"] for m in messages] == ["một\n\nhai"]


def test_replies_share_one_message_while_text_and_five_buttons_fit():
    messages = render([Reply("chào", buttons(2)), Reply("trả lời", buttons(3)), Reply("ấp nào?", buttons(2)),
                       Reply("x" * 1995)])
    assert [m.message["text"] for m in messages] == ["chào\n\ntrả lời", "ấp nào?", "x" * 1995]
    assert [len(m.message["attachment"]["payload"]["buttons"]) for m in messages[:2]] == [5, 2]


def test_a_voice_reply_degrades_to_its_text_with_a_logged_warning(caplog):
    caplog.set_level(logging.WARNING)
    [message] = render([Reply("Về: Vay vốn cho hộ nghèo", buttons(1), voice="Về: Vay vốn cho hộ nghèo")])
    assert message.message["text"].endswith("Về: Vay vốn cho hộ nghèo")
    assert "cannot send a voice message" in caplog.text
