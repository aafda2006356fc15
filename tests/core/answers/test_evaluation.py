"""The search, measured on the dev questions written as households type (tests/data/questions/).

The questions are split into a tuning set and a held-out test set (README, "Search quality"): the
floors below guard the levels after the second engine work of issue 11 (Dec 2026, both sets together:
top-1 94.0%, answered right 86.6%, 27 wrong of 440, out-of-scope refused 91.5% of 293, mixed intent 63.3%
of 90), with a margin of about two points, five for the mixed rate. The out-of-scope floor went from 93% to
89% because the tuning set gained 40 near-domain out-of-scope questions (land titles, marriage, savings
rates…), 13 of which were answered when they were added; the wrong-answer ceiling is 7% (was 6.5%).
Targets: out-of-scope refusal ≥ 98% on the test set, top-1 ≥ 94%, mixed intent ≥ 90%; raise them as more lands.
A wrong answer stated confidently is worse than "mình chưa biết".
"""

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from core.answers.content import load_entries
from core.answers.evaluation import (
    DevQuestion,
    EvalResult,
    evaluate,
    load_question_sets,
    near_copies,
    plain_words,
    wilson,
)
from core.answers.normalise import fold
from core.answers.ranking import KnowledgeBase

pytestmark = pytest.mark.no_database
ROOT = Path(__file__).resolve().parents[3]
QUESTIONS = ROOT / "tests" / "data" / "questions"


@pytest.fixture(scope="module")
def sets() -> dict[str, list[DevQuestion]]:
    return load_question_sets(QUESTIONS)


@pytest.fixture(scope="module")
def entries():
    return load_entries(ROOT / "content")


@pytest.fixture(scope="module")
def result(sets) -> EvalResult:
    knowledge = KnowledgeBase.from_directory(ROOT / "content")
    both = sets["tune"] + sets["test"]
    return evaluate(knowledge, both, on=date(2026, 11, 29), name="full pipeline")


def test_the_dev_set_is_big_and_varied_enough(sets):
    questions = sets["tune"] + sets["test"]
    in_scope = [q.text for q in questions if q.expected]
    out_of_scope = [q.text for q in questions if q.expected is None]
    assert len(in_scope) >= 400
    assert len(out_of_scope) >= 200
    for name, part in sets.items():
        assert sum(q.second is not None for q in part) >= 30, name
    for texts in (in_scope, out_of_scope):
        without_accents = [t for t in texts if fold(t) == t.casefold()]
        assert len(without_accents) >= len(texts) / 3


def test_tune_and_test_sets_are_disjoint_even_once_folded(sets):
    tune = {plain_words(q.text) for q in sets["tune"]}
    test = {plain_words(q.text) for q in sets["test"]}
    assert len(tune) == len(sets["tune"]) and len(test) == len(sets["test"]), "a set repeats a question"
    assert tune.isdisjoint(test)


def test_every_entry_asked_twice_or_more_is_in_both_sets(sets):
    counts = {name: Counter(q.expected for q in part) for name, part in sets.items()}
    total = counts["tune"] + counts["test"]
    one_sided = [e for e, n in total.items() if n >= 2 and not (counts["tune"][e] and counts["test"][e])]
    assert one_sided == []


def test_mixed_questions_name_two_real_entries(sets, entries):
    ids = {e.id for e in entries}
    mixed = [q for part in sets.values() for q in part if q.second is not None]
    assert len(mixed) >= 60
    assert all(q.expected in ids and q.second in ids and q.expected != q.second for q in mixed)


def test_top1_accuracy_is_at_least_92_percent(result):
    assert result.top1_accuracy >= 0.92, f"top-1 {result.top1_accuracy:.1%}"


def test_most_in_scope_questions_are_answered_with_the_right_entry(result):
    assert result.answered_accuracy >= 0.84, f"answered correctly {result.answered_accuracy:.1%}"


def test_few_confident_wrong_answers(result):
    # Baseline Dec 2026: 28 of 417 in-scope questions (single and mixed intent); after issue 11's first work: 23;
    # after the second (a loan search of its own, 23 more tuning questions): 27 of 440.
    assert result.wrong_answers <= 0.07 * (result.in_scope + result.mixed), f"{result.wrong_answers} wrong answers"


def test_out_of_scope_questions_are_refused(result):
    # Baseline Dec 2026: 84.2% of 209 (the 48 older ones alone: 93.8%); after issue 11's first work: 95.2%;
    # 91.5% of 293 once the tuning set gained 83 new ones (40 of them near our topics).
    assert result.out_of_scope_precision >= 0.89, f"refused {result.out_of_scope_precision:.1%}"


def test_mixed_questions_keep_both_intents(result):
    # Before issue 11: 2 of 69 (the loan answered, the other entry the first button); after its first work: 16 of
    # 69; after the loan's own search: 57 of 90.
    assert result.mixed_accuracy >= 0.58, f"mixed intent {result.mixed_accuracy:.1%}"


def test_no_dev_question_copies_or_nearly_copies_an_entry(sets, entries):
    texts = [q.text for part in sets.values() for q in part]
    assert near_copies(texts, entries) == []


def test_the_near_copy_check_catches_an_example_reworded_by_one_word(entries):
    example = next(e for e in entries if e.id == "vay-ho-ngheo").questions[1]
    assert example == "nhà nghèo muốn mượn vốn nhà nước làm ăn thì vay được nhiêu"
    near = [
        "nha ngheo muon muon von nha nuoc lam an thi vay duoc nhieu",  # accents dropped
        "nhà nghèo muốn vay vốn nhà nước làm ăn thì vay được nhiêu",  # one word swapped
        "nhà nghèo muốn mượn vốn nhà nước làm ăn thì vay được bao nhiêu",  # one word added
        "Vay tối đa 100 triệu đồng mỗi hộ",  # a body sentence, word for word
    ]
    honest = ["hộ nghèo vay ngân hàng chính sách tối đa mấy chục triệu", "vay hộ nghèo?"]
    found = {text for text, _, _ in near_copies(near + honest, entries)}
    assert found == set(near)


def test_wilson_interval_matches_the_textbook_values():
    low, high = wilson(81, 100)
    assert (round(low, 3), round(high, 3)) == (0.722, 0.875)
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(10, 10)[1] == 1.0


def test_a_mixed_question_is_covered_only_when_both_entries_show(entries):
    from core.answers.evaluation import mixed_coverage
    from core.answers.ranking import Answer

    titles = {e.id: e.title for e in entries}
    ids_by_title = {e.title: e.id for e in entries}
    question = DevQuestion("nhà nghèo vay vốn nuôi heo", "vay-ho-ngheo", "nuoi-heo-an-toan")

    def shown(entry_id, *suggested):
        answer = Answer(True, "…", "answer", entry_id=entry_id, suggestions=[titles[s] for s in suggested])
        return mixed_coverage(answer, question, ids_by_title)

    assert shown("vay-ho-ngheo", "nuoi-heo-an-toan", "nuoi-bo-ho-tro-giong") == "in order"
    assert shown("nuoi-heo-an-toan", "vay-ho-ngheo") == "either order"
    assert shown("vay-ho-ngheo", "nuoi-bo-ho-tro-giong", "nuoi-heo-an-toan") is None  # second button only
    assert shown("nuoi-ca-loc-be-bat", "vay-ho-ngheo") is None
    assert mixed_coverage(Answer(False, "…", "fallback", suggestions=[titles["vay-ho-ngheo"]]), question,
                          ids_by_title) is None
