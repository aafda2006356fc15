"""Floods, bad input, stale buttons, restarts and failures: a polite reply, never a crash or lost state."""

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from bot.engine.flows import FLOWS
from bot.engine.types import Inbound
from core import clock
from core.answers.ranking import KnowledgeBase
from core.db import reset_engines, session_scope
from core.models import Contact, Subscription
from core.settings import get_settings

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
MENU = "☰ Menu"


async def contact_row(user_id: str = "u1") -> Contact:
    async with session_scope() as session:
        return (await session.exec(select(Contact).where(Contact.user_id == user_id))).one()


async def test_flood_guard_asks_every_message_over_the_limit_to_slow_down_until_the_minute_is_over(household, env):
    env.setenv("FLOOD_MAX_PER_MINUTE", "20")
    get_settings.cache_clear()
    clock.freeze(NOW)
    for _ in range(20):
        assert "chậm lại" not in (await household.say("menu"))[0].text
    for _ in range(6):
        clock.freeze(clock.now() + timedelta(seconds=5))
        replies = await household.say("menu")
        assert len(replies) == 1 and "chậm lại" in replies[0].text  # never silence
    row = await contact_row()
    assert row.flood_count == 26 and row.last_inbound_at == clock.now()
    clock.freeze(NOW + timedelta(seconds=61))
    assert "Vay vốn" in [b.label for b in (await household.say("menu"))[0].all_buttons()]
    assert (await contact_row()).flood_count == 1


async def test_button_taps_of_a_self_check_and_the_menu_do_not_use_up_the_message_limit(household, env):
    env.setenv("FLOOD_MAX_PER_MINUTE", "5")
    get_settings.cache_clear()
    clock.freeze(NOW)
    await household.say("menu")
    for _ in range(30):  # a long self-check plus browsing, all taps
        replies = await household.press("m")
        assert "chậm lại" not in replies[0].text
    for _ in range(4):
        assert "chậm lại" not in (await household.say("menu"))[0].text
    assert "chậm lại" in (await household.say("menu"))[0].text
    row = await contact_row()
    assert (row.flood_count, row.flood_taps) == (6, 30)


async def test_button_taps_have_their_own_ceiling(household, env):
    env.setenv("FLOOD_MAX_TAPS_PER_MINUTE", "10")
    get_settings.cache_clear()
    clock.freeze(NOW)
    for _ in range(10):
        assert "chậm lại" not in (await household.press("m"))[0].text
    assert "chậm lại" in (await household.press("m"))[0].text
    assert "chậm lại" not in (await household.say("menu"))[0].text


async def test_fifty_concurrent_messages_answer_exactly_the_limit_and_warn_the_rest(household, env):
    env.setenv("FLOOD_MAX_PER_MINUTE", "20")
    get_settings.cache_clear()
    await household.say("menu")  # the contact exists; its window starts with this message
    answers = await asyncio.gather(*(household.say("menu") for _ in range(49)))
    warned = [replies for replies in answers if len(replies) == 1 and "chậm lại" in replies[0].text]
    assert len(answers) - len(warned) == 19 and len(warned) == 30
    assert (await contact_row()).flood_count == 50


async def test_every_message_updates_last_inbound_and_reopens_an_unreachable_contact(household):
    clock.freeze(NOW)
    await household.start()
    async with session_scope() as session:
        row = (await session.exec(select(Contact))).one()
        row.unreachable_since = NOW
        session.add(row)
    clock.freeze(NOW + timedelta(days=3))
    await household.press("m")
    row = await contact_row()
    assert row.last_inbound_at == NOW + timedelta(days=3) and row.unreachable_since is None


async def test_stickers_photos_voice_and_locations_get_a_polite_reply(household):
    replies = await household.send(Inbound("console", "u1", "unsupported"))
    assert "chỉ đọc được tin nhắn chữ" in replies[0].text and "Vay vốn" in household.labels()


