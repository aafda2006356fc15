"""Paper and the loudspeaker on the officials' page, with the page's sign-in (the API needs a Bearer token).

    GET /officials/bulletins/{id}/notice.pdf     the A4 notice for the hamlet board
    GET /officials/bulletins/{id}/loudspeaker    the loudspeaker script, text/plain
    GET /officials/posters                       a "Quét mã để nhận bản tin" poster button per hamlet in scope
The posters themselves are the public `GET /api/v1/areas/{code}/poster.pdf`; each report links its hamlets'.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RowId, SessionDep, pdf_response
from api.officials_page.bulletins import visible_bulletin
from api.officials_page.forms import hamlet_choices
from api.officials_page.web import PageError, PageOfficial, PageRoute, render
from core.bulletins.printing import PrintFontMissing, bulletin_notice, loudspeaker_script

router = APIRouter(route_class=PageRoute, include_in_schema=False)  # under /officials


@router.get("/posters", response_class=HTMLResponse)
async def posters(request: Request, official: PageOfficial, session: SessionDep) -> HTMLResponse:
    """Every hamlet the official looks after, each with its subscribe poster."""
    return render(request, "posters.html", {"choices": await hamlet_choices(session, official), "nav": "posters"})


@router.get("/bulletins/{bulletin_id}/notice.pdf")
async def notice(bulletin_id: RowId, official: PageOfficial, session: SessionDep) -> Response:
    """The printable notice of a bulletin in the official's scope."""
    bulletin = await visible_bulletin(session, bulletin_id, official)
    try:
        content = await bulletin_notice(session, bulletin)
    except PrintFontMissing as error:
        raise PageError(503, str(error)) from None
    return pdf_response(content, f"ban-tin-{bulletin_id}.pdf")


@router.get("/bulletins/{bulletin_id}/loudspeaker")
async def loudspeaker(bulletin_id: RowId, official: PageOfficial, session: SessionDep) -> Response:
    """The loudspeaker script of a bulletin in the official's scope."""
    bulletin = await visible_bulletin(session, bulletin_id, official)
    return Response(await loudspeaker_script(session, bulletin), media_type="text/plain; charset=utf-8")
