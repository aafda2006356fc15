"""`GET /api/v1/areas`: find places by name (diacritics optional) or list the places under one. Public.

`GET /api/v1/areas/{code}/poster.pdf` is the A4 "Quét mã để nhận bản tin ấp …" poster of one area; public too,
since it shows only the area's name and the public subscribe links (a household may print its own).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from api.deps import AreaCode, SessionDep, api_error, errors, pdf_response, printed
from core import ui_texts as texts
from core.answers.normalise import clean
from core.bulletins.printing import area_poster
from core.places.areas import area_public, child_areas, get_area, resolve_area, search_areas
from core.places.names import KINDS
from core.safe_text import SafeText

router = APIRouter(prefix="/api/v1", tags=["areas"], responses=errors(422))
MAX_QUERY_CHARS = 200


class AreaOut(BaseModel):
    code: str
    name: str
    kind: str
    parent_code: str | None
    aliases: list[str]


KIND_PATTERN = "^({0})(,({0}))*$".format("|".join(KINDS))


def _kinds(values: list[str] | None) -> tuple[str, ...] | None:
    """Kinds from `?kind=hamlet&kind=commune` or `?kind=hamlet,commune`; 422 on an unknown one (as KIND_PATTERN)."""
    kinds = tuple(k for v in values or [] for k in v.split(","))
    for kind in kinds:
        if kind not in KINDS:
            raise api_error(422, texts.get("areas.unknown_kind", kind=kind, kinds=", ".join(KINDS)))
    return kinds or None


@router.get("/areas", response_model=list[AreaOut], responses=errors(404))
async def find_areas(
    session: SessionDep,
    q: Annotated[SafeText(MAX_QUERY_CHARS) | None,
                 Query(description="Name, former name or alias; any spelling, e.g. 'thanh an'.")] = None,
    kind: Annotated[list[SafeText(100, pattern=KIND_PATTERN)] | None,
                    Query(max_length=10, description="province, commune, ward or hamlet (repeatable).")] = None,
    parent: Annotated[AreaCode | None, Query(description="Only areas directly under this code.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Most results to return.")] = 20,
) -> list[dict[str, Any]]:
    """Areas matching `q` (best first), or the areas directly under `parent` (filtered by `q` if given); with
    neither, the top-level areas (provinces)."""
    query = clean(q or "")
    kinds = _kinds(kind)
    if len(query) > MAX_QUERY_CHARS:
        raise api_error(422, texts.get("areas.query_too_long", limit=MAX_QUERY_CHARS))
    if not query and not parent:
        roots = [a for a in await child_areas(session, None) if kinds is None or a.kind in kinds]
        return [area_public(a) for a in roots[:limit]]
    if parent:
        if await get_area(session, parent) is None:
            raise api_error(404, texts.get("areas.not_found", code=parent))
        if not query:
            children = [a for a in await child_areas(session, parent) if kinds is None or a.kind in kinds]
            return [area_public(a) for a in children[:limit]]
    found = await search_areas(session, query, kinds=kinds, limit=limit, parent_code=parent or None)
    return [area_public(a) for a in found]


@router.get("/areas/{code}", response_model=AreaOut, responses=errors(404))
async def one_area(code: Annotated[AreaCode, Path(description="The area's code.")],
                   session: SessionDep) -> dict[str, Any]:
    """One area by code, merged or not."""
    area = await get_area(session, code)
    if area is None:
        raise api_error(404, texts.get("areas.not_found", code=code))
    return area_public(area)


@router.get("/areas/{code}/poster.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "An A4 PDF."}, **errors(404, 503)})
async def poster(code: Annotated[AreaCode, Path(description="The area's code.")], session: SessionDep) -> Response:
    """The subscribe poster of a hamlet (or commune): its name and a QR that subscribes in one tap."""
    area = await resolve_area(session, code)
    if area is None:
        raise api_error(404, texts.get("areas.not_found", code=code))
    return pdf_response(await printed(area_poster(session, area)), f"dang-ky-{area.code}.pdf")
