"""Search over the curated entries and the answer/fallback decision.

Retrieval is two BM25 indexes over the same normalised tokens (unigrams plus bigrams):
- an entry index: title, keywords and body, with field weights applied by repeating a field's tokens;
- a question index: one document per example question and per title; an entry scores its best one.
Both are normalised to their best hit and mixed with the best IDF-weighted overlap between the question
and one of the entry's examples, and with the question's coverage: the share of its informative words
(IDF-weighted) that the entry knows — with their accents when the household typed accents, so "tuổi" is
not "tươi". An out-of-scope question ("giá vàng hôm nay") may still score on "hôm nay", but most of what it
says is unknown to us, so it gets an honest fallback. Two more guards against confident nonsense: at least
`min_head_coverage` of the question must be known to the entry's head (title, keywords, examples), not
only to its body, and a question using an out-of-scope cue (`content/out_of_scope.yaml`: health, weather,
prices, lottery…) is answered only by an entry whose head uses the cue too. A question asking two things
("nhà nghèo vay vốn nuôi heo") is answered with the loan and the other entry as the first button
(`Answer.also`): when it names a loan, the other topic's entry is searched on its words without the loan
and household words, and the loan by a second search among the loan entries alone (`_loan_and_other`).
Weights and thresholds live in `core/answers/tuning.py`
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
import yaml

from core import ui_texts as texts
from core.answers.content import TOPIC_TITLES, Entry, load_entries
from core.answers.normalise import Lexicon, Normaliser, bigrams, clean, has_marks, raw_tokens, tone_key
from core.answers.tuning import (
    DEFAULT_CONFIG,
    HOUSEHOLD_WORDS,
    LOAN_WORDS,
    SMALL_TALK,
    SMALL_TALK_FILLERS,
    STOPWORDS,
    STOPWORDS_ACCENTED,
    SearchConfig,
)

# bm25s sets its own logger to DEBUG when imported, which would print a line per index built.
logging.getLogger("bm25s").setLevel(logging.WARNING)
MAX_ANSWER_CHARS = 1500
# Topics whose entry answers first when a question asks two things: the loan (which programme, where).
LOAN_TOPICS = frozenset({"vay-von"})
OUT_OF_SCOPE_FILE = "out_of_scope.yaml"

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
    # Entries the question also asked about, answered by the first suggestions (in the same order):
    # "nhà nghèo vay vốn nuôi heo" is answered with the poor-household loan and also ["nuoi-heo-an-toan"].
    also: list[str] = field(default_factory=list)

    @property
    def entry_ids(self) -> list[str]:
        """Every entry this answer presents: the answer's own, then those it also covers."""
        return [self.entry_id, *self.also] if self.entry_id else []

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
            "also": self.also,
        }


@dataclass
class Hit:
    entry: Entry
    score: float
    coverage: float
    head_coverage: float = 1.0  # the same share, counting only the entry's title, keywords and examples
    known: tuple[float, ...] = ()  # per informative question word: its weight if the entry's head knows it, else 0
    words: tuple[float, ...] = ()  # per informative question word: its weight
    title_match: float = 0.0  # IDF-weighted share of the entry's title words that the question uses


@dataclass
class _Scored:
    """One question's evidence for every entry, before normalising among the entries a search allows."""

    terms: list[str]
    tokens: list[str]  # the informative words, in order (the weights and the head matrix follow them)
    weights: np.ndarray
    entry_scores: np.ndarray  # BM25 on the entry index
    question_scores: np.ndarray  # best BM25 among the entry's title and example questions
    coverage: np.ndarray
    head: np.ndarray  # (entries × words): does the entry's head know the word?
    head_coverage: np.ndarray
    example: np.ndarray
    title_match: np.ndarray


