"""`POST /api/v1/chat`: the web chat. One message (`text`), tap (`payload`) or opening (`start`) in, replies out.

The household is known by a signed cookie session (`bot.channels.web.session`); the first request gets the
cookie. A request without a cookie this server signed opens a new session, at most `WEB_NEW_SESSIONS_PER_MINUTE`
per client address (429 with a Vietnamese `message` beyond). The address also goes to the engine as
`Inbound.origin`, so "Hỏi cán bộ" can limit questions per address (web sessions cost nothing to open).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool

from bot.channels.web import CHANNEL, COOKIE_NAME, new_session_token, replies_to_json, user_id_for, valid_token
from bot.channels.web.session import COOKIE_MAX_AGE, NEW_SESSION_WINDOW, new_session_key
from bot.engine.engine import handle
from bot.engine.types import CALLBACK_MAX_BYTES, Inbound
from core import rates
from core import ui_texts as texts
from core.answers.ranking import KnowledgeBase
from core.db import session_scope
from core.http_errors import body_errors
from core.safe_text import SafeText
from core.settings import Settings, get_settings

router = APIRouter(prefix="/api/v1", tags=["chat"])


def _knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge


# api.deps' aliases, repeated: a channel never imports the api package (imports flow bot <- delivery <- api).
KnowledgeDep = Annotated[KnowledgeBase, Depends(_knowledge)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MAX_TEXT_CHARS = 4000


class ChatRequest(BaseModel):
    """One of `start`, `payload` or `text`; when several are sent, the first of them in that order counts, and an
    empty body greets (like `start`): a page never sends that, and a greeting is the harmless answer. `ap` is
    read only with `start` (the page opened from a printed QR code) and ignored otherwise."""

    text: SafeText(MAX_TEXT_CHARS) | None = Field(default=None, description="What the household typed.")
    payload: SafeText(CALLBACK_MAX_BYTES) | None = Field(default=None,
                                                         description="The `data` of a button the household tapped.")
    start: StrictBool = Field(default=False, description="The page opened: greet (welcome, or welcome back).")
    ap: SafeText(64) | None = Field(default=None,
                                    description="With `start`: the area code of the page's `/?ap=<code>` (a printed "
                                                "QR code); the household is asked once to subscribe to it.")


class ButtonOut(BaseModel):
    label: str
    data: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[list[ButtonOut]]


class ChatResponse(BaseModel):
    replies: list[ReplyOut]


def _inbound(body: ChatRequest, user_id: str, address: str) -> Inbound:
    if body.payload is not None and not body.start:
        return Inbound(CHANNEL, user_id, "button", payload=body.payload, origin=address)
    if body.text is not None and not body.start:
        return Inbound(CHANNEL, user_id, "text", text=body.text, origin=address)
    code = (body.ap or "").strip() if body.start else ""
    return Inbound(CHANNEL, user_id, "start", text=f"/start {code}" if code else "", origin=address)


@router.post("/chat", response_model=ChatResponse, responses=body_errors(429))
async def chat(body: ChatRequest, request: Request, response: Response, knowledge: KnowledgeDep,
               settings: SettingsDep) -> dict[str, Any] | JSONResponse:
    """Pass one message to the conversation engine and return what the bot says."""
    secret = settings.session_secret.get_secret_value()
    address = request.client.host if request.client else "unknown"
    token = request.cookies.get(COOKIE_NAME)
    async with session_scope() as session:
        if token is None or not valid_token(token, secret):
            # No cookie, or one this server did not sign: a new session, counted (refusals too) per address.
            opened = await rates.bump(session, new_session_key(address), window=NEW_SESSION_WINDOW)
            if opened > settings.web_new_sessions_per_minute:
                return JSONResponse({"message": texts.get("engine.web_too_many_sessions")}, status_code=429,
                                    headers={"Retry-After": "60"})
            token = new_session_token(secret)
        replies = await handle(_inbound(body, user_id_for(token), address), session=session, knowledge=knowledge)
    response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="lax",
                        secure=settings.cookies_secure, path="/")
    response.headers["Cache-Control"] = "no-store"
    return {"replies": replies_to_json(replies)}
