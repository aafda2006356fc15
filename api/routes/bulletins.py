"""Bulletins API: officials create, list, read (with the delivery report) and cancel hamlet bulletins.

    POST   /api/v1/bulletins            {"title", "body", "area_codes", "send_at", "recurrence", "urgent"} → 201
    GET    /api/v1/bulletins            newest first, with delivery counts
    GET    /api/v1/bulletins/{id}       with counts per status, per hamlet ("Đã biết" included) and per firing
    PATCH  /api/v1/bulletins/{id}       rewrite one still waiting for its first firing (409 once queued)
    DELETE /api/v1/bulletins/{id}       cancels what has not gone yet
    POST   /api/v1/bulletins/preview    {"area_codes"} → households each channel would reach
    GET    /api/v1/bulletins/{id}/notice.pdf    the A4 notice for the hamlet board, with the subscribe QR
    GET    /api/v1/bulletins/{id}/loudspeaker   text/plain: the script read over the hamlet loudspeaker

Bearer token auth (api/deps.py). Editors write inside their scope (403 and nothing stored otherwise), viewers
read inside theirs. Times are ISO-8601 with an offset; a time without one is refused (422), never guessed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import (
    AreaCode,
    CurrentOfficial,
    EditorOfficial,
    Offset,
    RowId,
    SessionDep,
    api_error,
    body_errors,
    ensure_in_scope,
    errors,
    pdf_response,
    printed,
)
from core import ui_texts as texts
from core.bulletins.printing import bulletin_notice, loudspeaker_script
from core.bulletins.report import area_report, delivery_counts, dispatch_history, reach_preview
from core.bulletins.service import (
    BulletinAlreadyQueued,
    BulletinDraft,
    BulletinForbidden,
    BulletinInvalid,
    BulletinNotFound,
    bulletin_public,
    cancel_bulletin,
    create_bulletin,
    edit_bulletin,
    get_bulletin,
    list_bulletins,
)
from core.models import Bulletin, Official
from core.safe_text import SafeText
from core.settings import Settings

router = APIRouter(prefix="/api/v1/bulletins", tags=["bulletins"], responses=errors(401, 403, 422))


# The schema states the default limits (BULLETIN_TITLE_MAX_CHARS, BULLETIN_BODY_MAX_CHARS); the settings may lower them.
TITLE_MAX = Settings.model_fields["bulletin_title_max_chars"].default
BODY_MAX = Settings.model_fields["bulletin_body_max_chars"].default
AreaCodes = Annotated[list[AreaCode], Field(min_length=1, max_length=500, examples=[["31338-thanh-an"]])]


class BulletinIn(BaseModel):
    """A new bulletin. `send_at` null means now; `recurrence` is a five-field cron in Asia/Ho_Chi_Minh."""

    title: SafeText(TITLE_MAX, min_length=1) = Field(examples=["Họp dân ấp Thạnh An"])
    body: SafeText(BODY_MAX, min_length=1) = Field(examples=["Mời bà con dự họp lúc 19:00 tại nhà văn hóa ấp."])
    area_codes: AreaCodes
    send_at: SafeText(64, format="date-time") | None = Field(None, examples=["2030-12-02T07:00:00+07:00"])
    recurrence: SafeText(100, pattern=r"^\S+( \S+){4}$") | None = Field(None, examples=["0 7 * * 1"])
    urgent: StrictBool = False


class PreviewIn(BaseModel):
    area_codes: AreaCodes


def nudge_scheduler(request: Request) -> None:
    """An in-process scheduler picks the new bulletin up now instead of at its next sync."""
    scheduler = getattr(request.app.state, "bulletin_scheduler", None)
    if scheduler is not None:
        scheduler.request_sync()


async def _with_report(session: AsyncSession, bulletin: Bulletin, *, full: bool) -> dict[str, Any]:
    assert bulletin.id is not None
    body = bulletin_public(bulletin) | {"counts": (await delivery_counts(session, [bulletin.id]))[bulletin.id]}
    if full:
        body |= {"areas": await area_report(session, bulletin.id),
                 "dispatches": await dispatch_history(session, bulletin.id)}
    return body


def invalid(error: BulletinInvalid) -> HTTPException:
    """422 with every problem, each with its field, and all of them in the message."""
    problems = [{"field": p.field, "message": p.message} for p in error.problems]
    message = " ".join([texts.get("bulletins.errors.invalid"), *(p.message for p in error.problems)])
    return api_error(422, message, errors=problems)


async def _visible(session: AsyncSession, bulletin_id: int, official: Official) -> Bulletin:
    try:
        return await get_bulletin(session, bulletin_id, official=official)
    except BulletinNotFound as error:
        raise api_error(404, str(error)) from None
    except BulletinForbidden as error:
        raise api_error(403, str(error)) from None


@router.post("", status_code=201, responses=body_errors())
async def create(payload: BulletinIn, official: EditorOfficial, session: SessionDep, request: Request) -> dict:
    """Store a bulletin for sending now, at `send_at`, or on `recurrence`."""
    draft = BulletinDraft(**payload.model_dump())
    try:
        bulletin = await create_bulletin(session, draft, official=official)
    except BulletinInvalid as error:
        raise invalid(error) from None
    except BulletinForbidden as error:
        raise api_error(403, str(error)) from None
    body = await _with_report(session, bulletin, full=False)
    body["reach"] = await reach_preview(session, bulletin.area_codes)
    await session.commit()
    nudge_scheduler(request)
    return body


@router.get("")
async def index(official: CurrentOfficial, session: SessionDep,
                limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> dict:
    """Bulletins inside the official's scope, newest first, with their delivery counts."""
    bulletins = await list_bulletins(session, official=official, limit=limit, offset=offset)
    counts = await delivery_counts(session, [b.id for b in bulletins if b.id is not None])
    items = [bulletin_public(b) | {"counts": counts[b.id]} for b in bulletins if b.id is not None]
    return {"bulletins": items, "limit": limit, "offset": offset}


