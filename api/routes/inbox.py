"""Officials' inbox of "Hỏi cán bộ" questions: read them, reply once, turn a reply into a draft content entry.

    GET  /api/v1/inbox                       open questions first (oldest first), then answered; ?status=open|answered
    POST /api/v1/inbox/{id}/reply            {"text"} → stored, audited, sent on the household's own channel
    POST /api/v1/inbox/{id}/draft-entry      → content/drafts/<slug>.md (201 when written, 200 when it already was)

Bearer token auth (api/deps.py). Everyone sees the questions of the hamlets in their scope (admins: all);
editors and admins reply. The reply is committed before it is sent, so a failed send loses nothing: Telegram
and Zalo get it at once through their `ChannelSender`; web and console households, and those a channel could
not reach (Zalo's 7-day window), see it at their next message. The answer tells the official which happened.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import (
    CurrentOfficial,
    EditorOfficial,
    KnowledgeDep,
    Offset,
    RowId,
    SessionDep,
    api_error,
    body_errors,
    errors,
)
from bot.engine.render import menu_button
from bot.engine.types import Reply
from core import ui_texts as texts
from core.handoff import questions as handoff
from core.models import Contact, HandoffQuestion, Official
from core.safe_text import SafeText
from core.settings import Settings
from delivery.services import channel_senders

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"], responses=errors(401, 403, 422))

PUSH_CHANNELS = frozenset({"telegram", "zalo"})
QuestionId = Annotated[int, Path(ge=1, le=2_147_483_647)]  # the column's range: no database error on wild ids
SEND_ATTEMPTS = 2
RETRY_WAIT_MAX = 2.0


class ReplyIn(BaseModel):
    text: SafeText(Settings.model_fields["handoff_reply_max_chars"].default, min_length=1) = Field(
        examples=["Bà con mang căn cước tới UBND xã vào sáng thứ Hai nhé."],
        description="The reply (at most HANDOFF_REPLY_MAX_CHARS characters, 3,000 by default).")


async def _rows(session: AsyncSession, questions: list[HandoffQuestion]) -> list[dict[str, Any]]:
    """Inbox rows with the channel, the place and the replier's name, in three lookups."""
    contact_ids = {q.contact_id for q in questions}
    official_ids = {q.replied_by for q in questions if q.replied_by is not None}
    channels = dict((await session.exec(select(Contact.id, Contact.channel)
                                        .where(col(Contact.id).in_(sorted(contact_ids))))).all())
    names = dict((await session.exec(select(Official.id, Official.name)
                                     .where(col(Official.id).in_(sorted(official_ids))))).all())
    places = await handoff.place_names(session, {q.area_code for q in questions if q.area_code})
    return [handoff.question_public(q, channel=channels.get(q.contact_id, ""), place=places.get(q.area_code or ""),
                                    official_name=names.get(q.replied_by)) for q in questions]


@router.get("")
async def index(official: CurrentOfficial, session: SessionDep, status: Literal["open", "answered"] | None = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> dict:
    """Questions from the hamlets in the official's scope."""
    try:
        questions = await handoff.inbox(session, official, status=status, limit=limit, offset=offset)
    except handoff.HandoffError as error:
        raise api_error(error.status, str(error)) from None
    return {"questions": await _rows(session, questions), "limit": limit, "offset": offset}


async def _send(channel: str, user_id: str, replies: list[Reply]) -> tuple[str, str | None]:
    """(status, error) of pushing the reply; "stored" for channels that cannot push (web, console)."""
    if channel not in PUSH_CHANNELS:
        return "stored", None
    async with channel_senders() as senders:
        sender = next((s for s in senders if s.channel == channel), None)
        if sender is None:
            return "no_sender", None
        for attempt in range(1, SEND_ATTEMPTS + 1):
            result = await sender.send(user_id, replies)
            if result.status != "retry" or attempt == SEND_ATTEMPTS:
                break
            await asyncio.sleep(min(result.retry_after or 1.0, RETRY_WAIT_MAX))
    return ("failed" if result.status == "retry" else result.status), result.error


@router.post("/{question_id}/reply", responses=body_errors(404, 409))
async def reply(question_id: RowId, body: ReplyIn, official: EditorOfficial, session: SessionDep) -> dict:
    """Answer a household's question; it reaches them on their own channel (see `delivery`)."""
    try:
        return await answer_question(session, official, question_id, body.text)
    except handoff.HandoffError as error:
        raise api_error(error.status, str(error)) from None


@router.post("/{question_id}/draft-entry", responses={
    201: {"description": "The draft was written now (200: it already was)"}, **errors(404, 409)})
async def draft_entry(question_id: RowId, official: EditorOfficial, session: SessionDep, knowledge: KnowledgeDep,
                      response: Response) -> dict:
    """Write the question and its reply as a draft content entry for curators (never loaded until moved)."""
    try:
        path, created = await handoff.write_draft(session, official, question_id, knowledge)
    except handoff.HandoffError as error:
        raise api_error(error.status, str(error)) from None
    response.status_code = 201 if created else 200
    return {"path": path, "created": created}


# --- Shared with the officials' page (api/officials_page/inbox.py): the reply flow and the rows ------------

question_rows = _rows


async def answer_question(session: AsyncSession, official: Official, question_id: int, text: str) -> dict[str, Any]:
    """Store, commit, send and record one reply: {"question", "delivery": {"status", "message"}}.

    Raises handoff.HandoffError (its `status` is the HTTP status) before anything is stored.
    """
    question = await handoff.record_reply(session, official, question_id, text)
    contact = await session.get(Contact, question.contact_id)
    await session.commit()  # the reply is kept whatever the send does
    assert contact is not None and question.id is not None
    message = Reply(handoff.reply_message(question, official.name), [[menu_button()]])
    status, error = await _send(contact.channel, contact.user_id, [message])
    await handoff.record_delivery(session, question.id, status)
    await session.commit()
    await session.refresh(question)
    note = texts.get(f"handoff.delivery.{status}", channel=contact.channel, error=error or "")
    return {"question": (await _rows(session, [question]))[0], "delivery": {"status": status, "message": note}}
