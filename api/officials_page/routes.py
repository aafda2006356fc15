"""The officials' web page at /officials: server-rendered Jinja2, Vietnamese, for a phone; a little vanilla JS.

    GET  /officials                   → the bulletins (or the sign-in form)
    GET  /officials/sign-in           the form: paste the API token `giamngheo official create` printed
    POST /officials/sign-in           token → the signed session cookie (api/deps.py); a wrong token says so
    POST /officials/sign-out          forget the session
    /officials/bulletins…             list, write, preview, live report, cancel (officials_page_bulletins.py)
    /officials/bulletins/{id}/notice.pdf, …/loudspeaker   paper and loudspeaker (officials_page_print.py)
    /officials/inbox…, /gaps, /audit  Hỏi cán bộ questions, gaps in the answers, the audit log
                                      (officials_page_inbox.py)

Sessions, CSRF and rendering are in api/officials_page/web.py. Every page needs the session; every form post needs
the CSRF token. The API under /api/v1 keeps accepting only the Bearer token, so the cookie never drives it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, clear_session_cookie, official_from_session_cookie, set_session_cookie
from api.officials_page import bulletins as officials_page_bulletins
from api.officials_page import inbox as officials_page_inbox
from api.officials_page import printing as officials_page_print
from api.officials_page.web import (
    CSRF_COOKIE,
    CSRF_FIELD,
    PREFIX,
    SIGN_IN,
    FormOfficial,
    PageError,
    PageRoute,
    csrf_for,
    csrf_matches,
    new_sign_in_seed,
    redirect,
    render,
    safe_next,
    tr,
)
from core.officials.accounts import authenticate, end_page_sessions
from core.settings import get_settings

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)
TOKEN_MAX_CHARS = 200


@router.get("")
async def home(request: Request, session: SessionDep) -> RedirectResponse:
    """Where an official lands: their bulletins, or the sign-in form."""
    signed_in = await official_from_session_cookie(request, session)
    return redirect(f"{PREFIX}/bulletins" if signed_in else SIGN_IN)


def sign_in_page(request: Request, *, next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
    """The form, with a CSRF token tied to a pre-session cookie (set here when the browser has none)."""
    seed = request.cookies.get(CSRF_COOKIE) or new_sign_in_seed()
    context = {"sign_in_csrf": csrf_for(seed), "next": next_path, "error": error, "token_limit": TOKEN_MAX_CHARS}
    response = render(request, "sign_in.html", context, status=status)
    if request.cookies.get(CSRF_COOKIE) != seed:
        response.set_cookie(CSRF_COOKIE, seed, max_age=3600, httponly=True, samesite="lax", path=SIGN_IN,
                            secure=get_settings().cookies_secure)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, session: SessionDep, next: str = "") -> Response:  # noqa: A002
    """The sign-in form; a signed-in official goes straight on."""
    if await official_from_session_cookie(request, session) is not None:
        return redirect(safe_next(next))
    return sign_in_page(request, next_path=safe_next(next))


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, session: SessionDep, token: Annotated[str, Form(max_length=TOKEN_MAX_CHARS)] = "",
                  csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
                  next: Annotated[str, Form(max_length=500)] = "") -> Response:  # noqa: A002
    """Exchange the API token for the page session; a wrong token gets the form back with a clear message."""
    if not csrf_matches(csrf, request.cookies.get(CSRF_COOKIE)):
        raise PageError(403, tr("errors.csrf_sign_in"))
    if not token.strip():
        return sign_in_page(request, next_path=safe_next(next), error=tr("sign_in.token_empty"), status=422)
    official = await authenticate(session, token)
    if official is None:
        return sign_in_page(request, next_path=safe_next(next), error=tr("sign_in.token_wrong"), status=401)
    response = redirect(safe_next(next), flash=tr("flash.signed_in", name=official.name))
    set_session_cookie(response, official)
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, official: FormOfficial, session: SessionDep) -> RedirectResponse:
    """End the official's sessions in the database and forget the cookie (the CSRF token keeps other sites
    from signing an official out); the old cookie, replayed, leads to the sign-in form."""
    await end_page_sessions(session, official)
    await session.commit()  # before the answer: a replay right after must already find the session ended
    response = redirect(SIGN_IN, flash=tr("flash.signed_out"))
    clear_session_cookie(response)
    return response


router.include_router(officials_page_bulletins.router)
router.include_router(officials_page_inbox.router)
router.include_router(officials_page_print.router)
