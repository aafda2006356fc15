"""Search over the curated entries and the answer/fallback decision.

Retrieval is two BM25 indexes over the same normalised tokens (unigrams plus bigrams):
- an entry index: title, keywords and body, with field weights applied by repeating a field's tokens;
- a question index: one document per example question and per title; an entry scores its best one.
Both are normalised to their best hit and mixed. The decision to answer uses a second, query-side number,
the share of the question's informative words (IDF-weighted) that the best entry knows: an out-of-scope
question ("giá vàng hôm nay") may still score on "hôm nay", but most of what it says is unknown to us.
Both thresholds were chosen on `tests/data/dev_questions.jsonl` (see `make eval`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from core import texts
from core.content import TOPIC_TITLES, Entry, load_entries
from core.text import Lexicon, Normaliser, bigrams, clean

MAX_ANSWER_CHARS = 1500

# Words that carry no topic: question particles, pronouns, politeness. Folded forms.
STOPWORDS = frozenset(
    """a ah ak anh ba bac ban bao be bi biet cai cach can cho chi chu co con cua cung da dang day de den
    di do duoc em gi giup ha hay he hen hoi khi khong la lam lai len ma may minh mot muon nao nay ne
    nghe nguoi nha nhe nhen nhieu nho nhu noi o oi qua ra roi sao se ta thi the theo thoi tim toi tren
    trong tu va vay ve voi vo xin xem""".split()
)
# Small talk, as folded phrases once politeness words are dropped ("Cảm ơn bạn nhiều nha" → "cam on").
SMALL_TALK = {
    "greeting": frozenset({"chao", "xin chao", "hello", "hi", "alo", "helo", "hey", "chao buoi sang",
                           "chao buoi chieu", "chao buoi toi", "xin chao buoi sang"}),
    "thanks": frozenset({"cam on", "camon", "thanks", "thank you", "tks", "ok", "oke", "okay", "da",
                         "ok cam on", "da cam on", "cam on nhieu"}),
    "help": frozenset({"help", "giup", "huong dan", "tro giup", "giup do", "can giup", "giup voi",
                       "lam sao dung", "dung sao", "menu"}),
}
SMALL_TALK_FILLERS = frozenset(
    "a ah ad anh ban bac bot chi chu co cho em giamngheo lam minh nha nhe nhen nhieu oi toi voi vay".split()
)


@dataclass(frozen=True)
class SearchConfig:
    """Switches for each piece of the text pipeline, so `make eval` can show what each one adds."""

    fold: bool = True
    abbreviations: bool = True
    telex: bool = True
    typos: bool = True
    lexicon: bool = True
    use_bigrams: bool = True
    question_index: bool = True
    stopwords: bool = True
    title_weight: int = 3
    keyword_weight: int = 2
    body_weight: int = 1
    question_mix: float = 0.6
    min_score: float = 0.0
    min_coverage: float = 0.5


PLAIN_BM25 = SearchConfig(fold=False, abbreviations=False, telex=False, typos=False, lexicon=False,
                          use_bigrams=False, question_index=False, stopwords=False, title_weight=1,
                          keyword_weight=1, min_coverage=0.0)


@dataclass
class Answer:
    """What every channel shows and what `ask --json` and `/api/v1/ask` return."""

    matched: bool
    answer: str
    kind: str  # answer | fallback | greeting | thanks | help | empty
    entry_id: str | None = None
    title: str | None = None
    topic: str | None = None
    score: float = 0.0
    sources: list[dict[str, str]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "answer": self.answer,
            "kind": self.kind,
            "entry_id": self.entry_id,
            "title": self.title,
            "topic": self.topic,
            "score": round(self.score, 4),
            "sources": self.sources,
            "suggestions": self.suggestions,
        }


@dataclass
class Hit:
    entry: Entry
    score: float
    coverage: float


class KnowledgeBase:
    """The curated entries, indexed. Build once at start; `answer` is pure and thread-safe."""

    def __init__(self, entries: list[Entry], lexicon: Lexicon, config: SearchConfig = SearchConfig()):
        self.entries = entries
        self.config = config
        self.by_id = {e.id: e for e in entries}
        self.by_title = {e.title: e for e in entries}
        base = Normaliser(lexicon if config.lexicon else Lexicon(), typo_tolerance=config.typos,
                          telex_repair=config.telex, fold_marks=config.fold,
                          abbreviations=config.abbreviations)
        vocabulary = {t for e in entries for text in self._entry_texts(e) for t in base.base_tokens(text)}
        self.normaliser = base.with_vocabulary(vocabulary)
        self._entry_tokens = [self._index_tokens(e) for e in entries]
        self._entry_terms = [set(tokens).union(*(self._terms(q) for q in e.questions))
                             for tokens, e in zip(self._entry_tokens, entries, strict=True)]
        self.entry_index = self._bm25(self._entry_tokens)
        self._question_owner: list[int] = []
        question_docs: list[list[str]] = []
        for i, entry in enumerate(entries):
            for question in [entry.title, *entry.questions]:
                question_docs.append(self._terms(question))
                self._question_owner.append(i)
        self.question_index = self._bm25(question_docs)
        self._owner = np.array(self._question_owner, dtype=np.int64)
        document_frequency = Counter(t for terms in self._entry_terms for t in terms)
        n = max(len(entries), 1)
        self._idf = {t: math.log(1 + n / df) for t, df in document_frequency.items()}
        self._unknown_idf = math.log(1 + n)

    @classmethod
    def from_directory(cls, content_dir: Path, config: SearchConfig = SearchConfig()) -> KnowledgeBase:
        return cls(load_entries(content_dir), Lexicon.load(content_dir / "lexicon.yaml"), config)

    @staticmethod
    def _entry_texts(entry: Entry) -> list[str]:
        return [entry.title, *entry.questions, *entry.keywords, entry.body]

    @staticmethod
    def _bm25(docs: list[list[str]]) -> bm25s.BM25:
        index = bm25s.BM25()
        index.index([d or [""] for d in docs], show_progress=False)
        return index

    def _terms(self, text: str) -> list[str]:
        tokens = self.normaliser.tokens(text)
        if self.config.stopwords:
            content = [t for t in tokens if t not in STOPWORDS]
            tokens = content or tokens
        return tokens + bigrams(tokens) if self.config.use_bigrams else tokens

    def _index_tokens(self, entry: Entry) -> list[str]:
        c = self.config
        tokens = self._terms(entry.title) * c.title_weight
        tokens += [t for k in entry.keywords for t in self._terms(k)] * c.keyword_weight
        tokens += self._terms(entry.body) * c.body_weight
        if not c.question_index:
            tokens += [t for q in entry.questions for t in self._terms(q)]
        return tokens

    def _mask(self, on: date, area_codes: set[str] | None) -> np.ndarray:
        def allowed(entry: Entry) -> bool:
            if not entry.in_force(on):
                return False
            return not entry.areas or bool(area_codes and area_codes.intersection(entry.areas))

        return np.array([allowed(e) for e in self.entries], dtype=bool)

    def search(self, text: str, *, on: date, area_codes: set[str] | None = None, limit: int = 5) -> list[Hit]:
        """Entries in force on `on`, best first, with their mixed score and the question's coverage."""
        terms = self._terms(text)
        if not terms or not self.entries:
            return []
        mask = self._mask(on, area_codes)
        scores = self.entry_index.get_scores(terms)
        scores = np.where(mask, scores, 0.0)
        top = scores.max()
        mixed = scores / top if top > 0 else scores
        if self.config.question_index:
            q_scores = self.question_index.get_scores(terms)
            best = np.zeros(len(self.entries))
            np.maximum.at(best, self._owner, q_scores)
            best = np.where(mask, best, 0.0)
            q_top = best.max()
            if q_top > 0:
                w = self.config.question_mix
                mixed = (1 - w) * mixed + w * best / q_top
        order = np.argsort(-mixed)[:limit]
        unigrams = [t for t in terms if "_" not in t]
        return [Hit(self.entries[i], float(mixed[i]), self._coverage(unigrams, i)) for i in order
                if mixed[i] > 0]

    def _coverage(self, unigrams: list[str], entry_index: int) -> float:
        known = self._entry_terms[entry_index]
        total = sum(self._idf.get(t, self._unknown_idf) for t in unigrams)
        if total == 0:
            return 0.0
        return sum(self._idf.get(t, self._unknown_idf) for t in unigrams if t in known) / total

    def answer(self, text: str, *, on: date, area_codes: set[str] | None = None) -> Answer:
        """The household's answer: a curated entry, a friendly reply, or an honest fallback."""
        question = clean(text)[: 1000]
        small_talk = self._small_talk(question)
        if small_talk is not None:
            return small_talk
        hits = self.search(question, on=on, area_codes=area_codes)
        if hits and self._confident(hits[0]):
            best = hits[0]
            related = [h.entry.title for h in hits[1:4] if h.coverage >= self.config.min_coverage / 2]
            return self._render(best.entry, best.score * best.coverage, related)
        return self.fallback([h.entry.title for h in hits[:3]], hits[0].score if hits else 0.0)

    def _confident(self, hit: Hit) -> bool:
        return hit.score > self.config.min_score and hit.coverage >= self.config.min_coverage

    def _small_talk(self, question: str) -> Answer | None:
        tokens = self.normaliser.base_tokens(question)
        if not tokens:
            return Answer(False, texts.get("answer.empty"), "empty", suggestions=self.default_topics())
        core = " ".join(t for t in tokens if t not in SMALL_TALK_FILLERS) or " ".join(tokens)
        for kind, phrases in SMALL_TALK.items():
            if core in phrases:
                return Answer(False, texts.get(f"answer.{kind}"), kind, suggestions=self.default_topics())
        return None

    def default_topics(self) -> list[str]:
        return [TOPIC_TITLES[t] for t in ("vay-von", "chuan-ngheo", "sinh-ke")]

    def fallback(self, suggestions: list[str], score: float = 0.0) -> Answer:
        suggestions = suggestions or self.default_topics()
        lines = [texts.get("answer.fallback")]
        lines += [f"• {s}" for s in suggestions[:3]]
        lines.append(texts.get("answer.fallback_person"))
        return Answer(False, "\n".join(lines), "fallback", score=score, suggestions=suggestions[:3])

    def _render(self, entry: Entry, score: float, related: list[str]) -> Answer:
        source_line = source_line_for(entry)
        room = MAX_ANSWER_CHARS - len(source_line) - 2
        body = entry.body if len(entry.body) <= room else entry.body[: room - 1].rstrip() + "…"
        return Answer(
            matched=True,
            answer=f"{body}\n\n{source_line}",
            kind="answer",
            entry_id=entry.id,
            title=entry.title,
            topic=entry.topic,
            score=score,
            sources=[{"title": s.title, "url": s.url} for s in entry.sources],
            suggestions=related,
        )


def source_line_for(entry: Entry) -> str:
    """"Nguồn: … · cập nhật dd/mm/yyyy", the last line of every answer."""
    names = "; ".join(s.title for s in entry.sources[:2])
    return texts.get("answer.source_line").format(sources=names, reviewed=entry.reviewed.strftime("%d/%m/%Y"))


_cache: dict[Path, KnowledgeBase] = {}


def get_knowledge_base(content_dir: Path | None = None) -> KnowledgeBase:
    """The process's knowledge base for `content_dir` (default: the configured one), built once."""
    from core.settings import get_settings

    content_dir = (content_dir or get_settings().content_dir).resolve()
    if content_dir not in _cache:
        _cache[content_dir] = KnowledgeBase.from_directory(content_dir)
    return _cache[content_dir]


def reload_knowledge_base(content_dir: Path | None = None) -> KnowledgeBase:
    from core.settings import get_settings

    _cache.pop((content_dir or get_settings().content_dir).resolve(), None)
    return get_knowledge_base(content_dir)
