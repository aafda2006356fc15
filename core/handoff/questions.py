"""Hỏi cán bộ: a household's question reaches the officials whose scope covers its hamlet, and their reply comes back.

A question keeps the contact's hamlet (`area_code`); officials see the questions of the areas within their scope
(admins see all, including those of households that chose no hamlet). Editors and admins reply, once; viewers
read. The reply is sent on the household's own channel by the caller (api/routes/inbox.py), which records how
it went (`delivery_status`); a reply not yet delivered (web and console, Zalo's closed 7-day window, a failure)
is shown at the household's next message (`take_undelivered`). `write_draft` turns an answered question into a
draft content entry under content/drafts/, which the knowledge base never loads (it reads topic folders only).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import audit, clock
from core import ui_texts as texts
from core.answers.normalise import clean, fold
from core.answers.ranking import KnowledgeBase
from core.models import Contact, HandoffQuestion, Official
from core.officials.accounts import ADMIN, EDITOR, may_write, visible_areas
from core.places.areas import areas_within, place_label
from core.safe_text import text_problem
from core.settings import PROJECT_ROOT, get_settings

OPEN, ANSWERED = "open", "answered"
STATUSES = (OPEN, ANSWERED)
MAX_QUESTION_CHARS = 1000
MIN_QUESTION_LETTERS = 6
MAX_NAMED_ANSWERERS = 3
DRAFT_SLUG_WORDS = 8
DELIVERED = frozenset({"sent", "shown"})


class HandoffError(Exception):
    """A request about a question that cannot be done; `status` is the HTTP status, the message Vietnamese."""

    status = 400


class QuestionNotFound(HandoffError):
    status = 404


class QuestionForbidden(HandoffError):
    status = 403


class QuestionConflict(HandoffError):
    status = 409


class ReplyInvalid(HandoffError):
    status = 422


# --- The household's side ---------------------------------------------------------------------------


def question_text(text: str) -> str | None:
    """The question as it will be stored (cleaned, cut), or None when it is too short to answer."""
    text = clean(text)[:MAX_QUESTION_CHARS]
    return text if sum(ch.isalpha() for ch in text) >= MIN_QUESTION_LETTERS else None


async def open_count(session: AsyncSession, contact_id: int) -> int:
    statement = select(func.count()).select_from(HandoffQuestion).where(
        HandoffQuestion.contact_id == contact_id, HandoffQuestion.status == OPEN)
    return int((await session.exec(statement)).one())


async def ask(session: AsyncSession, contact: Contact, text: str) -> HandoffQuestion:
    """Store the household's question with its hamlet (the caller checked `question_text` and the open count)."""
    question = HandoffQuestion(contact_id=contact.id, area_code=contact.hamlet_code, text=text, status=OPEN,
                               created_at=clock.now())
    session.add(question)
    await session.flush()
    return question


async def answerers(session: AsyncSession, area_code: str | None) -> list[Official]:
    """Who will answer: active editors whose scope covers the area, else the admins."""
    officials = list(await session.exec(select(Official).where(col(Official.active).is_(True))
                                        .order_by(col(Official.id))))
    covering = []
    if area_code:
        for official in officials:
            if official.role == EDITOR and area_code in await areas_within(session, official.area_codes):
                covering.append(official)
    return covering or [o for o in officials if o.role == ADMIN]


@dataclass(frozen=True)
class Undelivered:
    question: HandoffQuestion
    official_name: str


async def take_undelivered(session: AsyncSession, contact_id: int) -> list[Undelivered]:
    """Replies the household has not received yet, oldest first, now marked as shown."""
    statement = (select(HandoffQuestion, Official)
                 .join(Official, col(Official.id) == col(HandoffQuestion.replied_by), isouter=True)
                 .where(HandoffQuestion.contact_id == contact_id, HandoffQuestion.status == ANSWERED,
                        col(HandoffQuestion.delivered_at).is_(None))
                 .order_by(col(HandoffQuestion.replied_at), col(HandoffQuestion.id)))
    found = []
    for question, official in (await session.exec(statement)).all():
        question.delivery_status, question.delivered_at = "shown", clock.now()
        session.add(question)
        found.append(Undelivered(question, official.name if official else ""))
    return found


def reply_message(question: HandoffQuestion, official_name: str) -> str:
    """What the household reads: who answered, their own question, the answer."""
    return texts.get("handoff.reply", name=official_name, number=question.id, question=question.text,
                     reply=question.reply_text or "")


# --- The officials' side -----------------------------------------------------------------------------


async def inbox(session: AsyncSession, official: Official, *, status: str | None = None, limit: int = 50,
                offset: int = 0) -> list[HandoffQuestion]:
    """Questions in the official's scope: open ones first, oldest first among them; answered newest first."""
    if status is not None and status not in STATUSES:
        raise ReplyInvalid(texts.get("handoff.errors.bad_status", status=status))
    statement = select(HandoffQuestion)
    codes = await visible_areas(session, official)
    if codes is not None:
        statement = statement.where(col(HandoffQuestion.area_code).in_(sorted(codes)))
    if status is not None:
        statement = statement.where(HandoffQuestion.status == status)
    answered_first = (HandoffQuestion.status == ANSWERED)
    statement = statement.order_by(answered_first, col(HandoffQuestion.replied_at).desc(),
                                   col(HandoffQuestion.created_at), col(HandoffQuestion.id))
    return list(await session.exec(statement.offset(offset).limit(limit)))


