"""Text and numbers the databases cannot take are refused at the edge with a 422 JSON `message`, on both
databases: NUL characters (PostgreSQL refuses them), lone surrogates (no encoding can store them), values
longer than their column, and integers past the column's range."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app
from core.db import session_scope
from tests.kit.bulletin_world import TAN_HOA, seed_map, seed_staff

NUL = r"a\u0000b"  # written into raw JSON, so the escape reaches the server as JSON sends it
SURROGATES = r"\udc80\ud800"


async def _seed() -> str:
    async with session_scope() as session:
        await seed_map(session)
        return (await seed_staff(session)).tokens["admin"]


@pytest.fixture
def client(database):
    with TestClient(create_app(AppOptions(channels=False, scheduler=False, worker=False,
                                          prepare_database=False))) as test_client:
        token = test_client.portal.call(_seed)
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def post_raw(client: TestClient, path: str, raw_json: str):
    return client.post(path, content=raw_json.encode(), headers={"content-type": "application/json"})


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"].startswith(field) and any(e["field"] == field for e in body["errors"])


def bulletin(title: str = "Họp dân", code: str = TAN_HOA) -> str:
    return f'{{"title": "{title}", "body": "Mời bà con dự họp.", "area_codes": ["{code}"]}}'


@pytest.mark.parametrize("bad", [NUL, SURROGATES])
def test_a_bulletin_title_or_area_code_with_nul_or_lone_surrogates_is_a_422(client, bad):
    assert_refused(post_raw(client, "/api/v1/bulletins", bulletin(title=bad)), "title")
    assert_refused(post_raw(client, "/api/v1/bulletins", bulletin(code=bad)), "area_codes")
    assert client.get("/api/v1/bulletins").json()["bulletins"] == []


@pytest.mark.parametrize("bad", [NUL, SURROGATES, "x" * 33])
def test_the_reach_preview_refuses_an_area_code_the_column_cannot_hold(client, bad):
    assert_refused(post_raw(client, "/api/v1/bulletins/preview", f'{{"area_codes": ["{bad}"]}}'), "area_codes")


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/areas/a%00b", "code"), ("/api/v1/areas/" + "x" * 33, "code"),
    ("/api/v1/areas?parent=a%00b", "parent"), ("/api/v1/areas?q=vay%00", "q"), ("/api/v1/areas?kind=ha%00mlet", "kind"),
])
def test_area_lookups_refuse_nul_and_over_long_codes(client, path, field):
    assert_refused(client.get(path), field)


@pytest.mark.parametrize("bad", [NUL, SURROGATES])
def test_texts_from_households_and_officials_refuse_nul_and_lone_surrogates(client, bad):
    assert_refused(post_raw(client, "/api/v1/inbox/1/reply", f'{{"text": "{bad}"}}'), "text")
    assert_refused(post_raw(client, "/api/v1/ask", f'{{"text": "{bad}"}}'), "text")
    assert_refused(post_raw(client, "/api/v1/chat", f'{{"text": "{bad}"}}'), "text")
    assert_refused(post_raw(client, "/api/v1/officials/session", f'{{"token": "{bad}"}}'), "token")


@pytest.mark.parametrize("path", ["/api/v1/inbox", "/api/v1/bulletins"])
@pytest.mark.parametrize("offset", ["9223372036854775808", "-1", "1000001"])
def test_an_offset_past_its_range_is_a_422_not_an_overflow(client, path, offset):
    assert_refused(client.get(f"{path}?offset={offset}"), "offset")


def test_decomposed_vietnamese_is_stored_composed(client):
    decomposed = "Ho\u0323p da\u0302n"  # what some phones send for "Họp dân"
    response = client.post("/api/v1/bulletins", json={"title": decomposed, "body": "Mời bà con.",
                                                      "area_codes": [TAN_HOA], "send_at": "2099-01-01T07:00:00+07:00"})
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Họp dân"
