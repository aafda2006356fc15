"""Bulletins on the officials' page: the list, the form with its reach preview, the live report, cancelling.

    GET  /officials/bulletins                    status, areas, when, delivery counts; newest first
    GET  /officials/bulletins/new                the form (editors and admins; a viewer reads a notice)
    POST /officials/bulletins                    store it (now / at a time / weekly / raw cron for admins);
                                                 `action=preview` only recounts the households
    GET  /officials/bulletins/preview.json       ?area=…: households each channel would reach (numbers + HTML)
    GET  /officials/bulletins/{id}               the report: counts, "Đã biết" and an SVG bar per hamlet, firings
    GET  /officials/bulletins/{id}/report.json   the same report fragment, for the page's poll
    POST /officials/bulletins/{id}/cancel        withdraw what has not gone yet

Validation, scope and reporting are core/bulletins/service.py and core/bulletins/report.py, exactly as the API uses
them, so the page shows the API's messages. Live report: static/officials.js fetches report.json every 3 seconds while
the bulletin can still send (scheduled, recurring, or deliveries on their way) and swaps the fragment in place;
without JavaScript a <noscript> meta refresh reloads the page every 10 seconds instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import RowId, SessionDep, api_error
from api.officials_page.forms import (
    WEEKDAYS,
    BulletinForm,
    collapse_to_communes,
    describe_recurrence,
    hamlet_choices,
    to_draft,
)
from api.officials_page.preview import message_previews
from api.officials_page.web import (
    FormOfficial,
    JsonOfficial,
    PageError,
    PageOfficial,
    PageRoute,
    page_csrf,
    redirect,
    render,
    templates,
    tr,
    writer_only,
)
from api.routes.bulletins import nudge_scheduler
from core import clock
from core import ui_texts as texts
from core.bulletins.charts import Bar, bar_chart
from core.bulletins.report import (
    area_report,
    delivery_counts,
    dispatch_history,
    empty_counts,
    pull_reach,
    reach_preview,
)
from core.bulletins.service import (
    LIVE_STATUSES,
    BulletinDraft,
    BulletinForbidden,
    BulletinInvalid,
    BulletinNotFound,
    Problem,
    cancel_bulletin,
    create_bulletin,
    duplicate_draft,
    get_bulletin,
    list_bulletins,
    local_text,
    next_send_at,
    validate_draft,
)
from core.models import Area, Bulletin, Official
from core.officials.accounts import ADMIN, may_write, out_of_scope, sender_label
from core.places.areas import UnknownAreaError, expand_to_hamlets
from core.places.names import natural_key
from core.settings import get_settings

router = APIRouter(prefix="/bulletins", route_class=PageRoute, include_in_schema=False)  # under /officials


async def area_names(session: AsyncSession, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict((await session.exec(select(Area.code, Area.name).where(col(Area.code).in_(codes)))).all())


def when_text(bulletin: Bulletin) -> str:
    """When it goes: the time, or the schedule with its next firing."""
    if not bulletin.recurrence:
        return local_text(bulletin.send_at)
    upcoming = next_send_at(bulletin)
    schedule = describe_recurrence(bulletin.recurrence, tr)
    return tr("list.recurring_next", schedule=schedule, next=local_text(upcoming)) if upcoming else schedule


def may_cancel(bulletin: Bulletin, counts: dict[str, int]) -> bool:
    """Something has not gone yet: a firing to come, or deliveries still waiting."""
    return bulletin.status in LIVE_STATUSES or counts.get("pending", 0) > 0


# --- Reach preview ---------------------------------------------------------------------------------------


async def reach_of(session: AsyncSession, codes: list[str]) -> dict[str, Any] | None:
    """Households per channel for the picked areas; Zalo ones silent over 7 days apart; None with no pick."""
    if not codes:
        return None
    try:
        reach = await reach_preview(session, codes)
        web = await pull_reach(session, codes)
    except UnknownAreaError:
        return None
    by_channel, outside = reach["by_channel"], reach["zalo_outside_window"]
    return {"telegram": by_channel.get("telegram", 0), "zalo": by_channel.get("zalo", 0) - outside,
            "zalo_outside": outside, "web": web, "pushed": reach["households"] - outside,
            "by_area": reach["by_area"]}


@router.get("/preview.json")
async def preview_json(official: JsonOfficial, session: SessionDep,
                       area: Annotated[list[str] | None, Query(max_length=500)] = None) -> dict:
    """How many households the picked areas reach, for the form's live preview."""
    codes = await collapse_to_communes(session, area or [])
    outside = await out_of_scope(session, official, codes)
    if outside:
        raise api_error(403, texts.get("bulletins.errors.out_of_scope", codes=", ".join(outside)))
    reach = await reach_of(session, codes)
    return {"reach": reach, "html": templates.get_template("officials/_reach.html").render(reach=reach)}


