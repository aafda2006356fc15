"""`t.me/<bot>?start=<area code>` on the fake Bot API with the real Application: one tap subscribes."""

from __future__ import annotations

from sqlmodel import select

from core.db import session_scope
from core.models import Contact, Subscription
from tests.bot.channels.telegram.kit import CHAT
from tests.bot.channels.telegram.test_telegram_conversation import button_data, say, tap


async def subscriptions() -> list[tuple[str, bool]]:
    async with session_scope() as session:
        rows = await session.exec(select(Subscription).join(Contact).where(Contact.user_id == str(CHAT)))
        return [(s.area_code, s.active) for s in rows]


async def test_a_deep_link_asks_once_then_one_tap_subscribes(telegram):
    [question] = await say(telegram, "/start 31338-thanh-an")  # the welcome and the offer: one message
    assert question.text.endswith("\n\nNhận bản tin Ấp Thạnh An, Xã Hỏa Lựu?")
    assert button_data(question) == ["h:31338-thanh-an", "m"]
    assert await subscriptions() == []
    chosen = await tap(telegram, "h:31338-thanh-an")
    assert "Ấp Thạnh An, Xã Hỏa Lựu" in chosen[0].text
    assert await subscriptions() == [("31338-thanh-an", True)]


async def test_a_stale_deep_link_is_answered_politely_with_the_normal_welcome(telegram):
    replies = await say(telegram, "/start ap-da-sap-nhap")  # notice, welcome and "Bạn ở ấp nào?": one message
    assert "không còn đúng" in replies[0].text and "Bạn ở ấp nào?" in replies[-1].text
    assert await subscriptions() == []
