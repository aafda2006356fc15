"""/dulieucuatoi lists everything stored about me; /xoadulieu erases it after a confirmation."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from core import clock
from core.db import session_scope
from core.models import (
    Bulletin,
    Contact,
    Delivery,
    Dispatch,
    Feedback,
    HandoffQuestion,
    SelfCheckRecord,
    Subscription,
)

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


async def count(table) -> int:
    async with session_scope() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


async def add_linked_records(user_id: str = "u1") -> None:
    """What other parts of the system store about a household: a handoff, a self-check, a delivery."""
    async with session_scope() as session:
        contact = (await session.exec(select(Contact).where(Contact.user_id == user_id))).one()
        subscription = (await session.exec(select(Subscription).where(Subscription.contact_id == contact.id))).one()
        session.add(HandoffQuestion(contact_id=contact.id, area_code=contact.hamlet_code, text="Khi nào họp ấp?",
                                    created_at=NOW))
        session.add(SelfCheckRecord(contact_id=contact.id, result={"poor": False}, created_at=NOW))
        bulletin = Bulletin(title="Họp ấp", body="Tối nay", area_codes=[contact.hamlet_code], send_at=NOW)
        session.add(bulletin)
        await session.flush()
        dispatch = Dispatch(bulletin_id=bulletin.id, due_at=NOW)
        session.add(dispatch)
        await session.flush()
        session.add(Delivery(dispatch_id=dispatch.id, bulletin_id=bulletin.id, subscription_id=subscription.id,
                             contact_id=contact.id, channel=contact.channel, area_code=contact.hamlet_code,
                             status="sent", sent_at=NOW))


async def test_mydata_lists_everything_stored(household):
    clock.freeze(NOW)
    await household.say("/dangky thanh an hoa tien")
    await household.say("hộ nghèo được vay vốn bao nhiêu")
    await household.say("giá vàng hôm nay")
    await add_linked_records()
    replies = await household.say("/dulieucuatoi")
    text = replies[0].text
    for expected in ("kênh console, mã người dùng u1", "Bắt đầu trò chuyện: 29/11/2026",
                     "Ấp của bạn: Ấp Thạnh An, Xã Hỏa Lựu", "Đang nhận bản tin: Ấp Thạnh An, Xã Hỏa Lựu",
                     '"ho ngheo duoc vay von bao nhieu"', 'chưa trả lời được: "giá vàng hôm nay"',
                     "Câu hỏi gửi cán bộ: 1", '"Khi nào họp ấp?" (đang chờ trả lời)',
                     "Kết quả tự kiểm tra hộ nghèo đã lưu: 1", "Bản tin đã gửi cho bạn: 1"):
        assert expected in text
    assert "Xóa dữ liệu của tôi" in household.labels()


async def test_deletedata_after_yes_erases_the_contact_and_everything_linked(household, another):
    clock.freeze(NOW)
    neighbour = another(user_id="u2")
    for who in (household, neighbour):
        await who.say("/dangky thanh an hoa tien")
        await who.say("hộ nghèo được vay vốn bao nhiêu")
        await who.tap("👍")
        await add_linked_records(who.user_id)
    await household.say("/xoadulieu")
    assert "Không lấy lại được" in household.text()
    await household.tap("Có, xóa hết")
    assert "Đã xóa hết" in household.text()
    for table in (Contact, Subscription, HandoffQuestion, SelfCheckRecord, Delivery):
        assert await count(table) == 1, table  # only the neighbour's
    assert await count(Feedback) == 2  # the votes stay, anonymous
    async with session_scope() as session:
        rows = list(await session.exec(select(Feedback)))
    mine, theirs = sorted(rows, key=lambda row: row.contact_id is not None)
    assert (mine.folded_question, mine.contact_id, mine.area_code) == ("", None, None)
    assert theirs.folded_question == "ho ngheo duoc vay von bao nhieu"
    replies = await household.say("chào")
    assert "Bạn ở ấp nào?" in replies[-1].text  # a new beginning


@pytest.mark.parametrize("answer", ["không", "Khong", "tap:no"])
async def test_deletedata_declined_keeps_everything(household, answer):
    await household.say("/dangky thanh an hoa tien")
    await household.say("xóa dữ liệu")
    if answer == "tap:no":
        await household.tap("Không, giữ lại")
    else:
        await household.say(answer)
    assert "giữ nguyên" in household.text()
    assert await count(Contact) == 1 and await count(Subscription) == 1


async def test_typed_yes_confirms_and_other_text_cancels(household):
    await household.say("/dangky thanh an hoa tien")
    await household.say("/deletedata")
    await household.say("hộ nghèo được vay vốn bao nhiêu")  # not an answer to the question: handled as usual
    assert "Nguồn:" in household.text()
    await household.press("f:delete:y")  # the old confirmation button no longer erases
    assert "đã cũ" in household.text() and await count(Contact) == 1
    await household.say("/deletedata")
    await household.say("có")
    assert await count(Contact) == 0


@pytest.mark.parametrize("word", ["hủy", "thôi"])
async def test_huy_while_deletion_waits_keeps_everything_and_the_subscription(household, word):
    await household.say("/dangky thanh an hoa tien")
    await household.say("/xoadulieu")
    await household.say(word)
    assert "giữ nguyên" in household.text()
    async with session_scope() as session:
        subscription = (await session.exec(select(Subscription))).one()
    assert subscription.active and await count(Contact) == 1


async def test_deletedata_erases_the_households_unanswered_questions_everywhere(household, another):
    clock.freeze(NOW)
    neighbour = another(user_id="u2")
    for who in (household, neighbour):
        await who.say("/dangky thanh an hoa tien")
        await who.say(f"chồng tôi đánh vợ, số điện thoại 0912 345 67{who.user_id[-1]} ai giúp")
    await household.say("/xoadulieu")
    await household.tap("Có, xóa hết")
    async with session_scope() as session:
        texts = list(await session.exec(select(Feedback.folded_question)))
    assert texts == ["chong toi danh vo, so dien thoai [so dien thoai] ai giup"]  # only the neighbour's