@router.post("/preview", responses=body_errors())
async def preview(payload: PreviewIn, official: CurrentOfficial, session: SessionDep) -> dict:
    """How many households each channel, and each hamlet, would reach."""
    if not payload.area_codes:
        raise api_error(422, texts.get("bulletins.errors.areas_empty"))
    await ensure_in_scope(session, official, payload.area_codes)
    return await reach_preview(session, payload.area_codes)


@router.get("/{bulletin_id:int}", responses=errors(404))
async def show(bulletin_id: RowId, official: CurrentOfficial, session: SessionDep) -> dict:
    """One bulletin with counts per status, per hamlet and per firing."""
    return await _with_report(session, await _visible(session, bulletin_id, official), full=True)


@router.patch("/{bulletin_id:int}", responses=body_errors(403, 404, 409))
async def edit(bulletin_id: RowId, payload: BulletinIn, official: EditorOfficial, session: SessionDep,
               request: Request) -> dict:
    """Rewrite a scheduled bulletin (every field, as on creation) until its first firing is queued."""
    await _visible(session, bulletin_id, official)
    try:
        bulletin = await edit_bulletin(session, bulletin_id, BulletinDraft(**payload.model_dump()),
                                       official=official)
    except BulletinInvalid as error:
        raise invalid(error) from None
    except BulletinForbidden as error:
        raise api_error(403, str(error)) from None
    except BulletinAlreadyQueued as error:
        raise api_error(409, str(error)) from None
    body = await _with_report(session, bulletin, full=False)
    await session.commit()
    nudge_scheduler(request)
    return body


@router.get("/{bulletin_id:int}/notice.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "An A4 PDF."},
                       **errors(401, 403, 404, 503)})
async def notice(bulletin_id: RowId, official: CurrentOfficial, session: SessionDep) -> Response:
    """The printable A4 notice: title, body, sender, date, and a QR that subscribes to the hamlet."""
    bulletin = await _visible(session, bulletin_id, official)
    return pdf_response(await printed(bulletin_notice(session, bulletin)), f"ban-tin-{bulletin_id}.pdf")


@router.get("/{bulletin_id:int}/loudspeaker", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "The script, UTF-8."},
                       **errors(401, 403, 404)})
async def loudspeaker(bulletin_id: RowId, official: CurrentOfficial, session: SessionDep) -> Response:
    """The script for the hamlet loudspeaker: numbers, dates and abbreviations written out in words."""
    bulletin = await _visible(session, bulletin_id, official)
    return Response(await loudspeaker_script(session, bulletin), media_type="text/plain; charset=utf-8")


@router.delete("/{bulletin_id:int}", responses=errors(404))
async def cancel(bulletin_id: RowId, official: EditorOfficial, session: SessionDep, request: Request) -> dict:
    """Cancel: no further firings; deliveries not yet on their way are withdrawn."""
    await _visible(session, bulletin_id, official)
    try:
        bulletin, withdrawn = await cancel_bulletin(session, bulletin_id, official=official)
    except BulletinForbidden as error:
        raise api_error(403, str(error)) from None
    body = await _with_report(session, bulletin, full=False) | {"withdrawn": withdrawn}
    await session.commit()
    nudge_scheduler(request)
    return body
