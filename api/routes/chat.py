"""`POST /api/v1/chat`: the web chat. One message (`text`), tap (`payload`) or opening (`start`) in, replies out.

The household is known by a cookie session (`bot.channels.web.session`); the first request gets the cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool

from api.deps import KnowledgeDep, SettingsDep, body_errors
from bot.channels.web import CHANNEL, COOKIE_NAME, new_session_token, replies_to_json, user_id_for, valid_token
from bot.channels.web.session import COOKIE_MAX_AGE, NewSessionLimiter
from bot.engine.engine import handle
from bot.engine.types import CALLBACK_MAX_BYTES, Inbound
from core import texts
from core.db import session_scope
from core.safe_text import SafeText

router = APIRouter(prefix="/api/v1", tags=["chat"])
MAX_TEXT_CHARS = 4000


class ChatRequest(BaseModel):
    """One of `start`, `payload` or `text`; when several are sent, the first of them in that order counts, and an
    empty body greets (like `start`): a page never sends that, and a greeting is the harmless answer."""

    text: SafeText(MAX_TEXT_CHARS) | None = Field(default=None, description="What the household typed.")
    payload: SafeText(CALLBACK_MAX_BYTES) | None = Field(default=None,
                                                         description="The `data` of a button the household tapped.")
    start: StrictBool = Field(default=False, description="The page opened: greet (welcome, or welcome back).")


class ButtonOut(BaseModel):
    label: str
    data: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[list[ButtonOut]]


class ChatResponse(BaseModel):
    replies: list[ReplyOut]


def _new_sessions(request: Request) -> NewSessionLimiter:
    """The app's limiter of new web sessions (one per app, so each process counts its own)."""
    limiter = getattr(request.app.state, "new_web_sessions", None)
    if limiter is None:
        limiter = request.app.state.new_web_sessions = NewSessionLimiter()
    return limiter


def _inbound(body: ChatRequest, user_id: str) -> Inbound:
    if body.payload is not None and not body.start:
        return Inbound(CHANNEL, user_id, "button", payload=body.payload)
    if body.text is not None and not body.start:
        return Inbound(CHANNEL, user_id, "text", text=body.text)
    return Inbound(CHANNEL, user_id, "start")


@router.post("/chat", response_model=ChatResponse, responses=body_errors(429))
async def chat(body: ChatRequest, request: Request, response: Response, knowledge: KnowledgeDep,
               settings: SettingsDep) -> dict[str, Any] | JSONResponse:
    """Pass one message to the conversation engine and return what the bot says."""
    token = request.cookies.get(COOKIE_NAME)
    if not valid_token(token):
        address = request.client.host if request.client else "unknown"
        if not _new_sessions(request).allow(address, settings.web_new_sessions_per_minute):
            return JSONResponse({"message": texts.get("engine.web_too_many_sessions")}, status_code=429,
                                headers={"Retry-After": "60"})
        token = new_session_token()
    assert token is not None
    response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="lax",
                        secure=settings.cookies_secure, path="/")
    response.headers["Cache-Control"] = "no-store"
    async with session_scope() as session:
        replies = await handle(_inbound(body, user_id_for(token)), session=session, knowledge=knowledge)
    return {"replies": replies_to_json(replies)}
