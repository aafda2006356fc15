"""How an answer is shown: what was understood ("Về: …"), short first, "Xem thêm", "Không đúng ý tôi", voice."""

from statistics import median

from sqlmodel import select

from bot.engine.answer_view import GIST_MAX_CHARS, view
from bot.engine.types import CALLBACK_MAX_BYTES, Inbound
from core.answers.ranking import source_line_for
from core.db import session_scope
from core.models import Feedback


def test_every_entry_has_a_first_message_of_at_most_450_characters_and_its_source_one_tap_away(knowledge):
    gists = [len(view(e).gist) for e in knowledge.entries]
    details = [len(view(e).details) for e in knowledge.entries]
    print(f"first message: median {median(gists)}, max {max(gists)} characters over {len(gists)} entries; "
          f"details max {max(details)}")
    assert max(gists) <= GIST_MAX_CHARS
    assert median(gists) <= 450
    assert max(details) <= 2000  # Zalo's limit per message (Telegram's 4,096 is larger)
    for entry in knowledge.entries:
        shown = view(entry)
        assert shown.gist.startswith(f"Về: {entry.title}\n")
        assert shown.details.endswith(source_line_for(entry))
        assert all(label in shown.details for label in ("Cần gì:", "Hỏi ai:", "Ở đâu:")), entry.id


def test_nothing_of_the_body_is_lost_between_the_gist_and_the_details(knowledge):
    for entry in knowledge.entries:
        shown = view(entry)
        for line in entry.body.splitlines():
            words = line.split()[:4]
            if words and not line.strip().endswith("…"):
                head = " ".join(words)
                assert head in shown.gist or head in shown.details, (entry.id, line)


async def test_an_answer_starts_with_its_title_and_details_carry_the_source(household):
    await household.say("menu")
    answer = (await household.say("hộ nghèo được vay vốn bao nhiêu"))[0]
    assert answer.text.startswith("Về: Vay vốn cho hộ nghèo")
    assert len(answer.text) <= 450 and "Nguồn:" not in answer.text
    details = await household.tap("Xem thêm")
    assert "Cần gì:" in details[0].text and "100 triệu" in details[0].text
    assert details[0].text.splitlines()[-1].startswith("Nguồn:") and "cập nhật" in details[0].text


async def test_not_what_i_meant_records_a_miss_and_offers_two_other_entries_and_an_official(household):
    await household.say("menu")
    await household.say("Hộ nghèo được VAY VỐN bao nhiêu?")
    wrong = household.button("Không đúng ý tôi")
    assert wrong.data.startswith("no:") and len(wrong.data.encode()) <= CALLBACK_MAX_BYTES
    replies = await household.press(wrong.data)
    assert "hiểu chưa đúng ý" in replies[0].text
    labels = household.labels()
    assert len(labels) == 4 and labels[-2:] == ["Hỏi cán bộ", "☰ Menu"]
    assert "Vay vốn cho hộ nghèo" not in labels
    assert all(household.button(label).data.startswith("e:") for label in labels[:2])
    await household.press(wrong.data)  # a second tap records nothing more
    async with session_scope() as session:
        rows = list((await session.exec(select(Feedback))).all())
    assert [(r.kind, r.entry_id, r.folded_question) for r in rows] == [
        ("miss", "vay-ho-ngheo", "ho ngheo duoc vay von bao nhieu?")]


async def test_read_aloud_gives_the_last_answer_as_voice_text(household):
    await household.say("menu")
    nothing = await household.say("đọc cho tôi nghe")
    assert nothing[0].voice is None and "chưa trả lời câu nào" in nothing[0].text
    await household.say("hộ nghèo được vay vốn bao nhiêu")
    spoken = await household.say("doc cho tui nghe")
    assert spoken[0].voice and spoken[0].voice.startswith("Về: Vay vốn cho hộ nghèo")
    await household.say("hộ nghèo được vay vốn bao nhiêu")
    tapped = await household.tap("🔊 Nghe")
    assert tapped[0].voice == spoken[0].voice


async def test_a_voice_message_gets_a_kind_answer_with_the_buttons_and_an_official(household):
    await household.say("menu")
    replies = await household.send(Inbound("console", "u1", "voice"))
    assert "chưa nghe được giọng nói" in replies[0].text
    assert "Hỏi cán bộ" in household.labels() and "Vay vốn" in household.labels()