async def get_question(session: AsyncSession, official: Official, question_id: int) -> HandoffQuestion:
    """The question if the official may see it (QuestionNotFound / QuestionForbidden otherwise)."""
    question = await session.get(HandoffQuestion, question_id)
    if question is None:
        raise QuestionNotFound(texts.get("handoff.errors.not_found", id=question_id))
    codes = await visible_areas(session, official)
    if codes is not None and question.area_code not in codes:
        raise QuestionForbidden(texts.get("handoff.errors.out_of_scope", id=question_id))
    return question


async def record_reply(session: AsyncSession, official: Official, question_id: int, text: str) -> HandoffQuestion:
    """Store the official's one reply and audit it; sending it is the caller's next step."""
    question = await get_question(session, official, question_id)
    if not may_write(official):
        raise QuestionForbidden(texts.get("handoff.errors.read_only"))
    if question.status == ANSWERED:
        raise QuestionConflict(texts.get("handoff.errors.already_answered", id=question_id))
    text = text.strip()
    limit = get_settings().handoff_reply_max_chars
    if not clean(text):
        raise ReplyInvalid(texts.get("handoff.errors.reply_empty"))
    if text_problem(text):
        raise ReplyInvalid(str(text_problem(text)))
    if len(text) > limit:
        raise ReplyInvalid(texts.get("handoff.errors.reply_too_long", length=len(text), limit=limit))
    question.status, question.reply_text, question.replied_by = ANSWERED, text, official.id
    question.replied_at, question.delivery_status = clock.now(), None
    session.add(question)
    await audit.record(session, official, "handoff.reply", "handoff_question", question.id,
                       area_code=question.area_code, chars=len(text))
    return question


async def record_delivery(session: AsyncSession, question_id: int, status: str) -> None:
    """How the reply went: "sent" counts as delivered; anything else waits for the household's next message."""
    question = await session.get(HandoffQuestion, question_id)
    if question is None:  # the household erased its data meanwhile
        return
    question.delivery_status = status
    question.delivered_at = clock.now() if status in DELIVERED else None
    session.add(question)


async def place_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """ "Ấp Thạnh An, Xã Hỏa Lựu" for each hamlet code (the code itself when unknown)."""
    return {code: await place_label(session, code) for code in codes}


def question_public(question: HandoffQuestion, *, channel: str, place: str | None,
                    official_name: str | None) -> dict[str, Any]:
    """The inbox row an official reads (no user id: officials answer through us, not around us)."""
    return {"id": question.id, "text": question.text, "status": question.status, "area_code": question.area_code,
            "place": place, "channel": channel, "created_at": question.created_at.isoformat(),
            "reply_text": question.reply_text, "replied_by": official_name,
            "replied_at": question.replied_at.isoformat() if question.replied_at else None,
            "delivery_status": question.delivery_status}


# --- Draft content entries -----------------------------------------------------------------------------


def drafts_dir() -> Path:
    settings = get_settings()
    return settings.handoff_drafts_dir or settings.content_dir / "drafts"


def draft_slug(question: HandoffQuestion) -> str:
    """First words of the question, folded, then its number: stable, unique, a valid entry id."""
    words = re.findall(r"[a-z0-9]+", fold(question.text))[:DRAFT_SLUG_WORDS]
    return "-".join([*words, str(question.id)])


def _draft_text(question: HandoffQuestion, official_name: str, knowledge: KnowledgeBase) -> str:
    hits = knowledge.search(question.text, on=clock.today(), limit=1)
    topic = hits[0].entry.topic if hits else "gioi-thieu"
    title = question.text if len(question.text) <= 60 else question.text[:59].rstrip() + "…"
    meta = {"id": draft_slug(question), "title": title, "topic": topic, "draft": True,
            "questions": [question.text], "keywords": [], "sources": [], "legal_basis": [],
            "reviewed": clock.today().isoformat()}
    comment = texts.get("handoff.draft.comment", number=question.id, official=official_name, topic=topic,
                        date=clock.today().strftime("%d/%m/%Y"))
    front = "\n".join(f"# {line}" for line in comment.splitlines())
    body = "\n".join([question.reply_text or "", "", texts.get("handoff.draft.needs"), texts.get("handoff.draft.who"),
                      texts.get("handoff.draft.where")])
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=120)
    return f"---\n{front}\n{dumped}---\n{body}\n"


def _write_new(path: Path, text: str) -> bool:
    """Create the file with `text`; False when it exists ("x" mode: a second click never overwrites edits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    return True


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


async def write_draft(session: AsyncSession, official: Official, question_id: int,
                      knowledge: KnowledgeBase) -> tuple[str, bool]:
    """Write content/drafts/<slug>.md from an answered question: (path, created). An existing draft is kept."""
    question = await get_question(session, official, question_id)
    if not may_write(official):
        raise QuestionForbidden(texts.get("handoff.errors.read_only"))
    if question.status != ANSWERED:
        raise QuestionConflict(texts.get("handoff.errors.not_answered", id=question_id))
    replier = await session.get(Official, question.replied_by) if question.replied_by else None
    path = drafts_dir() / f"{draft_slug(question)}.md"
    text = _draft_text(question, replier.name if replier else "", knowledge)
    if not await asyncio.to_thread(_write_new, path, text):
        return _shown_path(path), False
    await audit.record(session, official, "handoff.draft", "handoff_question", question.id, path=_shown_path(path))
    return _shown_path(path), True
