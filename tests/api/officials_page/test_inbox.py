"""The officials' page (/officials): the Hỏi cán bộ inbox, the gaps in the answers and the audit log, through the
real app and database."""

from __future__ import annotations

from sqlmodel import select

from core import clock
from core import ui_texts as texts
from core.db import session_scope
from core.handoff.questions import ask
from core.models import AuditLog, Contact, Feedback, HandoffQuestion
from tests.kit.bulletin_world import AP_BON, AP_MOT
from tests.kit.officials_page import Page, bulletin_form, page, text_of

__all__ = ["page"]  # the fixture


async def _question(user_id: str, hamlet: str, text: str) -> int:
    async with session_scope() as session:
        contact = Contact(channel="web", user_id=user_id, hamlet_code=hamlet)
        session.add(contact)
        await session.flush()
        return (await ask(session, contact, text)).id


async def _question_row(question_id: int) -> HandoffQuestion:
    async with session_scope() as session:
        return await session.get(HandoffQuestion, question_id)


def test_the_inbox_shows_scoped_questions_and_a_reply_goes_out_through_the_inbox_service(page: Page, tmp_path) -> None:
    mine = page.call(_question, "w1", AP_MOT, "Khi nào ấp mình họp bình xét hộ nghèo?")
    other = page.call(_question, "w2", AP_BON, "Ấp Bốn có lớp học nghề không?")
    page.sign_in("editor")
    inbox = text_of(page.get("/officials/inbox"))
    assert "Khi nào ấp mình họp bình xét hộ nghèo?" in inbox and "Ấp Một, Xã Tân Hòa" in inbox
    assert "Ấp Bốn có lớp" not in inbox
    empty = page.post(f"/officials/inbox/{mine}/reply", {"text": "  "}, form_page="/officials/inbox")
    assert empty.status_code == 422 and texts.get("handoff.errors.reply_empty") in text_of(empty)
    assert page.post(f"/officials/inbox/{other}/reply", {"text": "Có"}, form_page="/officials/inbox").status_code == 403
    sent = page.post(f"/officials/inbox/{mine}/reply", {"text": "Tối thứ Sáu, 19 giờ."}, form_page="/officials/inbox")
    assert sent.status_code == 303
    after = text_of(page.get("/officials/inbox"))
    assert texts.get("handoff.delivery.stored", channel="web", error="") in after and "Tối thứ Sáu, 19 giờ." in after
    row = page.call(_question_row, mine)
    assert (row.status, row.reply_text, row.delivery_status) == ("answered", "Tối thứ Sáu, 19 giờ.", "stored")
    draft = page.post(f"/officials/inbox/{mine}/draft", form_page="/officials/inbox")
    assert draft.status_code == 303 and "Đã tạo bản nháp nội dung" in text_of(page.get("/officials/inbox"))
    [written] = list((tmp_path / "drafts").glob("*.md"))
    assert "Tối thứ Sáu, 19 giờ." in written.read_text(encoding="utf-8")


async def _feedback(entry_id: str) -> None:
    async with session_scope() as session:
        for text in ("vay von nuoi bo", "vay von nuoi bo", "vay von de nuoi bo", "xin tro cap tet"):
            session.add(Feedback(kind="unanswered", folded_question=text, channel="web", area_code=AP_MOT,
                                 created_at=clock.now()))
        session.add(Feedback(kind="unanswered", folded_question="hoi o xa khac", channel="web", area_code=AP_BON,
                             created_at=clock.now()))
        for kind in ("down", "down", "up"):
            session.add(Feedback(kind=kind, entry_id=entry_id, folded_question="ho ngheo la gi", channel="web",
                                 area_code=AP_MOT, created_at=clock.now()))


def test_the_gaps_show_the_biggest_unanswered_groups_and_the_most_disliked_answers(page: Page) -> None:
    knowledge = page.client.app.state.knowledge
    entry_id = next(iter(knowledge.by_id))
    page.call(_feedback, entry_id)
    page.sign_in("viewer")
    gaps = text_of(page.get("/officials/gaps"))
    unanswered = gaps.split('id="unanswered"')[1].split('id="disliked"')[0]
    assert unanswered.index("vay von nuoi bo") < unanswered.index("xin tro cap tet")
    assert "3 lần" in unanswered and "1 lần" in unanswered
    disliked = gaps.split('id="disliked"')[1]
    assert knowledge.by_id[entry_id].title in disliked and "👎 2 · 👍 1" in disliked
    assert "hoi o xa khac" not in gaps  # another commune's households: not this viewer's to read


async def _audit_count() -> int:
    async with session_scope() as session:
        return len(list(await session.exec(select(AuditLog))))


def test_admins_read_the_audit_log(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(title="Lịch tiêm phòng"))
    assert page.get("/officials/audit").status_code == 403
    page.sign_in("admin")
    audit = text_of(page.get("/officials/audit"))
    assert "Cán bộ Tân Hòa" in audit and "tạo bản tin" in audit and "Lịch tiêm phòng" in audit
    assert "tạo cán bộ" in audit and page.call(_audit_count) >= 4
