"""The shared splitter and the button contract."""

import pytest

from bot.channels.base import buttons_as_text, split_text
from bot.engine.types import Button, Reply

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize("limit", [50, 200, 2000, 4096])
def test_split_text_keeps_every_character_and_respects_the_limit(limit):
    text = ("Câu một rất dài về vay vốn. " * 40 + "\n\n" + "Dòng hai.\n" * 30 + "x" * 5000).strip()
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_short_text_is_one_part_and_empty_text_is_none():
    assert split_text("chào", 10) == ["chào"]
    assert split_text("   ", 10) == []


def test_split_prefers_paragraph_breaks():
    assert split_text("a" * 30 + "\n\n" + "b" * 30, 40) == ["a" * 30, "b" * 30]


def test_button_data_over_64_bytes_is_refused():
    with pytest.raises(ValueError):
        Button("x", "ấ" * 30)


def test_buttons_degrade_to_numbered_lines():
    reply = Reply("chọn", [[Button("Vay vốn", "m:vay")], [Button("Dịch vụ công", "m:dvc")]])
    assert buttons_as_text(reply) == "1. Vay vốn\n2. Dịch vụ công"


def test_replies_join_into_one_message_where_they_fit_but_a_voice_reply_stays_its_own():
    from bot.channels.base import join_replies
    from bot.engine.types import Button, Reply

    one = [[Button("một", "m:1")]]
    joined = join_replies([Reply("chào", one), Reply("ấp nào?", one), Reply("x" * 30)], text_limit=20, max_buttons=5)
    assert [r.text for r in joined] == ["chào\n\nấp nào?", "x" * 30] and len(joined[0].all_buttons()) == 2
    spoken = join_replies([Reply("chào"), Reply("Về: Vay vốn", voice="Về: Vay vốn"), Reply("hết")],
                          text_limit=4096, max_buttons=20)
    assert [(r.text, r.voice) for r in spoken] == [("chào", None), ("Về: Vay vốn", "Về: Vay vốn"), ("hết", None)]
