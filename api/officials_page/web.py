"""The officials' page machinery: who is signed in, CSRF tokens, flash messages, HTML errors and rendering.

Every page needs the signed session cookie of api/deps.py (`SESSION_COOKIE`, set by signing in with the API
token); without it a page redirects to /officials/sign-in. Every form post carries a CSRF token in a hidden
field: HMAC-SHA256(SESSION_SECRET, "csrf:" + the session cookie), so the token lives and dies with the session,
and a page of another site — which can neither read the HttpOnly cookie nor compute the HMAC — cannot post for
the official. The sign-in form, before there is a session, does the same with a random pre-session cookie.
Tokens are compared with hmac.compare_digest. Page routes use `PageRoute`, which turns a `PageError` raised
anywhere (dependencies included) into an HTML page or a redirect instead of the API's JSON errors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.deps import SESSION_COOKIE, SessionDep, api_error, official_from_session_cookie
from api.routes.pages import API_DIR, SECURITY_HEADERS, asset_version
from core import ui_texts as texts
from core.bulletins.service import local_text
from core.models import Official
from core.officials.accounts import ADMIN, may_write
from core.settings import get_settings

PREFIX = "/officials"
SIGN_IN = f"{PREFIX}/sign-in"
CSRF_FIELD = "csrf"
CSRF_COOKIE = "giamngheo_csrf"  # pre-session seed for the sign-in form only
FLASH_COOKIE = "giamngheo_flash"
FLASH_MAX_CHARS = 600

templates = Jinja2Templates(directory=API_DIR / "templates")


def tr(key: str, **values: Any) -> str:
    """A text of the page from content/texts.yaml (`officials_page.<key>`)."""
    return texts.get(f"officials_page.{key}", **values)


def vn_number(value: int | float) -> str:
    """12345 → "12.345", as Vietnamese readers group digits."""
    return f"{value:,}".replace(",", ".")


def tr_or(key: str, default: str) -> str:
    """A page text when the key exists (a channel or status name), else `default` as it is."""
    return texts.all_texts().get(f"officials_page.{key}", default)


templates.env.globals.update(tr=tr, tr_or=tr_or, text=texts.get, local_text=local_text)
templates.env.filters["vn_number"] = vn_number


# --- CSRF ---------------------------------------------------------------------------------------------


def csrf_for(seed: str) -> str:
    """The token a form must echo for a given seed (the session cookie, or the pre-session cookie)."""
    key = get_settings().session_secret.get_secret_value().encode("utf-8")
    digest = hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def csrf_matches(given: object, seed: str | None) -> bool:
    if not seed or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), csrf_for(seed).encode("utf-8"))


def page_csrf(request: Request) -> str:
    """The token for forms on a signed-in page."""
    seed = request.cookies.get(SESSION_COOKIE)
    return csrf_for(seed) if seed else ""


# --- Errors and responses ---------------------------------------------------------------------------------


class PageError(Exception):
    """Stop and show an HTML error page (`status`, Vietnamese `message`), or redirect when `location` is set."""

    def __init__(self, status: int, message: str = "", *, location: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.location = status, message, location


class PageRoute(APIRoute):
    """A route whose PageError becomes an HTML page (or a redirect), not the API's JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as error:
                if error.location:
                    return redirect(error.location)
                return render(request, "error.html", {"message": error.message}, status=error.status)

        return guarded


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    """A template of api/templates/officials/, with the signed-in official, CSRF token and any flash message."""
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:FLASH_MAX_CHARS]
    official: Official | None = getattr(request.state, "official", None)
    base = {"official": official, "csrf": page_csrf(request), "flash": flash,
            "may_write": official is not None and may_write(official),
            "is_admin": official is not None and official.role == ADMIN,
            "css_version": asset_version("officials.css"), "js_version": asset_version("officials.js")}
    response = templates.TemplateResponse(request, f"officials/{name}", base | (context or {}), status_code=status)
    response.headers.update(SECURITY_HEADERS | {"Cache-Control": "no-store"})
    if flash:
        response.delete_cookie(FLASH_COOKIE, path=PREFIX)
    return response


def redirect(location: str, flash: str | None = None) -> RedirectResponse:
    """303 See Other (a form post becomes a GET), with a message shown once on the next page."""
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash[:FLASH_MAX_CHARS]), max_age=120, path=PREFIX, httponly=True,
                            samesite="lax", secure=get_settings().cookies_secure)
    return response


# --- Who is signed in ---------------------------------------------------------------------------------------


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of this page, never another site."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/bulletins"


async def page_official(request: Request, session: SessionDep) -> Official:
    """The signed-in official, or a redirect to the sign-in form that comes back here."""
    official = await official_from_session_cookie(request, session)
    if official is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        wanted = safe_next(back) if request.method == "GET" else f"{PREFIX}/bulletins"
        raise PageError(303, location=f"{SIGN_IN}?next={quote(wanted, safe='')}")
    request.state.official = official
    return official


PageOfficial = Annotated[Official, Depends(page_official)]


async def form_official(request: Request, official: PageOfficial) -> Official:
    """The signed-in official of a form post whose CSRF token matches their session; 403 otherwise."""
    form = await request.form()
    if not csrf_matches(form.get(CSRF_FIELD), request.cookies.get(SESSION_COOKIE)):
        raise PageError(403, tr("errors.csrf"))
    return official


FormOfficial = Annotated[Official, Depends(form_official)]


def writer_only(official: Official) -> None:
    """403 for a viewer (read-only account)."""
    if not may_write(official):
        raise PageError(403, tr("errors.read_only"))


async def json_official(request: Request, session: SessionDep) -> Official:
    """The signed-in official of a small JSON endpoint the page's script polls; 401 JSON otherwise."""
    official = await official_from_session_cookie(request, session)
    if official is None:
        raise api_error(401, tr("errors.session_expired"))
    return official


JsonOfficial = Annotated[Official, Depends(json_official)]


def new_sign_in_seed() -> str:
    return secrets.token_urlsafe(24)