@pytest.mark.parametrize("text", ["", "   ", "\u200b\x00", "\n\t", "👍", "..."])
async def test_empty_text_gets_a_polite_reply(household, text):
    await household.start()
    replies = await household.say(text)
    assert replies and "bằng chữ" in replies[0].text


async def test_very_long_text_is_cut_and_answered(household):
    await household.start()
    await household.tap("Bỏ qua")
    replies = await household.say("vay vốn hộ nghèo " * 2000)
    assert replies and replies[0].text


@pytest.mark.parametrize("data", [
    "t:no-such-topic", "t:vay-von:abc", "t:vay-von:99999", "e:no-such-entry", "e:~0000000000000000",
    "fb:u:no-such-entry", "fb:x:vay-ho-ngheo", "fb", "h:99999", "h:31338", "c:zzz", "c:31338-thanh-an", "ap:x",
    "xyz", "cmd:drop-tables", "f:no-such-flow", "f:delete:y", "ack:999", "ack:abc", "ack:", "m:extra", "", ":",
    "💥",
])
async def test_stale_or_never_sent_button_data_gets_a_polite_reply_and_the_menu(household, data):
    await household.start()
    replies = await household.press(data)
    assert "đã cũ" in replies[0].text and "Vay vốn" in household.labels()
    assert await contact_row()  # nothing crashed, the contact is intact


async def test_a_page_beyond_the_last_shows_the_last_page(household):
    await household.start()
    await household.press("t:vay-von:99")
    assert "Xem thêm ›" not in household.labels() and "‹ Trang trước" in household.labels()


async def test_a_button_code_typed_as_text_acts_as_the_tap(household):
    """Zalo sends a tapped button's payload back as a text message."""
    await household.start()
    await household.say("t:vay-von")
    assert "Vay vốn (trang 1/" in household.text()


async def test_state_survives_a_restart(household, knowledge, another):
    await household.start()
    await household.tap("Xã Hỏa Lựu")
    assert (await contact_row()).state["flow"] == {"name": "hamlet"}
    reset_engines()  # a new process: new database engine, new knowledge base, no memory of the chat
    fresh = KnowledgeBase.from_directory(knowledge.entries[0].path.parent.parent)
    again = another(user_id="u1", knowledge=fresh)
    replies = await again.say("Thạnh Lợi")
    assert "Ấp Thạnh Lợi, Xã Hỏa Lựu" in replies[0].text
    assert (await contact_row()).hamlet_code == "31338-thanh-loi"


async def test_a_failing_step_is_undone_and_answered_politely(household, monkeypatch):
    async def broken_start(ctx, argument=""):
        ctx.state["half"] = "done"
        ctx.contact.hamlet_code = "31338-thanh-an"
        raise RuntimeError("boom")

    monkeypatch.setitem(FLOWS, "broken", SimpleNamespace(start=broken_start, step=broken_start))
    await household.start()
    replies = await household.press("f:broken")
    assert "trục trặc" in replies[0].text
    row = await contact_row()
    assert row.hamlet_code is None and "half" not in row.state
    await household.say("thanh an hoa tien")  # the conversation goes on
    assert (await contact_row()).hamlet_code == "31338-thanh-an"


async def test_two_first_messages_at_once_make_one_contact(another):
    first, second = another(user_id="same"), another(user_id="same")
    await asyncio.gather(first.start(), second.say("chào"))
    async with session_scope() as session:
        rows = (await session.exec(select(Contact).where(Contact.user_id == "same"))).all()
    assert len(rows) == 1


async def test_the_same_user_id_on_two_channels_is_two_households(another):
    telegram, zalo = another("telegram", "7"), another("zalo", "7")
    await telegram.say("/dangky thanh an hoa tien")
    await zalo.say("menu")
    async with session_scope() as session:
        assert len((await session.exec(select(Subscription))).all()) == 1
        assert len((await session.exec(select(Contact))).all()) == 2
