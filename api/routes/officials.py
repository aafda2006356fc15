"""Officials' identity: `GET /api/v1/officials/me` (Bearer token) and the page session (sign in with the token).

`POST /api/v1/officials/session` `{"token"}` sets the signed session cookie the officials' page uses;
`GET` tells who the cookie names; `DELETE` signs out. The API itself only accepts the Bearer token, so a
cookie alone can never drive it from another site.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.deps import (
    CurrentOfficial,
    SessionDep,
    SessionOfficial,
    api_error,
    body_errors,
    clear_session_cookie,
    errors,
    set_session_cookie,
)
from core import ui_texts as texts
from core.models import Official
from core.officials.accounts import authenticate
from core.safe_text import SafeText

router = APIRouter(prefix="/api/v1/officials", tags=["officials"])


class OfficialOut(BaseModel):
    id: int
    name: str
    role: str
    area_codes: list[str]


class SignIn(BaseModel):
    token: SafeText(200, min_length=1) = Field(description="The API token printed by `giamngheo official create`.")


def official_public(official: Official) -> dict[str, Any]:
    return {"id": official.id, "name": official.name, "role": official.role, "area_codes": list(official.area_codes)}


@router.get("/me", response_model=OfficialOut, responses=errors(401))
async def whoami(official: CurrentOfficial) -> dict[str, Any]:
    """The official the Bearer token belongs to."""
    return official_public(official)


@router.post("/session", response_model=OfficialOut, responses=body_errors(401))
async def sign_in(body: SignIn, response: Response, session: SessionDep) -> dict[str, Any]:
    """Exchange the API token for a page session cookie."""
    official = await authenticate(session, body.token)
    if official is None:
        raise api_error(401, texts.get("officials.token_invalid"))
    set_session_cookie(response, official)
    return official_public(official)


@router.get("/session", response_model=OfficialOut, responses=errors(401))
async def current_session(official: SessionOfficial) -> dict[str, Any]:
    """The official the page session cookie names; 401 when there is none or it has expired."""
    if official is None:
        raise api_error(401, texts.get("officials.token_missing"))
    return official_public(official)


@router.delete("/session", status_code=204)
async def sign_out() -> Response:
    """Forget the page session."""
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response
