"""The real app polls the fake Bot API: updates in, the engine's replies out, over HTTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlmodel import select

from core import ui_texts as texts
from core.db import session_scope
from core.models import Contact, Subscription
from tests.bot.channels.telegram.kit import CHAT
from tests.kit.telegram_api import FakeTelegramAPI
from tests.kit.telegram_state import Call
from tests.kit.telegram_updates import (
    callback_query,
    document_message,
    edited_text_message,
    group_text_message,
    location_message,
    my_chat_member,
    photo_message,
    service_message,
    sticker_message,
    text_message,
    voice_message,
)


async def say(fake: FakeTelegramAPI, text: str, replies: int = 1) -> list[Call]:
    """Send a text as the household; the `replies` messages the bot sends back (and any more, once it is quiet)."""
    return await _exchange(fake, lambda: fake.push_update(text_message(CHAT, text)), replies)


async def tap(fake: FakeTelegramAPI, data: str, replies: int = 1) -> list[Call]:
    """Tap the button with this data on the last message that has it."""
    return await _exchange(fake, lambda: fake.tap(CHAT, data), replies)


async def _exchange(fake: FakeTelegramAPI, act: Callable[[], int], replies: int) -> list[Call]:
    """Wait for every expected reply (a condition, however slow the machine), then for quiet to catch extras."""
    before = len(fake.calls("sendMessage", chat_id=CHAT))
    act()
    await fake.await_calls("sendMessage", before + replies, chat_id=CHAT, within=30)
    await fake.await_quiet()
    return fake.calls("sendMessage", chat_id=CHAT)[before:]


async def onboard(fake: FakeTelegramAPI, hamlet: bool = False) -> str | None:
    """/start, then choose the first hamlet of the first commune (or skip); returns the hamlet's button data."""
    [question] = await say(fake, "/start")
    if not hamlet:
        await tap(fake, "skip")
        return None
    hamlets = (await tap(fake, next(d for d in button_data(question) if d.startswith("c:"))))[-1]
    chosen = next(d for d in button_data(hamlets) if d.startswith("h:"))
    await tap(fake, chosen)
    return chosen


def button_data(call: Call) -> list[str]:
    return [b["callback_data"] for row in call.buttons for b in row]


async def test_start_gets_the_welcome_and_the_hamlet_question_in_one_message_with_an_inline_keyboard(telegram):
    [welcome] = await say(telegram, "/start")
    assert welcome.text == texts.get("engine.welcome") + "\n\n" + texts.get("engine.hamlet.ask")
    assert "skip" in button_data(welcome)
    assert all(len(row) <= 8 for row in welcome.buttons)
    assert welcome.params["link_preview_options"] == {"is_disabled": True}


async def test_a_new_households_first_question_is_one_message_welcome_answer_and_hamlet_question(telegram):
    [first] = await say(telegram, "hộ nghèo vay vốn ngân hàng chính sách")
    assert first.text.startswith(texts.get("engine.welcome") + "\n\n")
    assert "\n\nVề: " in first.text and first.text.endswith(texts.get("engine.hamlet.ask"))
    assert any(d.startswith("fb:u:") for d in button_data(first)) and "skip" in button_data(first)
    assert any(d.startswith("more:") for d in button_data(first))  # the source, one tap away


async def test_a_tap_is_answered_first_then_handled_by_the_engine(telegram):
    [question] = await say(telegram, "/start")
    commune = next(d for d in button_data(question) if d.startswith("c:"))
    hamlets = (await tap(telegram, commune))[0]
    [answered] = telegram.calls("answerCallbackQuery")
    assert answered.at < hamlets.at
    assert any(d.startswith("h:") for d in button_data(hamlets))


async def test_choosing_a_hamlet_by_buttons_subscribes_the_household(telegram):
    hamlet = await onboard(telegram, hamlet=True)
    assert hamlet is not None
    assert any("Đã ghi nhận" in c.text for c in telegram.calls("sendMessage", chat_id=CHAT))
    async with session_scope() as session:
        contact = (await session.exec(select(Contact).where(Contact.user_id == str(CHAT)))).one()
        subscription = (await session.exec(select(Subscription))).one()
    assert contact.channel == "telegram" and contact.hamlet_code == hamlet.removeprefix("h:")
    assert subscription.active and subscription.contact_id == contact.id


async def test_free_text_gets_an_answer_with_its_title_and_the_source_one_tap_away(telegram):
    await onboard(telegram)
    [answer] = await say(telegram, "hộ nghèo vay vốn ngân hàng chính sách")
    assert answer.text.startswith("Về: ") and len(answer.text) <= 450
    assert any(d.startswith("fb:u:") for d in button_data(answer))
    assert all(len(d.encode()) <= 64 for d in button_data(answer))
    [details] = await tap(telegram, next(d for d in button_data(answer) if d.startswith("more:")))
    assert details.text.splitlines()[-1].startswith("Nguồn:")


async def test_read_aloud_sends_an_ogg_opus_voice_note_made_by_espeak(telegram):
    await onboard(telegram)
    [answer] = await say(telegram, "hộ nghèo vay vốn ngân hàng chính sách")
    telegram.tap(CHAT, next(d for d in button_data(answer) if d.startswith("say:")))
    [voice] = await telegram.await_calls("sendVoice", chat_id=CHAT, within=60)
    audio = voice.params["voice"]
    assert voice.status == 200 and audio.data[:4] == b"OggS" and b"OpusHead" in audio.data[:64]
    assert len(audio.data) > 2000  # seconds of speech, not an empty stream
    assert voice.params["caption"].startswith("Về: ")
    telegram.push_update(text_message(CHAT, "đọc cho tôi nghe"))
    await telegram.await_calls("sendVoice", 2, chat_id=CHAT, within=60)


