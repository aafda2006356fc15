""""Kiểm tra hộ nghèo" through the real engine: buttons and typed answers, the result, storing only on consent."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core import clock
from core.db import session_scope
from core.models import SelfCheckRecord
from core.selfcheck.poverty import STANDARDS

NOV_2026 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
JAN_2027 = datetime(2027, 1, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(NOV_2026)
    yield
    clock.freeze(None)


async def records() -> list[SelfCheckRecord]:
    async with session_scope() as session:
        return list(await session.exec(select(SelfCheckRecord)))


async def begin(household) -> None:
    await household.start()
    await household.tap("Bỏ qua")
    await household.say("/kiemtra")


async def answer_all(household, answer: str, count: int) -> None:
    for _ in range(count):
        await household.tap(answer)


async def test_buttons_all_the_way_to_a_poor_result_which_is_stored_only_after_consent(household, knowledge):
    await household.start()
    await household.tap("Bỏ qua")
    await household.tap("Hộ nghèo và chính sách")
    await household.tap("Kiểm tra hộ nghèo")
    assert "ước tính" in household.text() and "Nghị định 07/2021" in household.text()
    assert household.labels() == ["1", "2", "3", "4", "5", "6", "7 người trở lên", "Hủy"]
    assert all(len(r.all_buttons()) <= 5 for r in household.last)
    await household.tap("4")
    assert "xã thường là nông thôn" in household.text() or "ở xã là nông thôn" in household.text()
    await household.tap("Nông thôn")
    assert "(3/15)" in household.text() and "4 người" in household.text()
    assert household.labels()[:3] == ["Từ 6 triệu trở xuống", "Trên 6 triệu đến 9 triệu", "Trên 9 triệu"]
    await household.tap("Từ 6 triệu")
    assert "(4/15)" in household.text() and "Không rõ" in household.labels()
    await answer_all(household, "Có", 3)
    await answer_all(household, "Không", 9)
    result = household.last[0].text
    assert "HỘ NGHÈO" in result and "từ 1.500.000 đồng trở xuống" in result
    assert "Chỉ số còn thiếu (3): việc làm; người phụ thuộc; dinh dưỡng" in result
    assert "trưởng ấp" in result and "không phải quyết định công nhận" in result
    assert "Lưu kết quả" in household.labels()
    assert await records() == []
    await household.tap("Lưu kết quả")
    stored = await records()
    assert len(stored) == 1 and stored[0].result["category"] == "poor"
    assert stored[0].result["household_size"] == 4 and stored[0].result["income_range"] == "low"
    titles = [knowledge.by_id[i].title for i in ("de-nghi-xet-ho-ngheo", "bhyt-ho-ngheo", "vay-ho-ngheo")]
    assert household.labels() == [*titles, knowledge.by_id["ho-tro-hoc-phi-con-ho-ngheo"].title, "☰ Menu"]


async def test_typed_answers_and_not_saving(household):
    await begin(household)
    await household.say("5 người")
    await household.say("ở xã")
    await household.say("7tr5")
    for said in ["có", "dạ không", "không rõ", "ko", "có ạ", "không", "không", "không", "không", "không", "không"]:
        await household.say(said)
    await household.say("hông")
    result = household.last[0].text
    assert "HỘ CẬN NGHÈO" in result and "1.500.000 đồng mỗi người" in result
    assert "Bạn chưa rõ (1): dinh dưỡng" in result and "có thể thuộc hộ nghèo" in result
    await household.tap("Không lưu")
    assert "không lưu" in household.text() and await records() == []


async def test_seven_or_more_then_typed_size_and_urban_average(household):
    await begin(household)
    await household.tap("7 người trở lên")
    assert "Gõ số" in household.text()
    await household.say("9")
    await household.tap("Thành thị")
    assert "Trên 18 triệu đến 27 triệu" in household.labels()
    await household.say("20 triệu")
    await answer_all(household, "Không", 12)
    assert "MỨC SỐNG TRUNG BÌNH" in household.last[0].text
    assert "khoảng 2.222.222 đồng" in household.last[0].text


async def test_income_not_understood_is_asked_again_with_examples(household):
    await begin(household)
    await household.tap("2")
    await household.tap("Nông thôn")
    await household.say("3")
    assert "Mình chưa hiểu số tiền" in household.text() and "Từ 3 triệu trở xuống" in household.labels()
    await household.say("2-3 triệu")
    assert "Mình chưa hiểu số tiền" in household.text()
    await household.say("2.500.000")
    assert "(4/15)" in household.text()


@pytest.mark.parametrize("leave", ["hủy", "thôi", "Hủy"])
async def test_leaving_at_any_step_stores_nothing_and_keeps_the_subscription(household, leave):
    await household.start()
    await household.say("ấp Thạnh An Hỏa Lựu")
    await household.say("/kiemtra")
    await household.tap("3")
    if leave == "Hủy":
        await household.tap("Hủy")
    else:
        await household.say(leave)
    assert "Đã dừng phần kiểm tra hộ nghèo" in household.text()
    await household.say("/dulieucuatoi")
    assert "Đang nhận bản tin: Ấp Thạnh An" in household.text() and "Đang ở bước" not in household.text()
    assert await records() == []


async def test_the_menu_button_leaves_and_old_buttons_are_then_stale(household):
    await begin(household)
    await household.tap("2")
    area_buttons = household.last
    await household.press("m")
    household.last = area_buttons
    await household.tap("Nông thôn")
    assert "Nút này đã cũ" in household.text()


async def test_a_real_question_in_the_middle_gets_its_answer(household):
    await begin(household)
    await household.tap("2")
    await household.say("hộ nghèo vay vốn ngân hàng chính sách được bao nhiêu")
    assert "Ngân hàng Chính sách" in household.text() and "(2/15)" not in household.text()


async def test_a_wrong_answer_is_explained_and_the_question_repeated(household):
    await begin(household)
    await household.tap("1")
    await household.tap("Nông thôn")
    await household.tap("Từ 1,5 triệu")
    await household.say("để tui coi")
    assert 'Bạn bấm "Có", "Không" hoặc "Không rõ"' in household.text() and "(4/15)" in household.text()
    stale = [b for b in household.last[-1].all_buttons() if b.label == "Có"][0].data
    await household.tap("Có")
    await household.press(stale)  # a double tap on the previous question changes nothing
    assert "(5/15)" in household.text()
    await household.tap("Không rõ")
    assert "(6/15)" in household.text()


async def test_from_2027_the_new_indicators_are_asked_and_flagged_provisional(household):
    clock.freeze(JAN_2027)
    await begin(household)
    assert "351/2025" in household.text()
    await household.tap("1")
    await household.tap("Nông thôn")
    assert household.labels()[:2] == ["Từ 2,2 triệu trở xuống", "Trên 2,2 triệu"]
    await household.tap("Trên 2,2 triệu")
    total = 3 + len(STANDARDS[1].indicators)
    assert f"(4/{total})" in household.text()
    asked = []
    for _ in range(len(STANDARDS[1].indicators)):
        asked.append(household.last[-1].text)
        await household.tap("Không")
    assert any("rác" in q.lower() for q in asked) and any("internet" in q for q in asked)
    assert not any("tivi" in q for q in asked)
    result = household.last[0].text
    assert "trên chuẩn nghèo" in result and "chưa được công bố" in result and "tạm tính" in result


async def test_a_check_begun_on_new_years_eve_keeps_its_standard(household):
    clock.freeze(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 23:30 in Vị Thanh
    await begin(household)
    await household.tap("1")
    clock.freeze(JAN_2027)
    await household.tap("Nông thôn")
    assert "Từ 1,5 triệu trở xuống" in household.labels()


async def test_a_zalo_tap_arriving_as_text_is_a_step(household, knowledge):
    zalo = type(household)(knowledge, channel="zalo", user_id="z1")
    await begin(zalo)
    await zalo.say("f:selfcheck:s:3")  # Zalo returns a tapped button's payload as text
    assert "(2/15)" in zalo.text()


@pytest.mark.no_database
@pytest.mark.parametrize("on", [datetime(2026, 11, 29).date(), datetime(2027, 1, 2).date()])
@pytest.mark.parametrize("answer", [True, None])
def test_the_longest_result_fits_one_zalo_message(env, on, answer):
    from bot.engine.flows.selfcheck_result import result_text
    from core.selfcheck.poverty import HouseholdAnswers, assess, standard_on

    indicators = {i.code: answer for i in standard_on(on).indicators}
    assessment = assess(HouseholdAnswers(household_size=30, area="urban", monthly_income=0, indicators=indicators),
                        on=on)
    assert len(result_text(assessment)) <= 2000


@pytest.mark.parametrize("data", ["f:selfcheck:s", "f:selfcheck:s:abc", "f:selfcheck:q", "f:selfcheck:q:0:maybe",
                                  "f:selfcheck:i:nowhere", "f:selfcheck:save", "f:selfcheck:zzz"])
async def test_malformed_taps_repeat_the_question_instead_of_failing(household, data):
    await begin(household)
    await household.press(data)
    assert "trục trặc" not in household.text()
    assert "(1/15)" in household.text() or "từ 1 đến 30" in household.text()


async def test_dung_with_accents_stops_but_dung_meaning_yes_answers(household):
    await begin(household)
    await household.tap("1")
    await household.tap("Nông thôn")
    await household.tap("Từ 1,5 triệu")
    await household.say("đúng")
    assert "(5/15)" in household.text()
    await household.say("dừng")
    assert "Đã dừng phần kiểm tra hộ nghèo" in household.text()
