"""core/handoff/questions.py on the real database: storing questions, scope, one reply, delivery bookkeeping, drafts."""

import asyncio
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from core.answers.content import split_front_matter
from core.answers.ranking import get_knowledge_base
from core.db import session_scope
from core.handoff import questions as handoff
from core.models import Area, AuditLog, Contact
from core.officials.accounts import create_official

CONTENT = Path(__file__).resolve().parents[3] / "content"


@pytest.mark.no_database
@pytest.mark.parametrize(("typed", "kept"), [("  Cho  hỏi\tlịch họp ấp? ", "Cho hỏi lịch họp ấp?"), ("ờ", None),
                                             ("?? 123 !!", None), ("vay?", None), ("x" * 2000, "x" * 1000)])
def test_question_text_is_cleaned_cut_and_refused_when_too_short(typed, kept):
    assert handoff.question_text(typed) == kept


@pytest.fixture
async def world(database) -> dict[str, object]:
    """Xã Hỏa Lựu with two hamlets, a household in each, an editor of one hamlet, a viewer and an admin."""
    async with session_scope() as session:
        session.add(Area(code="31338", name="Xã Hỏa Lựu", kind="commune"))
        for code, name in (("31338-thanh-an", "Ấp Thạnh An"), ("31338-thanh-loi", "Ấp Thạnh Lợi")):
            session.add(Area(code=code, name=name, kind="hamlet", parent_code="31338"))
        session.add(Contact(channel="web", user_id="a", hamlet_code="31338-thanh-an", state={}))
        session.add(Contact(channel="web", user_id="b", hamlet_code="31338-thanh-loi", state={}))
        await session.flush()
        editor, _ = await create_official(session, name="Chị Lan", role="editor", area_codes=["31338-thanh-an"])
        viewer, _ = await create_official(session, name="Người xem", role="viewer", area_codes=["31338"])
        admin, _ = await create_official(session, name="Văn phòng", role="admin", area_codes=[])
        contacts = list(await session.exec(select(Contact).order_by(Contact.user_id)))
        asked = [await handoff.ask(session, contact, f"Câu hỏi của nhà {contact.user_id} về hộ nghèo")
                 for contact in contacts]
    return {"editor": editor, "viewer": viewer, "admin": admin, "asked": [q.id for q in asked],
            "contacts": [c.id for c in contacts]}


async def test_scope_decides_who_sees_which_question(world):
    async with session_scope() as session:
        editor_sees = [q.id for q in await handoff.inbox(session, world["editor"])]
        viewer_sees = [q.id for q in await handoff.inbox(session, world["viewer"])]
        admin_sees = [q.id for q in await handoff.inbox(session, world["admin"])]
        assert editor_sees == world["asked"][:1]
        assert viewer_sees == admin_sees == world["asked"]
        with pytest.raises(handoff.QuestionForbidden):
            await handoff.get_question(session, world["editor"], world["asked"][1])
        with pytest.raises(handoff.QuestionNotFound):
            await handoff.get_question(session, world["admin"], 424242)
        assert await handoff.place_names(session, {"31338-thanh-an", "gone"}) == {
            "31338-thanh-an": "Ấp Thạnh An, Xã Hỏa Lựu", "gone": "gone"}


async def test_one_reply_per_question_from_an_editor_in_scope_audited(world):
    first = world["asked"][0]
    async with session_scope() as session:
        with pytest.raises(handoff.QuestionForbidden):
            await handoff.record_reply(session, world["viewer"], first, "Trả lời")
        with pytest.raises(handoff.ReplyInvalid):
            await handoff.record_reply(session, world["editor"], first, " \n ")
        question = await handoff.record_reply(session, world["editor"], first, "  Tối thứ Sáu họp.  ")
        assert (question.status, question.reply_text, question.delivery_status) == ("answered", "Tối thứ Sáu họp.",
                                                                                    None)
        with pytest.raises(handoff.QuestionConflict):
            await handoff.record_reply(session, world["admin"], first, "Lần hai")
    async with session_scope() as session:
        [entry] = list(await session.exec(select(AuditLog).where(AuditLog.action == "handoff.reply")))
        assert entry.official_id == world["editor"].id and entry.target_id == str(first)


async def test_only_replies_not_delivered_are_taken_once(world):
    first, second = world["asked"]
    async with session_scope() as session:
        await handoff.record_reply(session, world["admin"], first, "Đã gửi qua Telegram.")
        await handoff.record_delivery(session, first, "sent")
        await handoff.record_reply(session, world["admin"], second, "Chờ bà con nhắn lại.")
        await handoff.record_delivery(session, second, "unreachable")
    async with session_scope() as session:
        assert await handoff.take_undelivered(session, world["contacts"][0]) == []
        [waiting] = await handoff.take_undelivered(session, world["contacts"][1])
        assert waiting.official_name == "Văn phòng"
        assert "Chờ bà con nhắn lại." in handoff.reply_message(waiting.question, waiting.official_name)
    async with session_scope() as session:
        assert await handoff.take_undelivered(session, world["contacts"][1]) == []


async def test_open_count_and_answerers(world):
    async with session_scope() as session:
        assert await handoff.open_count(session, world["contacts"][0]) == 1
        assert [o.name for o in await handoff.answerers(session, "31338-thanh-an")] == ["Chị Lan"]
        assert [o.name for o in await handoff.answerers(session, "31338-thanh-loi")] == ["Văn phòng"]


async def test_a_draft_survives_awkward_text_and_is_written_once(world, env, tmp_path):
    env.setenv("HANDOFF_DRAFTS_DIR", str(tmp_path / "drafts"))
    from core.settings import get_settings

    get_settings.cache_clear()
    knowledge = get_knowledge_base(CONTENT)
    async with session_scope() as session:
        contact = await session.get(Contact, world["contacts"][0])
        question = await handoff.ask(session, contact, 'Hỏi: "vay" 100% #1 --- có được không? [gấp]')
        await handoff.record_reply(session, world["editor"], question.id, "Được.\n---\nHỏi trưởng ấp: nhé.")
        path, created = await handoff.write_draft(session, world["editor"], question.id, knowledge)
        again = await handoff.write_draft(session, world["editor"], question.id, knowledge)
    assert created and again == (path, False)
    assert Path(path).name == f"hoi-vay-100-1-co-duoc-khong-gap-{question.id}.md"
    text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
    meta, body, _ = split_front_matter(Path(path), text)
    assert meta["questions"] == ['Hỏi: "vay" 100% #1 --- có được không? [gấp]'] and meta["draft"] is True
    assert meta["id"] == Path(path).stem and body.startswith("Được.")
    assert yaml.safe_load(yaml.safe_dump(meta)) == meta


async def test_viewers_cannot_write_drafts(world):
    async with session_scope() as session:
        await handoff.record_reply(session, world["admin"], world["asked"][0], "Trả lời.")
        with pytest.raises(handoff.QuestionForbidden):
            await handoff.write_draft(session, world["viewer"], world["asked"][0], get_knowledge_base(CONTENT))
