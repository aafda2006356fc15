"""Grouping unanswered questions and ranking disliked answers, on the real database and the real lexicon."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import clock
from core.answers.ranking import get_knowledge_base
from core.db import session_scope
from core.handoff.learning import disliked_entries, group_questions, similar, unanswered_groups
from core.models import Feedback

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
ASKED = ["gia lua hom nay bao nhieu", "gia lua hom nay bao nhieu", "gia lua hom nay", "gia lua ir50404 bao nhieu",
         "cach tri benh dao on lua", "lua bi dao on", "nuoi ech co loi khong", "nuoi ech the nao", "ech",
         "dzay tien mua xe may", "vay von mua xe may", "gia vang sjc hom nay", "xin viec lam o khu cong nghiep"]


@pytest.fixture(scope="module")
def knowledge():
    return get_knowledge_base(Path(__file__).resolve().parents[3] / "content")


@pytest.mark.no_database
def test_similar_questions_are_grouped_biggest_first(knowledge):
    groups = group_questions([(q, NOW) for q in ASKED], tokens=knowledge.normaliser.tokens)
    assert [(g.count, g.example) for g in groups[:4]] == [
        (4, "gia lua hom nay bao nhieu"), (3, "nuoi ech co loi khong"), (2, "cach tri benh dao on lua"),
        (2, "dzay tien mua xe may")]
    assert groups[0].examples == ["gia lua hom nay bao nhieu", "gia lua ir50404 bao nhieu", "gia lua hom nay"]
    assert {g.example for g in groups[4:]} == {"gia vang sjc hom nay", "xin viec lam o khu cong nghiep"}
    assert sum(g.count for g in groups) == len(ASKED)


@pytest.mark.no_database
def test_the_lexicon_joins_dialect_and_synonyms(knowledge):
    asked = [("dzay duoc khong", NOW), ("vay duoc khong", NOW)]
    with_lexicon = group_questions(asked, tokens=knowledge.normaliser.tokens)
    without = group_questions(asked)
    assert len(with_lexicon) == 1 and len(without) == 2


@pytest.mark.no_database
def test_one_shared_word_does_not_join_longer_questions():
    assert not similar(frozenset({"gia", "vang", "sjc"}), frozenset({"gia", "lua", "ir50404"}), 75)
    assert similar(frozenset({"ech"}), frozenset({"nuoi", "ech", "loi"}), 75)
    assert similar(frozenset({"nuoi", "ech", "loi"}), frozenset({"nuoi", "ech"}), 75)


@pytest.mark.no_database
def test_ties_go_to_the_most_recent_and_blank_text_is_ignored():
    old, new = NOW - timedelta(days=3), NOW
    groups = group_questions([("hoc nghe may", old), ("xin giay khai sinh", new), ("   ", new)])
    assert [g.example for g in groups] == ["xin giay khai sinh", "hoc nghe may"]
    assert groups[0].public()["last_asked"] == new.isoformat()


async def add_feedback(*rows: tuple[str, str | None, str, datetime]) -> None:
    async with session_scope() as session:
        for kind, entry_id, question, when in rows:
            session.add(Feedback(kind=kind, entry_id=entry_id, folded_question=question, channel="telegram",
                                 created_at=when))


async def test_unanswered_groups_read_the_window_of_the_database(database, knowledge):
    clock.freeze(NOW)
    await add_feedback(*[("unanswered", None, q, NOW - timedelta(hours=i)) for i, q in enumerate(ASKED)],
                       ("unanswered", None, "gia lua hom nay", NOW - timedelta(days=200)),
                       ("down", "vay-ho-ngheo", "gia lua hom nay", NOW))
    async with session_scope() as session:
        groups = await unanswered_groups(session, days=90, similarity=75, limit=3, knowledge=knowledge)
    assert [(g.count, g.example) for g in groups] == [
        (4, "gia lua hom nay bao nhieu"), (3, "nuoi ech co loi khong"), (2, "cach tri benh dao on lua")]


async def test_disliked_answers_most_thumbs_down_first_with_their_thumbs_up(database, knowledge):
    clock.freeze(NOW)
    await add_feedback(("down", "vay-ho-ngheo", "vay ho ngheo lai bao nhieu", NOW),
                       ("down", "vay-ho-ngheo", "vay ho ngheo lai bao nhieu", NOW),
                       ("down", "vay-ho-ngheo", "", NOW),
                       ("up", "vay-ho-ngheo", "", NOW),
                       ("down", "bhyt-ho-ngheo", "the bhyt ho ngheo", NOW),
                       ("up", "cai-dat-vneid", "", NOW),
                       ("down", "gone-entry", "", NOW - timedelta(days=1)),
                       ("down", "bhyt-ho-ngheo", "old", NOW - timedelta(days=400)),
                       ("unanswered", None, "gia lua", NOW))
    async with session_scope() as session:
        found = await disliked_entries(session, days=90, limit=10, knowledge=knowledge)
    assert [(e.entry_id, e.down, e.up) for e in found] == [
        ("vay-ho-ngheo", 3, 1), ("bhyt-ho-ngheo", 1, 0), ("gone-entry", 1, 0)]
    assert found[0].title == knowledge.by_id["vay-ho-ngheo"].title and found[2].title is None
    assert found[0].questions == ["vay ho ngheo lai bao nhieu"]
    assert found[1].public()["questions"] == ["the bhyt ho ngheo"]
