"""Subscribing and unsubscribing by command, the last bulletins of my hamlet, and "Đã biết" on a bulletin."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.engine.types import Inbound
from core import clock
from core.db import session_scope
from core.models import Bulletin, Contact, Delivery, Dispatch, Subscription

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


async def subscriptions(user_id: str = "u1") -> list[tuple[str, bool, str | None]]:
    async with session_scope() as session:
        contact = (await session.exec(select(Contact).where(Contact.user_id == user_id))).one()
        rows = await session.exec(select(Subscription).where(Subscription.contact_id == contact.id)
                                  .order_by(Subscription.id))
        return [(s.area_code, s.active, s.stop_reason) for s in rows]


@pytest.mark.parametrize(("text", "hamlet"), [
    ("/dangky Khu vực 2 Vị Tân", "31333-khu-vuc-2"),
    ("/subscribe 31338-thanh-loi", "31338-thanh-loi"),
    ("đăng ký nhận tin ấp Thạnh Hòa", "31338-thanh-hoa"),
    ("dang ky nhan tin ap tan phu", "31338-tan-phu"),
    ("/dangky thanh an hoa tien", "31338-thanh-an"),
])
async def test_subscribe_with_a_hamlet_name_or_code(household, text, hamlet):
    await household.say("menu")
    await household.say(text)
    assert "Đã ghi nhận" in household.text()
    assert await subscriptions() == [(hamlet, True, None)]


async def test_subscribe_without_a_hamlet_asks_for_it(household):
    await household.say("menu")
    await household.say("/dangky")
    assert "Bạn ở ấp nào?" in household.text()


async def test_moving_to_another_hamlet_keeps_one_active_subscription(household):
    await household.say("/dangky 31338-thanh-an")
    await household.say("/dangky 31489-long-binh")
    assert await subscriptions() == [("31338-thanh-an", False, "moved"), ("31489-long-binh", True, None)]


@pytest.mark.parametrize("text", ["/unsubscribe", "/huydangky", "hủy đăng ký", "huy dang ky", "dừng", "STOP"])
async def test_unsubscribe_in_every_form(household, text):
    await household.say("/dangky 31338-thanh-an")
    await household.say(text)
    assert "Đã dừng gửi bản tin" in household.text()
    assert await subscriptions() == [("31338-thanh-an", False, "user")]
    await household.say(text)
    assert "chưa đăng ký" in household.text()


async def test_subscribing_again_resumes_the_same_hamlet(household):
    await household.say("/dangky 31338-thanh-an")
    await household.say("dừng")
    await household.tap("Nhận bản tin ấp")
    assert "Đã bật lại" in household.text()
    assert await subscriptions() == [("31338-thanh-an", True, None)]
    await household.say("đăng ký")
    assert "đang nhận bản tin của Ấp Thạnh An" in household.text()


async def test_unfollow_stops_the_subscriptions_silently(household):
    await household.say("/dangky 31338-thanh-an")
    assert await household.send(Inbound("console", "u1", "unfollow")) == []
    assert await subscriptions() == [("31338-thanh-an", False, "unfollow")]


async def add_bulletin(title: str, areas: list[str], sent_at: datetime | None, *,
                       cancelled_at: datetime | None = None) -> int:
    async with session_scope() as session:
        bulletin = Bulletin(title=title, body=f"Nội dung {title}", area_codes=areas,
                            send_at=sent_at or NOW + timedelta(days=1), cancelled_at=cancelled_at,
                            status="cancelled" if cancelled_at else "done")
        session.add(bulletin)
        await session.flush()
        if sent_at is not None:
            dispatch = Dispatch(bulletin_id=bulletin.id, due_at=sent_at, queued_at=sent_at)
            session.add(dispatch)
            await session.flush()
            return dispatch.id
        return 0


async def test_bulletins_shows_the_last_five_sent_to_my_hamlet(household):
    clock.freeze(NOW)
    for day in range(1, 8):
        await add_bulletin(f"Tin ấp {day}", ["31338-thanh-an"], NOW - timedelta(days=10 - day))
    await add_bulletin("Tin cả xã", ["31338"], NOW - timedelta(hours=5))
    await add_bulletin("Tin ấp khác", ["31489-thanh-an"], NOW - timedelta(hours=1))
    await add_bulletin("Tin chưa gửi", ["31338-thanh-an"], None)
    await add_bulletin("Tin đã hủy trước", ["31338-thanh-an"], NOW - timedelta(hours=2),
                       cancelled_at=NOW - timedelta(hours=3))
    await household.say("/dangky 31338-thanh-an")
    replies = await household.say("/bantin")
    assert "Ấp Thạnh An, Xã Hỏa Lựu" in replies[0].text
    titles = [r.text.splitlines()[0] for r in replies[1:]]
    assert titles == ["📢 Tin cả xã (29/11/2026)", "📢 Tin ấp 7 (26/11/2026)", "📢 Tin ấp 6 (25/11/2026)",
                      "📢 Tin ấp 5 (24/11/2026)", "📢 Tin ấp 4 (23/11/2026)"]
    assert replies[1].text.splitlines()[1] == "Nội dung Tin cả xã"


async def test_bulletins_need_a_hamlet_and_say_when_there_are_none(household):
    await household.say("menu")
    await household.tap("Bản tin ấp")
    assert "chưa chọn ấp" in household.text() and "Chọn ấp" in household.labels()
    await household.say("/dangky 31338-thanh-an")
    await household.say("ban tin")
    assert "Chưa có bản tin nào" in household.text()


async def add_delivery(contact_user: str) -> int:
    dispatch_id = await add_bulletin("Họp ấp", ["31338-thanh-an"], NOW - timedelta(hours=1))
    async with session_scope() as session:
        contact = (await session.exec(select(Contact).where(Contact.user_id == contact_user))).one()
        subscription = (await session.exec(select(Subscription).where(Subscription.contact_id == contact.id))).one()
        delivery = Delivery(dispatch_id=dispatch_id, bulletin_id=1, subscription_id=subscription.id,
                            contact_id=contact.id, channel=contact.channel, area_code="31338-thanh-an",
                            status="sent", sent_at=NOW)
        session.add(delivery)
        await session.flush()
        return delivery.id


async def acknowledged(delivery_id: int) -> datetime | None:
    async with session_scope() as session:
        return (await session.get(Delivery, delivery_id)).acknowledged_at


async def test_da_biet_acknowledges_my_own_delivery_only(household, another):
    clock.freeze(NOW)
    neighbour = another(user_id="u2")
    await household.say("/dangky 31338-thanh-an")
    await neighbour.say("/dangky 31338-thanh-an")
    mine, theirs = await add_delivery("u1"), await add_delivery("u2")
    await household.press(f"ack:{mine}")
    assert "Cảm ơn" in household.text()
    assert await acknowledged(mine) == NOW
    await household.press(f"ack:{theirs}")
    assert "đã cũ" in household.text()
    assert await acknowledged(theirs) is None