class KnowledgeBase:
    """The curated entries, indexed. Build once at start; `answer` is pure and thread-safe."""

    def __init__(self, entries: list[Entry], lexicon: Lexicon, config: SearchConfig = DEFAULT_CONFIG,
                 out_of_scope_cues: list[str] | None = None):
        self.entries = entries
        self.config = config
        self.by_id = {e.id: e for e in entries}
        self._position = {e.id: i for i, e in enumerate(entries)}
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
        # The head: what the entry is about (title, keywords, example questions), without its body.
        self._head_terms = [
            set().union(*(self._terms(t) for t in self._head_texts(e)),
                        *(self.normaliser.base_tokens(t) for t in self._head_texts(e)))
            for e in entries
        ]
        self._head_keys = [{tone_key(t) for text in self._head_texts(e) for t in raw_tokens(text)}
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
        self._title_terms = [self._weighted_terms(e.title) for e in entries]
        self._loan_title_words = {t for e in entries if e.topic in LOAN_TOPICS for t in self._terms(e.title)}
        self._loan_mask = np.array([e.topic in LOAN_TOPICS for e in entries], dtype=bool)
        self._cues = [tuple(t) for t in (self.normaliser.tokens(c) for c in out_of_scope_cues or []) if t]

    def _weighted_terms(self, text: str) -> dict[str, float]:
        """The informative words of `text` with their IDF (the title-match feature)."""
        return {token: self._idf.get(token, self._unknown_idf) for _, _, token in self._query_units(text)}

    @classmethod
    def from_directory(cls, content_dir: Path, config: SearchConfig = DEFAULT_CONFIG) -> KnowledgeBase:
        return cls(load_entries(content_dir), Lexicon.load(content_dir / "lexicon.yaml"), config,
                   load_cues(content_dir / OUT_OF_SCOPE_FILE))

    @staticmethod
    def _entry_texts(entry: Entry) -> list[str]:
        return [entry.title, *entry.questions, *entry.keywords, entry.body]

    @staticmethod
    def _head_texts(entry: Entry) -> list[str]:
        return [entry.title, *entry.questions, *entry.keywords]

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
        scored = self._score(text)
        return self._rank(scored, self._mask(on, area_codes), limit) if scored is not None else []

    def _score(self, text: str) -> _Scored | None:
        """Every entry's raw evidence for `text`; `_rank` turns it into hits among some entries."""
        terms = self._terms(text)
        if not terms or not self.entries:
            return None
        q_best = np.zeros(len(self.entries))
        if self.config.question_index:
            np.maximum.at(q_best, self._owner, self.question_index.get_scores(terms))
        units = self._query_units(text)
        weights = np.array([weight for weight, _, _ in units])
        total = max(float(weights.sum()), 1e-9)
        known = self._known(units, self._entry_terms, self._entry_keys)
        head = self._known(units, self._head_terms, self._head_keys)
        question_words = {token for _, _, token in units}
        title_match = np.array([self._title_match(question_words, i) for i in range(len(self.entries))])
        return _Scored(terms, [token for _, _, token in units], weights, self.entry_index.get_scores(terms), q_best,
                       known @ weights / total, head, head @ weights / total,
                       self._example_similarity(terms), title_match)

    def _rank(self, s: _Scored, mask: np.ndarray, limit: int) -> list[Hit]:
        """The best `limit` entries among `mask`, the BM25 scores normalised to the best of them: a search
        restricted to one topic ranks that topic's entries as if the others did not exist."""
        scores = np.where(mask, s.entry_scores, 0.0)
        top = scores.max()
        mixed = scores / top if top > 0 else scores
        best = np.where(mask, s.question_scores, 0.0)
        q_top = best.max()
        if self.config.question_index and q_top > 0:
            w = self.config.question_mix
            mixed = (1 - w) * mixed + w * best / q_top
        c = self.config
        cw, ew, tw = c.coverage_weight, c.example_weight, c.title_match_weight
        final = (1 - cw - ew - tw) * mixed + cw * s.coverage + ew * s.example + tw * s.title_match
        final = np.where(mask & (mixed > 0), final, 0.0)
        order = np.argsort(-final)[:limit]
        return [self._hit(s, int(i), float(final[i])) for i in order if final[i] > 0]

    def _hit(self, s: _Scored, i: int, score: float) -> Hit:
        words = tuple(float(w) for w in s.weights)
        return Hit(self.entries[i], score, float(s.coverage[i]), float(s.head_coverage[i]),
                   tuple(float(w) for w in s.head[i] * s.weights), words, float(s.title_match[i]))

    def _title_match(self, question_words: set[str], entry_index: int) -> float:
        """IDF-weighted share of the entry's title words that the question uses: "vay vốn hộ nghèo" matches
        all of "Vay vốn cho hộ nghèo" but misses "cận" in "Vay vốn cho hộ cận nghèo"."""
        title = self._title_terms[entry_index]
        total = sum(title.values())
        return sum(w for t, w in title.items() if t in question_words) / total if total else 0.0

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

    def _known(self, units: list[tuple[float, str | None, str]], terms: list[set[str]],
               keys: list[set[str]]) -> np.ndarray:
        """(entries × question words): does the entry know the word? Accented words must match with their
        accents ("tuổi" is not "tươi"); words typed without accents match folded."""
        known = np.zeros((len(self.entries), len(units)), dtype=bool)
        for j, (_, key, token) in enumerate(units):
            for i in range(len(self.entries)):
                known[i, j] = key in keys[i] if key is not None else token in terms[i]
        return known

    def answer(self, text: str, *, on: date, area_codes: set[str] | None = None) -> Answer:
        """The household's answer: a curated entry (with a second one when the question asks two things),
        a friendly reply, or an honest fallback."""
        question = clean(text)[: 1000]
        small_talk = self._small_talk(question)
        if small_talk is not None:
            return small_talk
        scored = self._score(question)
        mask = self._mask(on, area_codes)
        hits = self._rank(scored, mask, self.config.candidates) if scored is not None else []
        if not hits or scored is None:
            return self.fallback([], 0.0)
        pair = self._loan_and_other(scored, mask, hits)
        if pair is not None and not any(self._off_topic(question, h) for h in pair):
            first, second = pair
            rest = [h.entry.title for h in hits if h.entry.id not in (first.entry.id, second.entry.id)]
            related = [second.entry.title, *rest[:2]]
            return self._render(first.entry, first.score * first.coverage, related, also=second.entry)
        best = hits[0]
        if self._confident(best) and not self._off_topic(question, best):
            related = [h.entry.title for h in hits[1:4] if h.coverage >= self.config.min_coverage / 2]
            return self._render(best.entry, best.score * best.coverage, related)
        return self.fallback([h.entry.title for h in hits[:3]], best.score)

    def _confident(self, hit: Hit) -> bool:
        c = self.config
        return hit.score >= c.min_score and hit.coverage >= c.min_coverage and hit.head_coverage >= c.min_head_coverage

    def _off_topic(self, question: str, hit: Hit) -> bool:
        """Does the question use an out-of-scope cue (`content/out_of_scope.yaml`) that the hit's head
        (title, keywords, examples) does not? "bị đau bụng uống thuốc gì" is not about raising frogs."""
        if not self._cues:
            return False
        tokens = self.normaliser.tokens(question)
        joined = f" {' '.join(tokens)} "
        head = self._head_terms[self._position[hit.entry.id]]
        return any(f" {' '.join(cue)} " in joined and not set(cue) <= head for cue in self._cues)

    def _loan_and_other(self, s: _Scored, mask: np.ndarray, hits: list[Hit]) -> tuple[Hit, Hit] | None:
        """(loan, other) when the question names a loan (`LOAN_WORDS`) and also asks about another topic:
        "nhà nghèo vay vốn nuôi heo". The livelihood words weigh far more than "vay vốn hộ nghèo", so the
        loan entry is seldom among the best hits; instead the other intent is the best entry outside the loan
        topic on the words that are neither loan nor household words, and the loan is found by a second
        search among the loan entries alone ("nhà nghèo vay vốn": the poor-household loan). It is a pair when
        the other entry adds a share of the question the loan does not know and together they know most of
        it. Settings: the `loan_*` fields of `SearchConfig`."""
        c = self.config
        if not LOAN_WORDS.intersection(s.tokens):
            return None
        if hits[0].entry.topic in LOAN_TOPICS and hits[0].head_coverage >= c.mixed_max_single:
            return None  # one loan entry already knows the whole question
        loan_topic = self._loan_mask
        # The other intent: the best entry outside the loan topic on the question without its loan words
        # (many livelihood entries give "hộ nghèo vay vốn nuôi cá lóc" as an example, so the loan words
        # would pull toward whichever entry says so, not toward the animal asked about).
        topic_text = " ".join(t for t in s.tokens if t not in LOAN_WORDS and t not in HOUSEHOLD_WORDS)
        topic_scored = self._score(topic_text) if topic_text else None
        others = self._rank(topic_scored, mask & ~loan_topic, 1) if topic_scored is not None else []
        if not others or others[0].score < c.loan_other_min_score:
            return None
        other = self._hit(s, self._position[others[0].entry.id], others[0].score)
        # The loan: among the loan entries, on the words the other entry does not know, and on every word of
        # a loan entry's title ("hộ", "nghèo", "cận", "mới thoát", "học sinh"…) whoever knows it.
        rest = " ".join(t for t, k in zip(s.tokens, other.known, strict=True)
                        if not k or t in self._loan_title_words)
        rest_scored = self._score(rest) if rest else None
        loans = self._rank(rest_scored, mask & loan_topic, 5) if rest_scored is not None else []
        if not loans:
            return None
        # The programme's title decides between close loans: "cận nghèo vay tiền" is "Vay vốn cho hộ cận
        # nghèo", not "App vay tiền online".
        loans.sort(key=lambda h: h.score + c.loan_title_weight * h.title_match, reverse=True)
        loan = self._hit(s, self._position[loans[0].entry.id], loans[0].score)
        total = sum(s.weights)
        only_other = sum(y for x, y in zip(loan.known, other.known, strict=True) if not x) / total
        union = sum(max(x, y) for x, y in zip(loan.known, other.known, strict=True)) / total
        if only_other < c.loan_gain or union < c.loan_union or loans[0].score < c.loan_min_score:
            return None
        return loan, other

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

    def _render(self, entry: Entry, score: float, related: list[str], also: Entry | None = None) -> Answer:
        source_line = source_line_for(entry)
        also_line = texts.get("answer.also", title=also.title) if also is not None else ""
        tail = f"{also_line}\n\n{source_line}" if also_line else source_line
        room = MAX_ANSWER_CHARS - len(tail) - 2
        body = entry.body if len(entry.body) <= room else entry.body[: room - 1].rstrip() + "…"
        return Answer(
            matched=True,
            answer=f"{body}\n\n{tail}",
            kind="answer",
            entry_id=entry.id,
            title=entry.title,
            topic=entry.topic,
            score=score,
            sources=[{"title": s.title, "url": s.url} for s in entry.sources],
            suggestions=related,
            also=[also.id] if also is not None else [],
        )


def load_cues(path: Path) -> list[str]:
    """The out-of-scope cue phrases curators keep in `content/out_of_scope.yaml` (none when it is absent)."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(c) for c in data.get("cues") or []]


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
