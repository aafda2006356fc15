"""Officials' authentication on the real app: Bearer tokens, roles, scope checks and the page session cookie."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Body
from fastapi.testclient import TestClient

from api.deps import SESSION_COOKIE, EditorOfficial, SessionDep, SessionOfficial, ensure_in_scope
from api.main import AppOptions, create_app
from core.db import session_scope
from core.officials.accounts import create_official, revoke_official
from tests.kit.loops import run

# A route shaped like the bulletin routes, to exercise the dependencies they use.
probe = APIRouter()


@probe.post("/probe/address")
async def address(official: EditorOfficial, session: SessionDep,
                  codes: Annotated[list[str], Body(embed=True)]) -> dict:
    await ensure_in_scope(session, official, codes)
    return {"ok": True, "by": official.id}


@probe.get("/probe/page")
async def page(official: SessionOfficial) -> dict:
    return {"official": official.id if official else None}


@pytest.fixture
def client(database):
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False))
    app.include_router(probe)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def tokens(client):
    """Tokens of an admin, an editor of xã Hỏa Lựu and a viewer, created through the core as the CLI does."""
    async def create():
        made = {}
        async with session_scope() as session:
            for role, areas in (("admin", []), ("editor", ["31338"]), ("viewer", ["31338"])):
                official, token = await create_official(session, name=role, role=role, area_codes=areas)
                made[role] = (official.id, token)
        return made

    return run(create())



def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_me_needs_a_bearer_token(client, tokens):
    missing = client.get("/api/v1/officials/me")
    assert missing.status_code == 401 and missing.json()["message"]
    assert missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/officials/me", headers={"Authorization": "Basic abc"}).status_code == 401
    wrong = client.get("/api/v1/officials/me", headers=bearer("gn_not-a-token"))
    assert wrong.status_code == 401 and "thu hồi" in wrong.json()["message"]
    me = client.get("/api/v1/officials/me", headers=bearer(tokens["editor"][1])).json()
    assert me == {"id": tokens["editor"][0], "name": "editor", "role": "editor", "area_codes": ["31338"]}


def test_a_revoked_token_stops_working(client, tokens):
    official_id, token = tokens["editor"]

    async def revoke():
        async with session_scope() as session:
            await revoke_official(session, official_id)

    run(revoke())
    assert client.get("/api/v1/officials/me", headers=bearer(token)).status_code == 401


def test_a_viewer_cannot_address_anything(client, tokens):
    response = client.post("/probe/address", json={"codes": ["31338"]}, headers=bearer(tokens["viewer"][1]))
    assert response.status_code == 403 and "viewer" in response.json()["message"]


def test_an_editor_addresses_only_inside_the_scope(client, tokens):
    editor = bearer(tokens["editor"][1])
    inside = client.post("/probe/address", json={"codes": ["31338", "31338-thanh-an"]}, headers=editor)
    assert inside.status_code == 200
    outside = client.post("/probe/address", json={"codes": ["31338-thanh-an", "31321", "92"]}, headers=editor)
    assert outside.status_code == 403
    assert outside.json()["codes"] == ["31321", "92"] and "31321, 92" in outside.json()["message"]
    unknown = client.post("/probe/address", json={"codes": ["31338", "khong-co"]}, headers=editor)
    assert unknown.status_code == 422 and unknown.json()["codes"] == ["khong-co"]


def test_an_admin_addresses_any_area(client, tokens):
    response = client.post("/probe/address", json={"codes": ["31321", "92"]}, headers=bearer(tokens["admin"][1]))
    assert response.status_code == 200


def test_the_page_signs_in_with_the_token_and_keeps_a_cookie(client, tokens):
    official_id, token = tokens["editor"]
    assert client.get("/probe/page").json() == {"official": None}
    assert client.post("/api/v1/officials/session", json={"token": "gn_wrong"}).status_code == 401
    signed_in = client.post("/api/v1/officials/session", json={"token": token})
    assert signed_in.status_code == 200 and signed_in.json()["id"] == official_id
    cookie = signed_in.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert token not in cookie
    assert client.get("/probe/page").json() == {"official": official_id}
    assert client.get("/api/v1/officials/session").json()["id"] == official_id
    assert client.get("/api/v1/officials/me").status_code == 401  # the API itself wants the Bearer token

    client.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE][:-2] + "xx")
    assert client.get("/probe/page").json() == {"official": None}
    assert client.delete("/api/v1/officials/session").status_code == 204
    assert client.get("/api/v1/officials/session").status_code == 401


def test_the_cookie_helper_also_works_called_with_the_request_alone(client, tokens):
    from starlette.requests import Request

    from api.deps import official_from_session_cookie

    client.post("/api/v1/officials/session", json={"token": tokens["viewer"][1]})
    cookie = f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}".encode()
    request = Request({"type": "http", "headers": [(b"cookie", cookie)]})
    assert run(official_from_session_cookie(request)).id == tokens["viewer"][0]
