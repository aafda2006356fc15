"""Commands, their Vietnamese aliases and plain-text forms, and button data."""

import pytest

from bot.engine import payloads
from bot.engine.commands import Command, is_unknown_slash_command, parse_command
from bot.engine.render import entry_buttons, menu_buttons
from bot.engine.types import CALLBACK_MAX_BYTES
from core.answers.ranking import get_knowledge_base

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(("text", "expected"), [
    ("/start", Command("start")),
    ("/start@giamngheo_bot", Command("start")),
    ("/menu", Command("menu")),
    ("menu", Command("menu")),
    ("/help", Command("help")),
    ("/huongdan", Command("help")),
    ("hướng dẫn", Command("help")),
    ("/subscribe", Command("subscribe")),
    ("/dangky ấp Thạnh An", Command("subscribe", "ấp Thạnh An")),
    ("/subscribe 31338-thanh-an", Command("subscribe", "31338-thanh-an")),
    ("đăng ký", Command("subscribe")),
    ("dang ky", Command("subscribe")),
    ("Đăng ký nhận tin ấp Thạnh Hòa", Command("subscribe", "Thạnh Hòa")),
    ("dang ky nhan tin ap thanh hoa", Command("subscribe", "thanh hoa")),
    ("đăng ký ấp Tân Phú", Command("subscribe", "Tân Phú")),
    ("/unsubscribe", Command("unsubscribe")),
    ("/huydangky", Command("unsubscribe")),
    ("hủy đăng ký", Command("unsubscribe")),
    ("huy dang ky", Command("unsubscribe")),
    ("Dừng", Command("unsubscribe")),
    ("dừng!", Command("unsubscribe")),
    ("STOP", Command("unsubscribe")),
    ("/bulletins", Command("bulletins")),
    ("/bantin", Command("bulletins")),
    ("bản tin", Command("bulletins")),
    ("ban tin", Command("bulletins")),
    ("/mydata", Command("mydata")),
    ("/dulieucuatoi", Command("mydata")),
    ("dữ liệu của tôi", Command("mydata")),
    ("/deletedata", Command("deletedata")),
    ("/xoadulieu", Command("deletedata")),
    ("xoa du lieu", Command("deletedata")),
    ("/hoicanbo", Command("handoff")),
    ("/hoicanbo lãi suất bao nhiêu", Command("handoff", "lãi suất bao nhiêu")),
])
def test_commands_with_aliases_and_plain_forms(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", [
    "đăng ký hộ nghèo như thế nào",  # a question about registering, not a subscription
    "đúng",  # folds to "dung" like "dừng", but means "right"
    "dung",
    "dùng VNeID thế nào",
    "vay vốn hộ nghèo",
    "",
    "/",
])
def test_questions_and_look_alikes_are_not_commands(text):
    assert parse_command(text) is None


def test_an_unknown_slash_command_is_recognised_as_such():
    assert is_unknown_slash_command("/abc")
    assert not is_unknown_slash_command("/menu")
    assert not is_unknown_slash_command("vay vốn")


def test_every_entry_fits_in_button_data_and_resolves_back():
    knowledge = get_knowledge_base()
    for entry in knowledge.entries:
        for row in entry_buttons(entry.id, []):
            for button in row:
                assert len(button.data.encode()) <= CALLBACK_MAX_BYTES
        assert payloads.find_entry(knowledge.by_id, payloads.entry_ref(entry.id)) is entry


def test_a_long_entry_id_is_replaced_by_a_stable_hash():
    long_id = "mot-muc-rat-dai-" * 5
    ref = payloads.entry_ref(long_id)
    assert ref.startswith("~") and len(f"fb:u:{ref}".encode()) <= CALLBACK_MAX_BYTES
    assert ref == payloads.entry_ref(long_id)


def test_only_exact_button_codes_read_as_taps():
    assert all(payloads.is_payload_text(b.data) for row in menu_buttons() for b in row)
    assert payloads.is_payload_text("ack:12")
    assert not payloads.is_payload_text("vay vốn")
    assert not payloads.is_payload_text("t")
    assert not payloads.is_payload_text("lúc 7:30 họp")
