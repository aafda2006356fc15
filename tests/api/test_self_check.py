"""`POST /api/v1/self-check` and its indicator list on the real app: the estimate, its boundaries, clear 422s."""

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from api.main import AppOptions, create_app
from core import clock
from core.db import get_async_engine, session_scope
from core.models import SelfCheckRecord

HOUSEHOLD = {"household_size": 4, "area": "rural", "monthly_income": 6_000_000,
             "indicators": {"bhyt": True, "nha_tieu": True, "nuoc_sach": True, "dinh_duong": None}}


@pytest.fixture
def client(database):
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False))
    with TestClient(app) as client:
        yield client


def stored_records() -> int:
    async def count() -> int:
        try:
            async with session_scope() as session:
                return int((await session.exec(select(func.count()).select_from(SelfCheckRecord))).one())
        finally:
            await get_async_engine().dispose()

    return asyncio.run(count())


def test_the_assessment_comes_back_and_nothing_is_stored(client):
    response = client.post("/api/v1/self-check", json=HOUSEHOLD | {"on": "2026-11-29"})
    assert response.status_code == 200
    body = response.json()
    assert body["category"] == "poor" and body["category_name"] == "hộ nghèo"
    assert (body["income_per_person"], body["income_line"], body["deprivations"]) == (1_500_000, 1_500_000, 3)
    assert "dinh_duong" in [i["code"] for i in body["unknown"]]
    assert body["support"][0]["entries"] == ["bhyt-ho-ngheo"]
    assert "ước tính" in body["disclaimer"] and "trưởng ấp" in body["next_step"]
    assert stored_records() == 0


def test_one_dong_above_the_line_is_no_longer_poor(client):
    body = client.post("/api/v1/self-check", json=HOUSEHOLD | {"monthly_income": 6_000_001, "on": "2026-11-29"})
    assert body.json()["category"] == "average"


def test_today_is_the_default_date(client):
    clock.freeze(None)
    body = client.post("/api/v1/self-check", json=HOUSEHOLD).json()
    assert body["on"] == clock.today().isoformat()


def test_the_2027_standard_applies_from_new_year_with_its_provisional_notes(client):
    answers = HOUSEHOLD | {"indicators": {"rac_thai": True, "dich_vu_so": True, "bhyt": True},
                           "monthly_income": 8_800_000}
    body = client.post("/api/v1/self-check", json=answers | {"on": "2027-01-01"}).json()
    assert body["standard"] == "nd351_2025" and body["category"] == "poor" and body["average_upper"] is None
    assert {n["code"] for n in body["provisional"]} == {"indicators_2027", "average_band_2027"}
    refused = client.post("/api/v1/self-check", json=answers | {"on": "2026-12-31"})
    assert refused.status_code == 409 and "rac_thai" in refused.json()["message"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"household_size": 0}, "từ 1 đến 30"),
        ({"household_size": -3}, "từ 1 đến 30"),
        ({"household_size": 100000}, "từ 1 đến 30"),
        ({"household_size": "bốn"}, "household_size"),
        ({"monthly_income": -5}, "số âm"),
        ({"area": "núi"}, "nông thôn"),
        ({"indicators": {"tivi": True}}, "tivi"),
        ({"on": "ngày mai"}, "on"),
    ],
)
def test_bad_answers_get_a_422_with_a_message(client, change, words):
    response = client.post("/api/v1/self-check", json=HOUSEHOLD | change)
    assert response.status_code == 422
    assert words in response.json()["message"]


def test_a_date_without_a_standard_in_force_is_a_404_with_a_message(client):
    response = client.post("/api/v1/self-check", json=HOUSEHOLD | {"on": "2035-01-01"})
    assert response.status_code == 404 and "chuẩn nghèo đã ban hành" in response.json()["message"]


@pytest.mark.parametrize(("size", "status"), [(4.0, 200), (4.5, 422), ("4", 422), (True, 422)])
def test_a_whole_number_sent_as_a_float_is_an_integer_as_json_schema_says(client, size, status):
    assert client.post("/api/v1/self-check", json=HOUSEHOLD | {"household_size": size}).status_code == status


def test_the_schema_states_the_ranges_and_the_indicator_codes(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["SelfCheckIn"]["properties"]
    assert (schema["household_size"]["minimum"], schema["household_size"]["maximum"]) == (1, 30)
    assert schema["monthly_income"]["minimum"] == 0 and "rac_thai" in schema["indicators"]["propertyNames"]["enum"]


@pytest.mark.parametrize("payload", [{}, [], "4 người", {"household_size": 4}])
def test_incomplete_bodies_get_a_422(client, payload):
    response = client.post("/api/v1/self-check", json=payload)
    assert response.status_code == 422 and response.json()["message"]


def test_the_indicator_questions_follow_the_standard(client):
    now = client.get("/api/v1/self-check/indicators?on=2026-11-29").json()
    later = client.get("/api/v1/self-check/indicators?on=2027-06-01").json()
    assert len(now["indicators"]) == 12 and now["lines"] == {"rural": 1_500_000, "urban": 2_000_000}
    bhyt = next(i for i in now["indicators"] if i["code"] == "bhyt")
    assert bhyt["question"] == "Trong nhà có ai từ 6 tuổi trở lên chưa có thẻ bảo hiểm y tế không?"
    assert {"rac_thai", "dich_vu_so"} <= {i["code"] for i in later["indicators"]}
    assert all(i["provisional"] for i in later["indicators"])
    assert client.get("/api/v1/self-check/indicators?on=2020-01-01").status_code == 404
