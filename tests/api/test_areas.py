"""`GET /api/v1/areas` on the real app: public, diacritics optional, clear 4xx messages."""

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app

FIELDS = {"code", "name", "kind", "parent_code", "aliases"}


@pytest.fixture
def client(database):
    with TestClient(create_app(AppOptions(channels=False, scheduler=False, worker=False))) as client:
        yield client


def test_search_finds_a_hamlet_without_diacritics(client):
    response = client.get("/api/v1/areas", params={"q": "thanh an hoa tien"})
    assert response.status_code == 200
    first = response.json()[0]
    assert set(first) == FIELDS
    assert first == {"code": "31338-thanh-an", "name": "Ấp Thạnh An", "kind": "hamlet", "parent_code": "31338",
                     "aliases": []}


def test_search_by_former_name_shows_the_aliases(client):
    first = client.get("/api/v1/areas", params={"q": "xã Hỏa Tiến", "kind": "commune"}).json()[0]
    assert first["code"] == "31338" and "Xã Hỏa Tiến" in first["aliases"]


def test_an_ambiguous_name_lists_several(client):
    body = client.get("/api/v1/areas", params={"q": "Thạnh", "kind": "hamlet", "limit": 50}).json()
    assert len(body) == 6 and all(area["kind"] == "hamlet" for area in body)


def test_kinds_may_be_repeated_or_comma_separated(client):
    repeated = client.get("/api/v1/areas", params=[("q", "vi thanh"), ("kind", "ward"), ("kind", "hamlet")]).json()
    joined = client.get("/api/v1/areas", params={"q": "vi thanh", "kind": "ward,hamlet"}).json()
    assert repeated == joined and repeated[0]["code"] == "31321"


def test_listing_under_a_parent(client):
    body = client.get("/api/v1/areas", params={"parent": "31338"}).json()
    assert [a["code"] for a in body][:2] == ["31338-my-1", "31338-thanh-an"] and len(body) == 7
    filtered = client.get("/api/v1/areas", params={"parent": "31338", "q": "binh"}).json()
    assert [a["code"] for a in filtered] == ["31338-thanh-binh"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_no_query_and_no_parent_lists_the_top_level_areas(client, params):
    response = client.get("/api/v1/areas", params=params)
    assert response.status_code == 200 and response.json()
    assert all(area["parent_code"] is None for area in response.json())


def test_no_query_and_a_kind_lists_the_top_level_areas_of_that_kind(client):
    assert client.get("/api/v1/areas", params={"kind": "hamlet"}).json() == []


@pytest.mark.parametrize("kind", ["Hamlet", " hamlet", "hamlet,", ""])
def test_kinds_are_exactly_the_documented_words(client, kind):
    response = client.get("/api/v1/areas", params={"q": "thanh", "kind": kind})
    assert response.status_code == 422 and response.json()["message"]


def test_bad_parameters_get_clear_errors(client):
    assert client.get("/api/v1/areas", params={"parent": "nowhere"}).status_code == 404
    bad_kind = client.get("/api/v1/areas", params={"q": "x", "kind": "village"})
    assert bad_kind.status_code == 422 and "village" in bad_kind.json()["message"]
    assert client.get("/api/v1/areas", params={"q": "x" * 201}).status_code == 422
    assert client.get("/api/v1/areas", params={"q": "x", "limit": 0}).json()["message"]


def test_one_area_by_code(client):
    assert client.get("/api/v1/areas/31338-thanh-binh").json()["name"] == "Ấp Thạnh Bình"
    missing = client.get("/api/v1/areas/khong-co")
    assert missing.status_code == 404 and "khong-co" in missing.json()["message"]


def test_nonsense_finds_nothing(client):
    assert client.get("/api/v1/areas", params={"q": "zzqx"}).json() == []
