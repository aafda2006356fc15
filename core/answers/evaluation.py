"""Measure the search on the dev set: top-1 accuracy and out-of-scope precision, per pipeline step."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from core.answers.content import load_entries
from core.answers.normalise import Lexicon
from core.answers.ranking import KnowledgeBase
from core.answers.tuning import PLAIN_BM25, SearchConfig
from core.settings import get_settings


@dataclass(frozen=True)
class DevQuestion:
    text: str
    expected: str | None  # None: out of scope, must get matched: false


@dataclass
class EvalResult:
    name: str
    in_scope: int
    top1_correct: int
    answered_correct: int
    out_of_scope: int
    out_of_scope_refused: int
    wrong_answers: int

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

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"top1_accuracy": round(self.top1_accuracy, 4),
                               "answered_accuracy": round(self.answered_accuracy, 4),
                               "out_of_scope_precision": round(self.out_of_scope_precision, 4)}


def load_dev_set(path: str | Path) -> list[DevQuestion]:
    questions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(DevQuestion(row["text"], row.get("expected")))
    return questions


def evaluate(knowledge: KnowledgeBase, questions: list[DevQuestion], *, on: date, name: str) -> EvalResult:
    result = EvalResult(name, 0, 0, 0, 0, 0, 0)
    for question in questions:
        hits = knowledge.search(question.text, on=on)
        answer = knowledge.answer(question.text, on=on)
        if question.expected is None:
            result.out_of_scope += 1
            result.out_of_scope_refused += not answer.matched
            continue
        result.in_scope += 1
        result.top1_correct += bool(hits) and hits[0].entry.id == question.expected
        result.answered_correct += answer.matched and answer.entry_id == question.expected
        result.wrong_answers += answer.matched and answer.entry_id != question.expected
    return result


def ablations() -> list[tuple[str, SearchConfig]]:
    """Plain BM25, then the full pipeline, then the full pipeline less one piece at a time."""
    full = SearchConfig()
    return [
        ("plain BM25 (lower-case words, one field; answers all)", PLAIN_BM25),
        ("full pipeline", full),
        ("without folding accents", replace(full, fold=False)),
        ("without chat abbreviations", replace(full, abbreviations=False)),
        ("without Telex repair", replace(full, telex=False)),
        ("without typo tolerance", replace(full, typos=False)),
        ("without lexicon", replace(full, lexicon=False)),
        ("without bigrams", replace(full, use_bigrams=False)),
        ("without question index", replace(full, question_index=False)),
        ("without stop words", replace(full, stopwords=False)),
    ]


def evaluate_all(questions: list[DevQuestion], *, on: date) -> list[EvalResult]:
    content_dir = get_settings().content_dir
    entries = load_entries(content_dir)
    lexicon = Lexicon.load(content_dir / "lexicon.yaml")
    return [evaluate(KnowledgeBase(entries, lexicon, config), questions, on=on, name=name)
            for name, config in ablations()]


def format_table(results: list[EvalResult]) -> str:
    """A Markdown table: top-1, answered with the right entry, confident wrong answers, out-of-scope refused."""
    lines = ["| configuration | top-1 | answered right | wrong answers | out-of-scope refused |",
             "|---|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.name.strip()} | {r.top1_accuracy:.1%} | {r.answered_accuracy:.1%} | {r.wrong_answers} | "
                     f"{r.out_of_scope_precision:.1%} |")
    if results:
        r = results[0]
        lines.append(f"\n{r.in_scope} in-scope questions, {r.out_of_scope} out-of-scope; "
                     "\"without …\" rows are the full pipeline with that one piece switched off.")
    return "\n".join(lines)
