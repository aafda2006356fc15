""""Hỏi cán bộ" through the real engine: asking, reusing the question nobody could answer, and seeing replies."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.db import session_scope
from core.handoff import questions as handoff
from core.models import Contact, HandoffQuestion, Official
from core.officials.accounts import create_official

UNANSWERABLE = "giá vàng SJC hôm nay bao nhiêu một chỉ"


@pytest.fixture
async def staff(places) -> dict[str, Official]:
    """An editor of xã Hỏa Lựu, an editor of phường Vị Thanh and an admin."""
    async with session_scope() as session:
        hoa_luu, _ = await create_official(session, name="Chị Lan", role="editor", area_codes=["31338"])
        vi_thanh, _ = await create_official(session, name="Anh Minh", role="editor", area_codes=["31321"])
        admin, _ = await create_official(session, name="Văn phòng xã", role="admin", area_codes=[])
    return {"hoa_luu": hoa_luu, "vi_thanh": vi_thanh, "admin": admin}


async def questions() -> list[HandoffQuestion]:
    async with session_scope() as session:
        return list(await session.exec(select(HandoffQuestion).order_by(HandoffQuestion.id)))


async def in_thanh_an(household) -> None:
    await household.start()
    await household.say("ấp Thạnh An Hỏa Lựu")


async def test_the_question_nobody_could_answer_is_offered_and_sent_with_the_hamlet(household, staff):
    await in_thanh_an(household)
    await household.say(UNANSWERABLE)
    await household.tap("Hỏi cán bộ")
    assert UNANSWERABLE in household.text()
    await household.tap("Gửi câu này")
    [question] = await questions()
    assert (question.text, question.area_code, question.status) == (UNANSWERABLE, "31338-thanh-an", "open")
    told = household.text()
    assert f"câu hỏi số {question.id}" in told and "Ấp Thạnh An" in told and "Chị Lan" in told
    assert "Anh Minh" not in told
    await household.say("/dulieucuatoi")
    assert UNANSWERABLE in household.text() and "đang chờ trả lời" in household.text()
    assert "Câu hỏi gần nhất mình chưa trả lời được" not in household.text()  # the kept question was used up


async def test_from_the_menu_the_household_types_its_question(household, staff):
    await in_thanh_an(household)
    await household.tap("Hỏi cán bộ")
    assert "gõ câu hỏi" in household.text()
    await household.say("Khi nào ấp mình họp bình xét hộ nghèo năm nay?")
    [question] = await questions()
    assert question.text == "Khi nào ấp mình họp bình xét hộ nghèo năm nay?"


async def test_another_question_instead_of_the_kept_one(household, staff):
    await in_thanh_an(household)
    await household.say(UNANSWERABLE)
    await household.tap("Hỏi cán bộ")
    await household.tap("Hỏi câu khác")
    await household.say("Nhà tui bị sạt lở bờ kênh thì báo ai?")
    assert [q.text for q in await questions()] == ["Nhà tui bị sạt lở bờ kênh thì báo ai?"]


async def test_slash_command_with_the_question_sends_at_once(household, staff):
    await in_thanh_an(household)
    await household.say("/hoicanbo Xin hỏi lịch tiêm ngừa cho trẻ ở trạm y tế xã?")
    assert [q.text for q in await questions()] == ["Xin hỏi lịch tiêm ngừa cho trẻ ở trạm y tế xã?"]


@pytest.mark.parametrize("leave", ["hủy", "thôi", "Hủy"])
async def test_cancelling_sends_nothing_and_keeps_the_subscription(household, staff, leave):
    await in_thanh_an(household)
    await household.tap("Hỏi cán bộ")
    if leave == "Hủy":
        await household.tap("Hủy")
    else:
        await household.say(leave)
    assert "không gửi câu hỏi nào" in household.text()
    assert await questions() == []
    await household.say("/dulieucuatoi")
    assert "Đang nhận bản tin: Ấp Thạnh An" in household.text()


async def test_a_too_short_question_is_asked_again(household, staff):
    await in_thanh_an(household)
    await household.tap("Hỏi cán bộ")
    await household.say("ờ")
    assert "ngắn quá" in household.text() and await questions() == []
    await household.say("Cho hỏi giấy xác nhận hộ nghèo xin ở đâu?")
    assert len(await questions()) == 1


async def test_without_a_hamlet_the_question_goes_to_the_commune_and_choosing_one_is_offered(household, staff):
    await household.start()
    await household.tap("Bỏ qua")
    await household.say("/hoicanbo Cho hỏi giấy xác nhận hộ nghèo xin ở đâu?")
    [question] = await questions()
    assert question.area_code is None
    assert "cán bộ xã phụ trách chung" in household.text() and "Chọn ấp" in household.labels()


async def test_open_questions_are_limited_per_household(household, staff, env):
    env.setenv("HANDOFF_MAX_OPEN_PER_CONTACT", "2")
    from core.settings import get_settings

    get_settings.cache_clear()
    await in_thanh_an(household)
    for number in (1, 2, 3):
        await household.say(f"/hoicanbo Câu hỏi thứ {number} về giấy tờ hộ nghèo")
    assert len(await questions()) == 2 and "2 câu hỏi chờ" in household.text()


async def test_questions_sent_per_hour_are_limited_per_household_even_when_answered(household, staff, env):
    env.setenv("HANDOFF_MAX_PER_CONTACT_PER_HOUR", "3")
    from core import clock
    from core.settings import get_settings

    get_settings.cache_clear()
    clock.freeze(datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    await in_thanh_an(household)
    for number in (1, 2, 3, 4):
        await household.say(f"/hoicanbo Câu hỏi thứ {number} về giấy tờ hộ nghèo")
        async with session_scope() as session:  # answered at once: the open-questions limit never bites
            for question in await questions():
                question.status = "answered"
                session.add(question)
    assert len(await questions()) == 3 and "một giờ" in household.text()
    clock.freeze(clock.now() + timedelta(minutes=61))
    await household.say("/hoicanbo Câu hỏi thứ năm về giấy tờ hộ nghèo")
    assert len(await questions()) == 4


async def test_a_reply_not_yet_delivered_is_shown_once_at_the_next_message(household, staff):
    await in_thanh_an(household)
    await household.say("/hoicanbo Khi nào ấp mình họp bình xét hộ nghèo năm nay?")
    [question] = await questions()
    async with session_scope() as session:
        await handoff.record_reply(session, staff["hoa_luu"], question.id, "Tối thứ Sáu, 19 giờ, nhà văn hóa ấp.")
        await handoff.record_delivery(session, question.id, "stored")
    await household.say("hộ nghèo vay vốn bao nhiêu")
    assert household.last[0].text.startswith("💬 Cán bộ Chị Lan trả lời")
    assert "Tối thứ Sáu" in household.last[0].text and "họp bình xét" in household.last[0].text
    assert "Ngân hàng Chính sách" in household.text()  # the question still gets its answer after it
    await household.say("cảm ơn")
    assert "Tối thứ Sáu" not in household.text()
    [shown] = await questions()
    assert shown.delivery_status == "shown" and shown.delivered_at is not None


async def test_erasing_data_removes_the_questions(household, staff):
    await in_thanh_an(household)
    await household.say("/hoicanbo Khi nào ấp mình họp bình xét hộ nghèo năm nay?")
    await household.say("/xoadulieu")
    await household.tap("Có, xóa hết")
    assert await questions() == []
    async with session_scope() as session:
        assert list(await session.exec(select(Contact))) == []


async def test_answerers_prefer_editors_covering_the_hamlet_then_admins(staff):
    async with session_scope() as session:
        assert [o.name for o in await handoff.answerers(session, "31338-thanh-an")] == ["Chị Lan"]
        assert [o.name for o in await handoff.answerers(session, "31489-long-binh")] == ["Văn phòng xã"]
        assert [o.name for o in await handoff.answerers(session, None)] == ["Văn phòng xã"]
