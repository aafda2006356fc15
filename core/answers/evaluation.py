"""Measure the search on the dev questions, reported separately on the tuning set and the held-out test set.

The questions live in `tests/data/questions/tune.jsonl` and `test.jsonl` (split once by
`tests/data/questions/split.py`). Only the tuning set may be looked at when choosing content, lexicon
forms or thresholds; the test set is only reported (see README, "Search quality").

Each line is `{"text", "expected", "second"?}`: `expected` null means out of scope (the answer must be a
fallback); a `second` entry marks a mixed-intent question ("vay vốn" + a livelihood), scored by
`mixed_coverage`. Every rate comes with a 95% Wilson interval, because a few dozen questions per row leave
wide margins.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from core.answers.content import Entry, load_entries
from core.answers.normalise import Lexicon, fold
from core.answers.ranking import OUT_OF_SCOPE_FILE, Answer, Hit, KnowledgeBase, load_cues
from core.answers.tuning import PLAIN_BM25, SearchConfig
from core.settings import get_settings

QUESTION_SETS = ("tune", "test")
QUESTIONS_DIR = Path("tests/data/questions")
# A dev question is a near-copy of an entry when, folded to plain lower-case words, its token_sort_ratio
# (rapidfuzz: word order ignored, edit distance over the whole string) with one of the entry's example
# questions or body sentences reaches 88: about one word in eight changed. Chosen on the dev set of
# Dec 2026: at 88 it caught two questions that were an example with one word dropped or swapped
# (rewritten since); the closest honest paraphrases score 83–87. Questions of five words or fewer are checked
# for equality only: a short question ("điều chỉnh kỳ hạn nợ") is bound to be close to some phrase of a
# body. token_set_ratio was tried and rejected: any question whose words all occur in one long body
# sentence scores 100.
NEAR_COPY_THRESHOLD = 88.0
NEAR_COPY_MIN_WORDS = 6


@dataclass(frozen=True)
class DevQuestion:
    text: str
    expected: str | None  # None: out of scope, must get matched: false
    second: str | None = None  # set: a mixed-intent question that `expected` and `second` both answer


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a rate successes/n ((0, 1) when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class EvalResult:
    name: str
    in_scope: int = 0  # single-intent in-scope questions
    top1_correct: int = 0
    answered_correct: int = 0
    wrong_answers: int = 0  # confident answers with the wrong entry: single-intent, plus mixed ones naming neither
    out_of_scope: int = 0
    out_of_scope_refused: int = 0
    mixed: int = 0
    mixed_covered: int = 0  # both entries shown, the expected (loan) one as the answer: see mixed_coverage
    mixed_either_order: int = 0  # both entries shown in either order
    mixed_first_answered: int = 0
    misses: list[dict[str, object]] = field(default_factory=list, repr=False)

    @property
    def top1_accuracy(self) -> float:
        return self.top1_correct / self.in_scope if self.in_scope else 0.0

    @property
    def answered_accuracy(self) -> float:
        """In-scope questions answered (matched) with the right entry."""
        return self.answered_correct / self.in_scope if self.in_scope else 0.0

    @property
    def out_of_scope_precision(self) -> float:
        """Share of out-of-scope questions that got `matched: false`."""
        return self.out_of_scope_refused / self.out_of_scope if self.out_of_scope else 1.0

    @property
    def out_of_scope_answered(self) -> int:
        """Out-of-scope questions answered confidently with some entry: confident nonsense."""
        return self.out_of_scope - self.out_of_scope_refused

    @property
    def mixed_accuracy(self) -> float:
        return self.mixed_covered / self.mixed if self.mixed else 0.0

    def rates(self) -> dict[str, tuple[int, int]]:
        """Each reported rate as (successes, n)."""
        return {"top1_accuracy": (self.top1_correct, self.in_scope),
                "answered_accuracy": (self.answered_correct, self.in_scope),
                "out_of_scope_precision": (self.out_of_scope_refused, self.out_of_scope),
                "mixed_accuracy": (self.mixed_covered, self.mixed),
                "mixed_either_order": (self.mixed_either_order, self.mixed),
                "mixed_first_answered": (self.mixed_first_answered, self.mixed)}

    def to_dict(self) -> dict[str, object]:
        row: dict[str, object] = {k: v for k, v in vars(self).items() if k != "misses"}
        row["out_of_scope_answered"] = self.out_of_scope_answered
        for key, (k, n) in self.rates().items():
            low, high = wilson(k, n)
            row[key] = round(k / n, 4) if n else None
            row[key + "_95"] = [round(low, 4), round(high, 4)]
        row["misses"] = self.misses
        return row


def load_dev_set(path: str | Path) -> list[DevQuestion]:
    questions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(DevQuestion(row["text"], row.get("expected"), row.get("second")))
    return questions


def load_question_sets(directory: str | Path = QUESTIONS_DIR) -> dict[str, list[DevQuestion]]:
    """{"tune": [...], "test": [...]} from `directory`."""
    return {name: load_dev_set(Path(directory) / f"{name}.jsonl") for name in QUESTION_SETS}


def mixed_coverage(answer: Answer, question: DevQuestion, ids_by_title: dict[str, str]) -> str | None:
    """How a mixed-intent answer shows the question's two entries at once: "in order", "either order"
    or None (one intent dropped).

    The household sees an entry when it is the confident answer (`answer.entry_id`, or one of
    `answer.entry_ids`: the answer's entry and those in `answer.also`, which the engine sets when it
    answers two intents) or the first suggestion, the first button under the answer.
    - "in order": the answer is the `expected` entry (the loan: which programme, where) and `second`
      (the livelihood) is the first button, or a combined answer presents both. This is the success
      `make eval` reports as "mixed intent".
    - "either order": both are shown but the other way round: the answer is `second` and the first
      button is `expected`. Reported beside it, as the looser measure.
    """
    if not answer.matched or answer.entry_id is None:
        return None
    wanted = {question.expected, question.second}
    if wanted <= {answer.entry_id, *getattr(answer, "entry_ids", ())}:
        return "in order"
    first_button = ids_by_title.get(answer.suggestions[0]) if answer.suggestions else None
    if (answer.entry_id, first_button) == (question.expected, question.second):
        return "in order"
    if (answer.entry_id, first_button) == (question.second, question.expected):
        return "either order"
    return None


def plain_words(text: str) -> str:
    """Folded, lower-case words joined by single spaces: what the near-copy check compares."""
    return " ".join(re.findall(r"\w+", fold(text).casefold()))


def entry_sentences(entry: Entry) -> list[str]:
    """An entry's example questions and body sentences (split at . ! ? ; : and line ends), as plain words."""
    sentences = list(entry.questions) + re.split(r"(?<=[.!?;:])\s+|\n", entry.body)
    return [w for w in (plain_words(s) for s in sentences) if w]