# --- List and form ---------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def bulletins_page(request: Request, official: PageOfficial, session: SessionDep) -> HTMLResponse:
    """The bulletins in the official's scope, newest first."""
    bulletins = await list_bulletins(session, official=official, limit=100)
    counts = await delivery_counts(session, [b.id for b in bulletins if b.id is not None])
    names = await area_names(session, sorted({c for b in bulletins for c in b.area_codes}))
    rows = [{"bulletin": b, "counts": counts[b.id], "areas": ", ".join(names.get(c, c) for c in b.area_codes),
             "when": when_text(b), "cancellable": may_cancel(b, counts[b.id])} for b in bulletins if b.id]
    return render(request, "bulletins.html", {"rows": rows, "nav": "bulletins"})


async def form_page(request: Request, session: AsyncSession, official: Official, form: BulletinForm, *,
                    errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    settings = get_settings()
    previews = message_previews(form.title, form.body, urgent=form.urgent, sender=sender_label(official) or None) \
        if form.title.strip() or form.body.strip() else []
    context = {"form": form, "errors": errors or {}, "choices": await hamlet_choices(session, official),
               "previews": previews,
               "reach": await reach_of(session, form.areas), "weekdays": WEEKDAYS, "nav": "new",
               "may_use_cron": official.role == ADMIN, "body_limit": settings.bulletin_body_max_chars,
               "title_limit": settings.bulletin_title_max_chars, "quiet_start": settings.quiet_hours_start,
               "quiet_end": settings.quiet_hours_end, "today": clock.now().astimezone(settings.tz).date().isoformat()}
    return render(request, "bulletin_form.html", context, status=status)


@router.get("/new", response_class=HTMLResponse)
async def new_bulletin(request: Request, official: PageOfficial, session: SessionDep,
                       copy_of: Annotated[int | None, Query(alias="from", ge=1, le=2_147_483_647)] = None
                       ) -> HTMLResponse:
    """The form to write a bulletin (`?from=<id>`: filled with that bulletin's words and areas, to send again)."""
    form = BulletinForm()
    if copy_of is not None:
        draft = duplicate_draft(await visible_bulletin(session, copy_of, official))
        form = BulletinForm(title=draft.title, body=draft.body, areas=draft.area_codes, urgent=draft.urgent)
    return await form_page(request, session, official, form)


def _by_field(problems: list[Problem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        errors[problem.field] = f"{errors[problem.field]} {problem.message}" if problem.field in errors \
            else problem.message
    return errors


async def _all_problems(session: AsyncSession, draft: BulletinDraft, problems: list[Problem]) -> BulletinInvalid:
    """The form's own problems plus the core's on the other fields, so every mistake shows at once."""
    flagged = {p.field for p in problems}
    try:
        await validate_draft(session, draft)
    except BulletinInvalid as error:
        problems = problems + [p for p in error.problems if p.field not in flagged]
    return BulletinInvalid(problems)


def _created_note(bulletin: Bulletin, form: BulletinForm) -> str:
    if bulletin.recurrence:
        return tr("flash.created_recurring", id=bulletin.id, schedule=describe_recurrence(bulletin.recurrence, tr),
                  first=local_text(bulletin.send_at))
    if form.when == "at":
        return tr("flash.created_at", id=bulletin.id, when=local_text(bulletin.send_at))
    return tr("flash.created_now", id=bulletin.id)


@router.post("", response_class=HTMLResponse)
async def create(request: Request, official: FormOfficial, session: SessionDep) -> Response:
    """Store the bulletin for the scheduler, or show the form again with every problem next to its field."""
    writer_only(official)
    form = BulletinForm.from_form(await request.form())
    form.areas = await collapse_to_communes(session, form.areas)
    if form.action == "preview":
        return await form_page(request, session, official, form)
    draft, problems = to_draft(form, tz=get_settings().tz, may_use_cron=official.role == ADMIN, tr=tr)
    try:
        if problems:
            raise await _all_problems(session, draft, problems)
        bulletin = await create_bulletin(session, draft, official=official)
    except BulletinInvalid as error:
        return await form_page(request, session, official, form, errors=_by_field(error.problems), status=422)
    except BulletinForbidden as error:
        return await form_page(request, session, official, form, errors={"area_codes": str(error)}, status=403)
    await session.commit()
    nudge_scheduler(request)
    return redirect(f"/officials/bulletins/{bulletin.id}", flash=_created_note(bulletin, form))


# --- Report and cancel ---------------------------------------------------------------------------------------


async def visible_bulletin(session: AsyncSession, bulletin_id: int, official: Official) -> Bulletin:
    try:
        return await get_bulletin(session, bulletin_id, official=official)
    except BulletinNotFound as error:
        raise PageError(404, str(error)) from None
    except BulletinForbidden as error:
        raise PageError(403, str(error)) from None


async def hamlet_rows(session: AsyncSession, bulletin: Bulletin) -> list[dict[str, Any]]:
    """Counts per hamlet: every hamlet addressed (zeros before the first firing) plus any area reached."""
    assert bulletin.id is not None
    reported = {row["code"]: row for row in await area_report(session, bulletin.id)}
    try:
        addressed = await expand_to_hamlets(session, bulletin.area_codes)
    except UnknownAreaError:
        addressed = []
    missing = [code for code in addressed if code not in reported]
    names = await area_names(session, missing)
    rows = list(reported.values()) + [{"code": c, "name": names.get(c, c), **empty_counts()} for c in missing]
    return sorted(rows, key=lambda row: natural_key(row["name"]))


async def report_context(session: AsyncSession, bulletin: Bulletin) -> dict[str, Any]:
    assert bulletin.id is not None
    counts = (await delivery_counts(session, [bulletin.id]))[bulletin.id]
    rows = await hamlet_rows(session, bulletin)
    bars = [Bar(row["name"], row["sent"], row["total"],
                note=tr("report.bar_note", sent=row["sent"], total=row["total"], ack=row["acknowledged"]))
            for row in rows]
    chart = bar_chart(bars, title=tr("report.chart_title"), empty_text=tr("report.chart_empty"))
    return {"bulletin": bulletin, "counts": counts, "rows": rows, "chart": Markup(chart),  # noqa: S704 (escaped SVG)
            "dispatches": [d | {"due_text": local_text(datetime.fromisoformat(d["due_at"]))}
                           for d in await dispatch_history(session, bulletin.id)], "when": when_text(bulletin),
            "live": may_cancel(bulletin, counts), "cancellable": may_cancel(bulletin, counts)}


@router.get("/{bulletin_id}", response_class=HTMLResponse)
async def report_page(request: Request, bulletin_id: RowId, official: PageOfficial,
                      session: SessionDep) -> HTMLResponse:
    """One bulletin's report, filling in live."""
    bulletin = await visible_bulletin(session, bulletin_id, official)
    names = await area_names(session, list(bulletin.area_codes))
    context = await report_context(session, bulletin)
    context |= {"areas": ", ".join(names.get(c, c) for c in bulletin.area_codes), "nav": "bulletins"}
    return render(request, "bulletin_report.html", context)


@router.get("/{bulletin_id}/report.json")
async def report_json(request: Request, bulletin_id: RowId, official: JsonOfficial, session: SessionDep) -> dict:
    """The report fragment and whether it can still change, for the page's poll."""
    try:
        bulletin = await get_bulletin(session, bulletin_id, official=official)
    except BulletinNotFound as error:
        raise api_error(404, str(error)) from None
    except BulletinForbidden as error:
        raise api_error(403, str(error)) from None
    context = await report_context(session, bulletin) | {"csrf": page_csrf(request), "may_write": may_write(official)}
    html = templates.get_template("officials/_report.html").render(context)
    return {"live": context["live"], "counts": context["counts"], "html": html}


@router.post("/{bulletin_id}/cancel")
async def cancel(request: Request, bulletin_id: RowId, official: FormOfficial, session: SessionDep) -> RedirectResponse:
    """Cancel a bulletin that has not gone yet: no more firings, waiting deliveries withdrawn."""
    writer_only(official)
    bulletin = await visible_bulletin(session, bulletin_id, official)
    if not may_cancel(bulletin, (await delivery_counts(session, [bulletin_id]))[bulletin_id]):
        raise PageError(409, tr("errors.already_gone", id=bulletin_id))
    try:
        bulletin, withdrawn = await cancel_bulletin(session, bulletin_id, official=official)
    except BulletinForbidden as error:
        raise PageError(403, str(error)) from None
    await session.commit()
    nudge_scheduler(request)
    return redirect(f"/officials/bulletins/{bulletin_id}", flash=tr("flash.cancelled", id=bulletin_id,
                                                                    withdrawn=withdrawn))
