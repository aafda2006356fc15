"""Learning from what was asked: similar unanswered questions grouped with counts, answers with most 👎 first.

Feedback rows keep folded, redacted text (bot/engine/answers.py writes them) and the asking household's hamlet:
an official reads only the rows of the areas in their scope (`areas`); rows without a hamlet, only admins
(`areas=None`). Grouping is greedy and
deterministic: identical questions are counted together; each distinct question, most asked first, joins the
first group whose seed it resembles (rapidfuzz `token_set_ratio` ≥ `learning_similarity` on canonical tokens —
the knowledge base's normaliser maps "dzay" and "mượn tiền" to "vay" — with at least two shared tokens unless
one side has a single token), else it starts a group. Comparing with seeds only means groups never chain.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import case, func, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import clock
from core.answers.ranking import KnowledgeBase
from core.answers.tuning import STOPWORDS
from core.models import Feedback

MAX_SCANNED = 5000
EXAMPLES = 3
# Folded words that say nothing about the topic (on top of the answer engine's safe list).
IGNORED = STOPWORDS | frozenset({"co", "cho", "the", "nao", "nhi", "ha", "a", "ne", "hong", "ko", "k", "oi"})

Tokens = Callable[[str], list[str]]


@dataclass
class QuestionGroup:
    """Similar questions nobody could answer: how often, the most asked wording, a few others, when last."""

    count: int
    example: str
    examples: list[str]
    last_asked: datetime
    _tokens: frozenset[str] = field(default=frozenset(), repr=False)
    _wordings: Counter[str] = field(default_factory=Counter, repr=False)

    def public(self) -> dict[str, Any]:
        return {"count": self.count, "example": self.example, "examples": self.examples,
                "last_asked": self.last_asked.isoformat()}


def simple_tokens(text: str) -> list[str]:
    """Words of a folded question, punctuation dropped (when no knowledge base is at hand)."""
    return re.findall(r"\w+", text)


def _key(tokens: list[str]) -> frozenset[str]:
    meaningful = [t for t in tokens if t not in IGNORED]
    return frozenset(meaningful or tokens)


def similar(a: frozenset[str], b: frozenset[str], threshold: int) -> bool:
    """Token-set similarity, refusing matches that rest on one shared word between longer questions."""
    if a == b:
        return True
    shared = len(a & b)
    if shared < min(2, len(a), len(b)):
        return False
    return fuzz.token_set_ratio(" ".join(sorted(a)), " ".join(sorted(b))) >= threshold


def group_questions(asked: Iterable[tuple[str, datetime]], *, tokens: Tokens = simple_tokens,
                    similarity: int = 75) -> list[QuestionGroup]:
    """Group (folded question, when) pairs; biggest group first, then the most recently asked."""
    counts: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    for text, when in asked:
        text = " ".join(text.split())
        if not text:
            continue
        counts[text] += 1
        last[text] = max(when, last.get(text, when))
    groups: list[QuestionGroup] = []
    # Most asked first; among equals the longer wording, which makes the more telling seed.
    order = sorted(counts.items(), key=lambda item: (-item[1], -len(item[0].split()), -last[item[0]].timestamp(),
                                                     item[0]))
    for text, count in order:
        key = _key(tokens(text))
        group = next((g for g in groups if similar(key, g._tokens, similarity)), None)
        if group is None:
            group = QuestionGroup(0, text, [], last[text], key)
            groups.append(group)
        group.count += count
        group._wordings[text] += count
        group.last_asked = max(group.last_asked, last[text])
    for group in groups:
        ranked = sorted(group._wordings.items(), key=lambda item: (-item[1], -len(item[0].split()), item[0]))
        group.examples = [text for text, _ in ranked[:EXAMPLES]]
        group.example = group.examples[0]
    return sorted(groups, key=lambda g: (-g.count, -g.last_asked.timestamp()))


def _in(areas: set[str] | None) -> Any:
    """The condition "asked in one of these areas" (None: anywhere, or nowhere known)."""
    return true() if areas is None else col(Feedback.area_code).in_(sorted(areas))


async def unanswered_groups(session: AsyncSession, *, days: int, similarity: int, limit: int,
                            knowledge: KnowledgeBase | None = None,
                            areas: set[str] | None = None) -> list[QuestionGroup]:
    """The gaps: unanswered questions of the last `days` days asked in `areas` (None: all), grouped."""
    since = clock.now() - timedelta(days=days)
    statement = (select(Feedback.folded_question, Feedback.created_at)
                 .where(Feedback.kind == "unanswered", col(Feedback.created_at) >= since, _in(areas))
                 .order_by(col(Feedback.created_at).desc()).limit(MAX_SCANNED))
    rows = list((await session.exec(statement)).all())
    tokens = knowledge.normaliser.tokens if knowledge is not None else simple_tokens
    return group_questions(rows, tokens=tokens, similarity=similarity)[:limit]


@dataclass(frozen=True)
class EntryVotes:
    entry_id: str
    title: str | None
    down: int
    up: int
    questions: list[str]

    def public(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "title": self.title, "down": self.down, "up": self.up,
                "questions": self.questions}


async def disliked_entries(session: AsyncSession, *, days: int, limit: int, knowledge: KnowledgeBase | None = None,
                           areas: set[str] | None = None) -> list[EntryVotes]:
    """Answers with 👎 in the last `days` days from `areas` (None: all), most 👎 first (fewest 👍 breaks ties),
    with asked wordings."""
    since = clock.now() - timedelta(days=days)
    down = func.sum(case((col(Feedback.kind) == "down", 1), else_=0))
    up = func.sum(case((col(Feedback.kind) == "up", 1), else_=0))
    statement = (select(Feedback.entry_id, down, up)
                 .where(col(Feedback.kind).in_(("up", "down")), col(Feedback.entry_id).is_not(None),
                        col(Feedback.created_at) >= since, _in(areas))
                 .group_by(col(Feedback.entry_id)).having(down > 0)
                 .order_by(down.desc(), up, col(Feedback.entry_id)).limit(limit))
    found = []
    for entry_id, downs, ups in (await session.exec(statement)).all():
        entry = knowledge.by_id.get(entry_id) if knowledge is not None else None
        found.append(EntryVotes(entry_id, entry.title if entry else None, int(downs), int(ups),
                                await _disliked_wordings(session, entry_id, since, areas)))
    return found


async def _disliked_wordings(session: AsyncSession, entry_id: str, since: datetime,
                             areas: set[str] | None) -> list[str]:
    statement = (select(Feedback.folded_question, func.count())
                 .where(Feedback.entry_id == entry_id, Feedback.kind == "down", Feedback.folded_question != "",
                        col(Feedback.created_at) >= since, _in(areas))
                 .group_by(col(Feedback.folded_question))
                 .order_by(func.count().desc(), col(Feedback.folded_question)).limit(EXAMPLES))
    return [text for text, _ in (await session.exec(statement)).all()]
