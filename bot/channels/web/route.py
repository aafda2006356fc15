"""`POST /api/v1/chat`: the web chat. One message (`text`), tap (`payload`) or opening (`start`) in, replies out.

The household is known by a cookie session (`bot.channels.web.session`); the first request gets the cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from bot.channels.web import CHANNEL, COOKIE_NAME, new_session_token, replies_to_json, user_id_for, valid_token
from bot.channels.web.session import COOKIE_MAX_AGE, NewSessionLimiter
from bot.engine.engine import handle
from bot.engine.types import CALLBACK_MAX_BYTES, Inbound
from core import ui_texts as texts
from core.answers.ranking import KnowledgeBase
from core.db import session_scope
from core.settings import Settings, get_settings

router = APIRouter(prefix="/api/v1", tags=["chat"])


def _knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.knowledge


# api.deps' aliases, repeated: a channel never imports the api package (imports flow bot <- delivery <- api).
KnowledgeDep = Annotated[KnowledgeBase, Depends(_knowledge)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MAX_TEXT_CHARS = 4000


class ChatRequest(BaseModel):
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS, description="What the household typed.")
    payload: str | None = Field(default=None, max_length=CALLBACK_MAX_BYTES,
                                description="The `data` of a button the household tapped.")
    start: bool = Field(default=False, description="The page opened: greet (welcome, or welcome back).")

    @model_validator(mode="after")
    def _exactly_one(self) -> ChatRequest:
        given = sum([self.text is not None, self.payload is not None, self.start])
        if given != 1:
            raise ValueError("gửi đúng một trong text, payload hoặc start (send exactly one of text, payload, start)")
        return self


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
    if body.start:
        return Inbound(CHANNEL, user_id, "start")
    if body.payload is not None:
        return Inbound(CHANNEL, user_id, "button", payload=body.payload)
    return Inbound(CHANNEL, user_id, "text", text=body.text or "")


@router.post("/chat", response_model=ChatResponse)
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
                        secure=settings.public_base_url.startswith("https://"), path="/")
    response.headers["Cache-Control"] = "no-store"
    async with session_scope() as session:
        replies = await handle(_inbound(body, user_id_for(token)), session=session, knowledge=knowledge)
    return {"replies": replies_to_json(replies)}
