"""`/`: the web chat page (Jinja2 template, a small script, no build step), and the static files it uses."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from core import ui_texts as texts

API_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = API_DIR / "static"
templates = Jinja2Templates(directory=API_DIR / "templates")
router = APIRouter(tags=["pages"])

# The page loads nothing from elsewhere and runs no inline script, so a strict policy costs nothing.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


@lru_cache
def asset_version(name: str) -> str:
    """A short hash of a static file, appended to its URL so browsers never run a stale script."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request) -> HTMLResponse:
    """The web chat, what a newcomer sees at `make run`."""
    words = {key.removeprefix("engine.web."): value for key, value in texts.all_texts().items()
             if key.startswith("engine.web.")}
    context = {"t": words, "js_version": asset_version("chat.js"), "css_version": asset_version("chat.css")}
    response = templates.TemplateResponse(request, "chat.html", context)
    response.headers.update(SECURITY_HEADERS)
    return response
