"""Hỏi cán bộ, gaps and the audit log on the officials' page.

    GET  /officials/inbox                 questions from households of hamlets in scope (open ones first)
    POST /officials/inbox/{id}/reply      the answer goes out through api/routes/inbox.py, as from the API
    POST /officials/inbox/{id}/draft      "Tạo bản nháp nội dung": the question and its answer as a draft entry
    GET  /officials/gaps                  the biggest groups of unanswered questions, the answers with most 👎
    GET  /officials/audit                 recent audit log entries (admins)

The page adds no rules of its own: scope, the one-reply rule, sending and drafts are core/handoff/questions.py and the
inbox routes' `answer_question`; the gaps are core/handoff/learning.py with the same settings as the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import KnowledgeDep, RowId, SessionDep
from api.officials_page.web import FormOfficial, PageError, PageOfficial, PageRoute, redirect, render, tr, writer_only
from api.routes import inbox as inbox_routes
from core import audit
from core import ui_texts as texts
from core.bulletins.service import local_text
from core.handoff import questions as handoff
from core.handoff.learning import disliked_entries, unanswered_groups
from core.models import AuditLog, Official
from core.officials.accounts import ADMIN, visible_areas
from core.settings import get_settings

router = APIRouter(route_class=PageRoute, include_in_schema=False)  # under /officials
GAPS_SHOWN = 15
AUDIT_SHOWN = 200
DETAIL_CHARS = 300


def _local(moment: str | None) -> str:
    return local_text(datetime.fromisoformat(moment)) if moment else ""


async def inbox_context(session: AsyncSession, official: Official, status: str | None) -> dict[str, Any]:
    status = status if status in handoff.STATUSES else None
    questions = await handoff.inbox(session, official, status=status, limit=100)
    rows = [row | {"asked": _local(row["created_at"]), "answered": _local(row["replied_at"])}
            for row in await inbox_routes.question_rows(session, questions)]
    return {"rows": rows, "status": status, "nav": "inbox", "reply_limit": get_settings().handoff_reply_max_chars,
            "open_count": sum(1 for row in rows if row["status"] == handoff.OPEN)}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox_page(request: Request, official: PageOfficial, session: SessionDep,
                     status: str | None = None) -> HTMLResponse:
    """The questions households sent to the officials of their hamlet."""
    return render(request, "inbox.html", await inbox_context(session, official, status))


@router.post("/inbox/{question_id}/reply", response_class=HTMLResponse)
async def reply(request: Request, question_id: RowId, official: FormOfficial,
                session: SessionDep) -> Response:
    """Answer one question; a problem with the text shows next to its answer box."""
    writer_only(official)
    text = (await request.form()).get("text")
    text = text if isinstance(text, str) else ""
    try:
        answered = await inbox_routes.answer_question(session, official, question_id, text)
    except handoff.ReplyInvalid as error:
        context = await inbox_context(session, official, None)
        context |= {"errors": {question_id: str(error)}, "drafts": {question_id: text}}
        return render(request, "inbox.html", context, status=error.status)
    except handoff.HandoffError as error:
        raise PageError(error.status, str(error)) from None
    return redirect(f"/officials/inbox#q{question_id}", flash=answered["delivery"]["message"])


@router.post("/inbox/{question_id}/draft")
async def draft(question_id: RowId, official: FormOfficial, session: SessionDep,
                knowledge: KnowledgeDep) -> RedirectResponse:
    """Turn an answered question into a draft content entry for the curators."""
    writer_only(official)
    try:
        path, created = await handoff.write_draft(session, official, question_id, knowledge)
    except handoff.HandoffError as error:
        raise PageError(error.status, str(error)) from None
    await session.commit()
    note = tr("flash.draft_created" if created else "flash.draft_exists", id=question_id, path=path)
    return redirect(f"/officials/inbox#q{question_id}", flash=note)


@router.get("/gaps", response_class=HTMLResponse)
async def gaps_page(request: Request, official: PageOfficial, session: SessionDep,
                    knowledge: KnowledgeDep) -> HTMLResponse:
    """What households asked that the bot could not answer, and the answers they disliked."""
    settings = get_settings()
    days = settings.learning_window_days
    areas = await visible_areas(session, official)  # households' words: only those of the official's areas
    groups = await unanswered_groups(session, days=days, similarity=settings.learning_similarity, limit=GAPS_SHOWN,
                                     knowledge=knowledge, areas=areas)
    disliked = await disliked_entries(session, days=days, limit=GAPS_SHOWN, knowledge=knowledge, areas=areas)
    return render(request, "gaps.html", {"groups": groups, "disliked": disliked, "days": days, "nav": "gaps"})


def action_label(action: str) -> str:
    return texts.all_texts().get(f"officials_page.audit.actions.{action}", action)


def detail_text(detail: dict[str, Any]) -> str:
    parts = [f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
             for key, value in detail.items() if value not in (None, "", [])]
    text = "; ".join(parts)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, official: PageOfficial, session: SessionDep) -> HTMLResponse:
    """Who created, changed, cancelled or sent what, newest first (admins only)."""
    if official.role != ADMIN:
        raise PageError(403, tr("errors.admin_only"))
    entries: list[AuditLog] = await audit.recent(session, limit=AUDIT_SHOWN)
    ids = sorted({e.official_id for e in entries if e.official_id is not None})
    names = dict((await session.exec(select(Official.id, Official.name).where(col(Official.id).in_(ids)))).all())
    system = tr("audit.system")
    rows = [{"when": local_text(e.created_at),
             "who": system if e.official_id is None else names.get(e.official_id, f"#{e.official_id}"),
             "action": action_label(e.action), "target": f"{e.target_type} {e.target_id}",
             "detail": detail_text(e.detail)} for e in entries]
    return render(request, "audit.html", {"rows": rows, "nav": "audit"})