async def test_a_voice_message_from_a_household_gets_a_kind_answer_with_the_menu_and_an_official(telegram):
    telegram.push_update(voice_message(CHAT))
    [reply] = await telegram.await_calls("sendMessage", chat_id=CHAT)
    assert reply.text == texts.get("engine.voice.incoming")
    assert "f:handoff" in button_data(reply) and "t:vay-von" in button_data(reply)


async def test_feedback_tap_marks_the_choice_on_the_answer_and_thanks(telegram):
    await onboard(telegram)
    [answer] = await say(telegram, "hộ nghèo vay vốn ngân hàng chính sách")
    useful = next(d for d in button_data(answer) if d.startswith("fb:u:"))
    [thanks] = await tap(telegram, useful)
    assert thanks.text == texts.get("engine.feedback.up")
    [edit] = await telegram.await_calls("editMessageReplyMarkup")
    rows = edit.params["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in rows[1]] == ["✓ " + texts.get("engine.buttons.useful")]
    assert int(edit.params["message_id"]) == answer.result["message_id"]


@pytest.mark.parametrize("update", [sticker_message, photo_message, location_message,
                                    document_message], ids=lambda f: f.__name__)
async def test_what_the_bot_cannot_read_gets_a_polite_reply(telegram, update):
    telegram.push_update(update(CHAT))
    [reply] = await telegram.await_calls("sendMessage", chat_id=CHAT)
    assert reply.text == texts.get("engine.unsupported")


async def test_a_stale_button_gets_a_polite_reply_and_the_tap_is_answered(telegram):
    telegram.push_update(callback_query(CHAT, "h:no-such-hamlet-anymore"))
    [reply] = await telegram.await_calls("sendMessage", chat_id=CHAT)
    await telegram.await_calls("answerCallbackQuery")
    assert reply.text and "Traceback" not in reply.text
    assert reply.text in {texts.get("engine.stale_button"), texts.get("engine.hamlet.not_found",
                                                                      query="no-such-hamlet-anymore")}


async def test_button_data_never_sent_by_us_gets_a_polite_reply(telegram):
    telegram.push_update(callback_query(CHAT, "zz:forged"))
    [reply] = await telegram.await_calls("sendMessage", chat_id=CHAT)
    assert reply.text == texts.get("engine.stale_button")


async def test_an_edited_message_gets_a_hint_not_a_second_answer(telegram):
    telegram.push_update(edited_text_message(CHAT, "hộ nghèo vay vốn"))
    [hint] = await telegram.await_calls("sendMessage", chat_id=CHAT)
    assert hint.text == texts.get("telegram.edited")


async def test_service_messages_and_group_chats_are_ignored(telegram):
    telegram.push_update(service_message(CHAT))
    telegram.push_update(group_text_message(CHAT, "/start"))
    last = telegram.push_update(text_message(CHAT, "/menu"))
    await telegram.await_calls("sendMessage", chat_id=CHAT)  # one chat's updates are handled in order: all done
    await telegram.await_quiet()
    assert {c.chat_id for c in telegram.calls("sendMessage")} == {CHAT}
    assert len(telegram.calls("sendMessage")) == 1
    assert last == 3


async def test_blocking_the_bot_stops_the_households_subscription(telegram):
    await onboard(telegram, hamlet=True)
    sent = len(telegram.calls("sendMessage"))
    telegram.push_update(my_chat_member(CHAT, "member", "kicked"))
    for _ in range(200):
        async with session_scope() as session:
            subscription = (await session.exec(select(Subscription))).one()
        if not subscription.active:
            break
        await asyncio.sleep(0.05)
    assert not subscription.active and subscription.stop_reason == "unfollow"
    await telegram.await_quiet()
    assert len(telegram.calls("sendMessage")) == sent  # nothing is sent to a chat that blocked the bot


async def test_a_failed_reply_is_logged_and_the_household_gets_an_apology(telegram, caplog):
    telegram.fail("sendMessage", 500, "Internal Server Error", times=1)
    telegram.push_update(text_message(CHAT, "/menu"))
    [apology] = await telegram.await_calls("sendMessage", chat_id=CHAT)
    assert apology.text == texts.get("telegram.error")
    assert "Telegram refused a call" in caplog.text


async def test_one_households_quick_messages_are_answered_in_order(telegram):
    await onboard(telegram)
    before = len(telegram.calls("sendMessage", chat_id=CHAT))
    for update in (text_message(CHAT, "/huongdan"), text_message(CHAT, "/menu"), sticker_message(CHAT)):
        telegram.push_update(update)
    await telegram.await_calls("sendMessage", before + 3, chat_id=CHAT)
    await telegram.await_quiet()
    texts_sent = [c.text for c in telegram.calls("sendMessage", chat_id=CHAT)[before:]]
    assert texts_sent[0].startswith(texts.get("engine.help").splitlines()[0])
    assert texts_sent[-1] == texts.get("engine.unsupported")
    assert texts.get("engine.menu.prompt") in texts_sent[1:-1]


async def test_an_update_fetched_twice_by_polling_is_answered_once(telegram):
    update = {"update_id": 7001, **text_message(CHAT, "/start")}
    telegram.push_update(update, times=2)  # the same update again (a restart before the offset was confirmed)
    await telegram.await_calls("sendMessage", 1, chat_id=CHAT)  # the welcome and "Bạn ở ấp nào?": one message
    await telegram.await_quiet()
    welcomes = [c for c in telegram.calls("sendMessage", chat_id=CHAT)
                if c.text.startswith(texts.get("engine.welcome"))]
    assert len(welcomes) == 1
