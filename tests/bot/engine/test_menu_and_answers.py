"""The main menu, topic lists, answers with their source and buttons, and 👍/👎 feedback."""

from sqlmodel import select

from core.db import session_scope
from core.models import Feedback


async def feedback_rows() -> list[Feedback]:
    async with session_scope() as session:
        return list((await session.exec(select(Feedback).order_by(Feedback.id))).all())


async def test_the_menu_has_the_six_entries(household):
    await household.say("/menu")
    assert household.labels() == ["Vay vốn", "Làm ăn, nuôi trồng", "Dịch vụ công", "Hộ nghèo và chính sách",
                                  "Bản tin ấp", "Hỏi cán bộ"]


async def test_a_topic_lists_its_entries_in_pages_and_an_entry_opens(household, knowledge):
    await household.say("menu")
    await household.tap("Vay vốn")
    loans = sorted(e.title for e in knowledge.entries if e.topic == "vay-von")
    assert "Vay vốn (trang 1/" in household.text()
    first_page = household.labels()
    assert len(first_page) == 6 + 2  # six entries, "Xem thêm ›" and the menu
    assert "Xem thêm ›" in first_page
    seen = set(first_page[:6])
    while "Xem thêm ›" in household.labels():
        await household.tap("Xem thêm ›")
        seen |= {label for label in household.labels() if label not in ("Xem thêm ›", "‹ Trang trước", "☰ Menu")}
    assert "‹ Trang trước" in household.labels()
    assert len(seen) == len(loans)
    await household.press(household.button("‹ Trang trước").data)
    title = household.labels()[0]
    replies = await household.tap(title)
    assert "Nguồn:" in replies[0].text.splitlines()[-1]
    assert household.labels()[:2] == ["👍 Hữu ích", "👎 Chưa đúng"]


async def test_public_services_list_online_safety_too(household, knowledge):
    await household.say("menu")
    await household.tap("Dịch vụ công")
    pages = []
    pages += household.labels()
    while "Xem thêm ›" in household.labels():
        await household.tap("Xem thêm ›")
        pages += household.labels()
    topics = {e.topic for e in knowledge.entries if e.title in pages or e.title[:59] + "…" in pages}
    assert topics == {"dich-vu-cong", "an-toan-mang"}


async def test_poverty_topic_offers_the_self_check_entry_point(household):
    await household.say("menu")
    await household.tap("Hộ nghèo và chính sách")
    assert household.labels()[0] == "Kiểm tra hộ nghèo"
    replies = await household.tap("Kiểm tra hộ nghèo")
    assert replies and "đã cũ" not in household.text()  # the registered "selfcheck" flow took it


async def test_an_answer_comes_with_source_feedback_buttons_and_related_topics(household):
    await household.say("menu")
    replies = await household.say("hộ nghèo được vay vốn bao nhiêu")
    assert len(replies) == 1
    assert replies[0].text.splitlines()[-1].startswith("Nguồn:")
    labels = household.labels()
    assert labels[:2] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert 1 <= len(labels) - 3 <= 3 and labels[-1] == "☰ Menu"
    related = household.button(labels[2])
    assert related.data.startswith("e:")
    await household.press(related.data)
    assert "Nguồn:" in household.text()


async def test_thumbs_up_is_stored_once_with_the_folded_question_linked_only_for_deletion(household):
    await household.say("menu")
    await household.say("Hộ nghèo được VAY VỐN bao nhiêu?")
    thumbs_up = household.button("👍")
    await household.press(thumbs_up.data)
    assert "Cảm ơn" in household.text()
    await household.press(thumbs_up.data)
    assert "góp ý cho câu trả lời này rồi" in household.text()
    rows = await feedback_rows()
    assert [(r.kind, r.entry_id, r.folded_question) for r in rows] == [
        ("up", thumbs_up.data.removeprefix("fb:u:"), "ho ngheo duoc vay von bao nhieu?")]
    assert rows[0].channel == "console" and rows[0].contact_id is not None  # so /xoadulieu can erase the text


async def test_thumbs_down_is_stored_and_offers_an_official(household):
    await household.say("menu")
    await household.say("nuôi cá lóc trong bể bạt")
    await household.tap("👎")
    assert "Hỏi cán bộ" in household.labels()
    assert [r.kind for r in await feedback_rows()] == ["down"]


async def test_an_unanswerable_question_is_recorded_and_offers_an_official(household):
    await household.say("menu")
    replies = await household.say("Giá vàng SJC hôm nay bao nhiêu?")
    assert "chưa có thông tin chắc chắn" in replies[0].text
    assert "Hỏi cán bộ" in household.labels()
    rows = await feedback_rows()
    assert [(r.kind, r.entry_id, r.folded_question) for r in rows] == [
        ("unanswered", None, "gia vang sjc hom nay bao nhieu?")]
    replies = await household.tap("Hỏi cán bộ")
    assert replies and "đã cũ" not in household.text()  # the registered "handoff" flow took it


async def test_help_lists_the_commands(household):
    await household.say("menu")
    await household.say("/huongdan")
    for command in ("/dangky", "/huydangky", "/bantin", "/dulieucuatoi", "/xoadulieu"):
        assert command in household.text()
    await household.tap("Về giamngheo")
    assert "Về giamngheo" in household.text()


async def test_an_unknown_command_says_so(household):
    await household.say("menu")
    await household.say("/abc")
    assert '"/abc"' in household.text() and "/huongdan" in household.text()
