"""Dependencies shared by the routes, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from core import ui_texts as texts
from core.answers.ranking import KnowledgeBase
from core.bulletins.printing import PrintFontMissing
from core.db import session_scope
from core.http_errors import ErrorOut, body_errors, errors  # noqa: F401 (the routes take them from here)
from core.models import Area, Official
from core.officials.accounts import authenticate, may_write, official_from_session, out_of_scope, sign_session
from core.places.areas import unknown_codes
from core.safe_text import SafeText
from core.settings import Settings, get_settings


async def get_session() -> AsyncIterator[AsyncSession]:
    async with session_scope() as session:
        yield session


def get_knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge


SessionDep = Annotated[AsyncSession, Depends(get_session)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# A table id in a URL: bounded to the INTEGER column, so /bulletins/99999999999 is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The row's id.")]
# Paging: every integer query parameter is bounded, so ?offset=9223372036854775808 is a 422, never an overflow.
MAX_OFFSET = 1_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")]
# An area code (the `area.code` column is 32 characters), as text in a body, a path or a query.
AREA_CODE_MAX: int = Area.__table__.c.code.type.length  # type: ignore[attr-defined]
AreaCode = SafeText(AREA_CODE_MAX, min_length=1)


# --- Officials: Bearer token for the API, signed session cookie for the officials' page ----------------
# Errors are HTTPException with a dict detail {"message": …}; create_app renders it as that JSON body.

SESSION_COOKIE = "giamngheo_official"


def api_error(status: int, message: str, **extra: object) -> HTTPException:
    """An HTTP error whose JSON body is {"message": message, **extra}."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return HTTPException(status_code=status, detail={"message": message, **extra}, headers=headers)


async def printed(rendering: Awaitable[bytes]) -> bytes:
    """The PDF, or a 503 JSON saying which font package to install."""
    try:
        return await rendering
    except PrintFontMissing as error:
        raise api_error(503, str(error)) from None


def pdf_response(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def get_current_official(request: Request, session: SessionDep) -> Official:
    """The active official whose API token is in `Authorization: Bearer …`; 401 otherwise."""
    token = _bearer_token(request)
    if token is None:
        raise api_error(401, texts.get("officials.token_missing"))
    official = await authenticate(session, token)
    if official is None:
        raise api_error(401, texts.get("officials.token_invalid"))
    request.state.official = official
    return official


CurrentOfficial = Annotated[Official, Depends(get_current_official)]


async def get_editor_official(official: CurrentOfficial) -> Official:
    """An official allowed to change things (admin or editor); 403 for a viewer."""
    if not may_write(official):
        raise api_error(403, texts.get("officials.read_only"))
    return official


EditorOfficial = Annotated[Official, Depends(get_editor_official)]


async def ensure_in_scope(session: AsyncSession, official: Official, codes: Iterable[str]) -> None:
    """422 listing codes not on the map, then 403 listing codes outside the official's scope."""
    codes = list(dict.fromkeys(codes))
    unknown = await unknown_codes(session, codes)
    if unknown:
        raise api_error(422, texts.get("areas.unknown_codes", codes=", ".join(unknown)), codes=unknown)
    outside = await out_of_scope(session, official, codes)
    if outside:
        raise api_error(403, texts.get("officials.out_of_scope", codes=", ".join(outside)), codes=outside)


async def official_from_session_cookie(
    request: Request, session: Annotated[AsyncSession | None, Depends(get_session)] = None
) -> Official | None:
    """The official signed in on the officials' page (cookie), or None: the page decides where to send them.

    A dependency (`SessionOfficial`); may also be awaited with the request alone, then it opens its own session.
    """
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    settings = get_settings()
    secret, max_age = settings.session_secret.get_secret_value(), settings.official_session_max_age_seconds
    if session is None:
        async with session_scope() as own:
            return await official_from_session(own, value, secret=secret, max_age=max_age)
    return await official_from_session(session, value, secret=secret, max_age=max_age)


SessionOfficial = Annotated[Official | None, Depends(official_from_session_cookie)]


def set_session_cookie(response: Response, official: Official) -> None:
    """Sign the official in on the page: an HttpOnly, SameSite=Lax cookie (Secure behind https)."""
    settings = get_settings()
    value = sign_session(official, secret=settings.session_secret.get_secret_value())
    response.set_cookie(SESSION_COOKIE, value, max_age=settings.official_session_max_age_seconds, httponly=True,
                        samesite="lax", secure=settings.cookies_secure, path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