def near_copies(texts: Iterable[str], entries: list[Entry], threshold: float = NEAR_COPY_THRESHOLD,
                min_words: int = NEAR_COPY_MIN_WORDS) -> list[tuple[str, str, float]]:
    """(question, entry id, score) for every question that copies or nearly copies a sentence of an entry."""
    targets = [(entry.id, sentence) for entry in entries for sentence in entry_sentences(entry)]
    choices = [sentence for _, sentence in targets]
    exact = {sentence: entry_id for entry_id, sentence in targets}
    found = []
    for text in texts:
        words = plain_words(text)
        if words in exact:
            found.append((text, exact[words], 100.0))
        elif len(words.split()) >= min_words:
            best = process.extractOne(words, choices, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
            if best is not None:
                found.append((text, targets[best[2]][0], float(best[1])))
    return found


class PureBM25:
    """BM25 alone over the tokens a configuration produces (the entry index: title, keywords, body and
    example questions), without the question index, example overlap or coverage, and no fallback: the
    best-scoring entry in force is always the answer. The baseline the pipeline is compared with."""

    def __init__(self, knowledge: KnowledgeBase):
        self.knowledge = knowledge

    def search(self, text: str, *, on: date, limit: int = 5) -> list[Hit]:
        kb = self.knowledge
        terms = kb._terms(text)  # the same tokens the pipeline indexes with this configuration
        if not terms:
            return []
        scores = np.where(kb._mask(on, None), kb.entry_index.get_scores(terms), 0.0)
        order = np.argsort(-scores)[:limit]
        return [Hit(kb.entries[i], float(scores[i]), 1.0) for i in order if scores[i] > 0]

    def answer(self, text: str, *, on: date) -> Answer:
        hits = self.search(text, on=on)
        if not hits:
            return Answer(False, "", "fallback")
        best = hits[0].entry
        return Answer(True, best.body, "answer", entry_id=best.id, title=best.title, score=hits[0].score,
                      suggestions=[h.entry.title for h in hits[1:4]])


def evaluate(knowledge: KnowledgeBase | PureBM25, questions: Iterable[DevQuestion], *, on: date,
             name: str) -> EvalResult:
    result = EvalResult(name)
    entries: list[Entry] = knowledge.knowledge.entries if isinstance(knowledge, PureBM25) else knowledge.entries
    ids_by_title = {e.title: e.id for e in entries}
    for question in questions:
        answer = knowledge.answer(question.text, on=on)
        answered = answer.entry_id if answer.matched else None
        if question.expected is None:
            result.out_of_scope += 1
            result.out_of_scope_refused += answered is None
            if answered is not None:
                result.misses.append({"text": question.text, "expected": None, "answered": answered})
            continue
        if question.second is not None:
            result.mixed += 1
            shown = mixed_coverage(answer, question, ids_by_title)
            covered = shown == "in order"
            result.mixed_covered += covered
            result.mixed_either_order += shown is not None
            result.mixed_first_answered += answered == question.expected
            result.wrong_answers += answered is not None and answered not in (question.expected, question.second)
            if not covered:
                result.misses.append({"text": question.text, "expected": [question.expected, question.second],
                                      "answered": answered, "suggestions": answer.suggestions[:1]})
            continue
        hits = knowledge.search(question.text, on=on)
        result.in_scope += 1
        result.top1_correct += bool(hits) and hits[0].entry.id == question.expected
        result.answered_correct += answered == question.expected
        result.wrong_answers += answered is not None and answered != question.expected
        if answered != question.expected:
            result.misses.append({"text": question.text, "expected": question.expected, "answered": answered})
    return result


def configurations() -> list[tuple[str, SearchConfig, bool]]:
    """(name, configuration, pure BM25?): the two BM25 baselines, the full pipeline, then the full pipeline
    less one piece at a time."""
    full = SearchConfig()
    return [
        ("pure BM25 (lower-case words, one field; answers all)", PLAIN_BM25, True),
        ("pure BM25 on the pipeline's tokens (answers all)", replace(full, question_index=False), True),
        ("full pipeline", full, False),
        ("without folding accents", replace(full, fold=False), False),
        ("without chat abbreviations", replace(full, abbreviations=False), False),
        ("without Telex repair", replace(full, telex=False), False),
        ("without typo tolerance", replace(full, typos=False), False),
        ("without lexicon", replace(full, lexicon=False), False),
        ("without bigrams", replace(full, use_bigrams=False), False),
        ("without question index", replace(full, question_index=False), False),
        ("without stop words", replace(full, stopwords=False), False),
    ]


def evaluate_all(sets: dict[str, list[DevQuestion]], *, on: date) -> dict[str, list[EvalResult]]:
    """Every configuration on every question set: {set name: [result per configuration]}."""
    content_dir = get_settings().content_dir
    entries = load_entries(content_dir)
    lexicon = Lexicon.load(content_dir / "lexicon.yaml")
    cues = load_cues(content_dir / OUT_OF_SCOPE_FILE)
    results: dict[str, list[EvalResult]] = {name: [] for name in sets}
    for name, config, pure in configurations():
        knowledge = KnowledgeBase(entries, lexicon, config, cues)
        engine = PureBM25(knowledge) if pure else knowledge
        for set_name, questions in sets.items():
            results[set_name].append(evaluate(engine, questions, on=on, name=name))
    return results


def _rate(k: int, n: int) -> str:
    if not n:
        return "–"
    low, high = wilson(k, n)
    return f"{k / n:.1%} ({low:.0%}–{high:.0%})"


def format_table(results: dict[str, list[EvalResult]]) -> str:
    """Markdown: the full pipeline on each set with 95% intervals and the wrong-answer headline, then
    every configuration on each set."""
    full = {name: next(r for r in rows if r.name == "full pipeline") for name, rows in results.items()}
    lines = ["Full pipeline (95% Wilson intervals in brackets):", "",
             "| set | top-1 | answered right | wrong answers | out-of-scope refused | out-of-scope answered "
             "| mixed intent: loan answered, other first | mixed intent: both shown, either order |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in full.items():
        lines.append(f"| {name} | {_rate(r.top1_correct, r.in_scope)} | {_rate(r.answered_correct, r.in_scope)} "
                     f"| **{r.wrong_answers}** | {_rate(r.out_of_scope_refused, r.out_of_scope)} "
                     f"| **{r.out_of_scope_answered}** | {_rate(r.mixed_covered, r.mixed)} "
                     f"| {_rate(r.mixed_either_order, r.mixed)} |")
    lines.append("")
    lines += [f"{name}: {r.in_scope} single-intent in-scope, {r.mixed} mixed-intent, {r.out_of_scope} out-of-scope "
              f"questions; confident wrong answers {r.wrong_answers} in scope + {r.out_of_scope_answered} "
              f"out of scope = {r.wrong_answers + r.out_of_scope_answered}." for name, r in full.items()]
    for name, rows in results.items():
        lines += ["", f"Every configuration, {name} set:", "",
                  "| configuration | top-1 | answered right | wrong answers | out-of-scope refused | mixed intent |",
                  "|---|---:|---:|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {r.name} | {r.top1_accuracy:.1%} | {r.answered_accuracy:.1%} | {r.wrong_answers} "
                         f"| {r.out_of_scope_precision:.1%} | {r.mixed_accuracy:.1%} |")
    lines.append("\n\"without …\" rows are the full pipeline with that one piece switched off; the pure BM25 rows "
                 "rank by BM25 alone and always answer.")
    return "\n".join(lines)
