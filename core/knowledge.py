"""Search over the curated entries and the answer/fallback decision.

Retrieval is two BM25 indexes over the same normalised tokens (unigrams plus bigrams):
- an entry index: title, keywords and body, with field weights applied by repeating a field's tokens;
- a question index: one document per example question and per title; an entry scores its best one.
Both are normalised to their best hit and mixed with the best IDF-weighted overlap between the question
and one of the entry's examples, and with the question's coverage: the share of its informative words
(IDF-weighted) that the entry knows — with their accents when the household typed accents, so "tuổi" is
not "tươi". An out-of-scope question ("giá vàng hôm nay") may still score on "hôm nay", but most of what it
says is unknown to us, so it gets an honest fallback. Weights and thresholds live in `core/search_config.py`
and were chosen on the dev questions (see `make eval`; tune only on `tests/data/questions/tune.jsonl`).
"""

from __future__ import annotations

import logging
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
from core.search_config import (
    DEFAULT_CONFIG,
    SMALL_TALK,
    SMALL_TALK_FILLERS,
    STOPWORDS,
    STOPWORDS_ACCENTED,
    SearchConfig,
)
from core.text import Lexicon, Normaliser, bigrams, clean, has_marks, raw_tokens, tone_key

# bm25s sets its own logger to DEBUG when imported, which would print a line per index built.
logging.getLogger("bm25s").setLevel(logging.WARNING)
MAX_ANSWER_CHARS = 1500

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

    def __init__(self, entries: list[Entry], lexicon: Lexicon, config: SearchConfig = DEFAULT_CONFIG):
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
        self._entry_terms = [
            set(tokens).union(*(self._terms(q) for q in e.questions),
                              *(self.normaliser.base_tokens(t) for t in self._entry_texts(e)))
            for tokens, e in zip(self._entry_tokens, entries, strict=True)
        ]
        self._entry_keys = [{tone_key(t) for text in self._entry_texts(e) for t in raw_tokens(text)}
                            for e in entries]
        self._lexicon_forms = {f[0] for f in self.normaliser.lexicon.rewrites if len(f) == 1} | {
            f[0] for f in self.normaliser.lexicon.rewrites.values() if len(f) == 1}
        self.entry_index = self._bm25(self._entry_tokens)
        self._question_owner: list[int] = []
        question_docs: list[list[str]] = []
        doc_boost: list[float] = []
        for i, entry in enumerate(entries):
            for j, question in enumerate([entry.title, *entry.questions]):
                question_docs.append(self._terms(question))
                self._question_owner.append(i)
                doc_boost.append(config.title_boost if j == 0 else 1.0)
        self._doc_boost = np.array(doc_boost)
        self.question_index = self._bm25(question_docs)
        self._owner = np.array(self._question_owner, dtype=np.int64)
        document_frequency = Counter(t for terms in self._entry_terms for t in terms)
        n = max(len(entries), 1)
        self._idf = {t: math.log(1 + n / df) for t, df in document_frequency.items()}
        self._unknown_idf = math.log(1 + n)
        self._postings: dict[str, list[int]] = {}
        for doc, terms in enumerate(question_docs):
            for term in set(terms):
                self._postings.setdefault(term, []).append(doc)
        self._postings_arrays = {t: np.array(d, dtype=np.int64) for t, d in self._postings.items()}
        self._doc_mass = np.array([sum(self._idf.get(t, 0.0) for t in set(d)) for d in question_docs])

    @classmethod
    def from_directory(cls, content_dir: Path, config: SearchConfig = DEFAULT_CONFIG) -> KnowledgeBase:
        return cls(load_entries(content_dir), Lexicon.load(content_dir / "lexicon.yaml"), config)

    @staticmethod
    def _entry_texts(entry: Entry) -> list[str]:
        return [entry.title, *entry.questions, *entry.keywords, entry.body]

    def _bm25(self, docs: list[list[str]]) -> bm25s.BM25:
        index = bm25s.BM25(k1=self.config.k1, b=self.config.b)
        index.index([d or [""] for d in docs], show_progress=False)
        return index

    def _terms(self, text: str) -> list[str]:
        if self.config.stopwords:
            tokens = self.normaliser.tokens(text, drop=STOPWORDS_ACCENTED)
            content = [t for t in tokens if t not in STOPWORDS]
            tokens = content or tokens or self.normaliser.tokens(text)
        else:
            tokens = self.normaliser.tokens(text)
        if not self.config.use_bigrams:
            return tokens
        pairs = bigrams(tokens)
        if self.config.skip_bigrams:
            pairs += [f"{a}_{b}" for a, b in zip(tokens, tokens[2:], strict=False)]
        return tokens + pairs

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
        units = self._query_units(text)
        coverage = np.array([self._coverage(units, i) for i in range(len(self.entries))])
        cw, ew = self.config.coverage_weight, self.config.example_weight
        final = (1 - cw - ew) * mixed + cw * coverage + ew * self._example_similarity(terms)
        final = np.where(mask & (mixed > 0), final, 0.0)
        order = np.argsort(-final)[:limit]
        return [Hit(self.entries[i], float(final[i]), float(coverage[i])) for i in order if final[i] > 0]

    def _example_similarity(self, terms: list[str]) -> np.ndarray:
        """Per entry, the best IDF-weighted Dice overlap between the question and its title or examples."""
        query = set(terms)
        shared = np.zeros(len(self._doc_mass))
        for term in query:
            docs = self._postings_arrays.get(term)
            if docs is not None:
                shared[docs] += self._idf.get(term, 0.0)
        query_mass = sum(self._idf.get(t, self._unknown_idf) for t in query)
        dice = self._doc_boost * 2 * shared / np.maximum(query_mass + self._doc_mass, 1e-9)
        best = np.zeros(len(self.entries))
        np.maximum.at(best, self._owner, dice)
        return best

    def _query_units(self, text: str) -> list[tuple[float, str | None, str]]:
        """Each informative word of the question: its weight, its accented key (when typed with accents
        and neither repaired nor a lexicon synonym) and its normalised token."""
        stop = self.config.stopwords
        units = []
        for token, raw in self.normaliser.aligned(text, drop=STOPWORDS_ACCENTED if stop else frozenset()):
            if stop and token in STOPWORDS:
                continue
            exact = self.config.fold and raw is not None and has_marks(raw) and token not in self._lexicon_forms
            units.append((self._idf.get(token, self._unknown_idf), tone_key(raw) if exact else None, token))
        return units

    def _coverage(self, units: list[tuple[float, str | None, str]], entry_index: int) -> float:
        """IDF-weighted share of the question's words the entry knows; accented words must match with
        their accents ("tuổi" is not "tươi"), words typed without accents match folded."""
        total = sum(weight for weight, _, _ in units)
        if total == 0:
            return 0.0
        terms, keys = self._entry_terms[entry_index], self._entry_keys[entry_index]
        known = sum(weight for weight, key, token in units if (key in keys if key is not None else token in terms))
        return known / total

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
        return hit.score >= self.config.min_score and hit.coverage >= self.config.min_coverage

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
