"""`/api/v1/bulletins` on the real app and database: auth, scope, validation, reports, cancelling."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import AppOptions, create_app
from core.db import session_scope
from core.models import Bulletin, Delivery
from delivery.dispatch import dispatch_due
from tests.kit.bulletin_world import AP_BON, AP_HAI, AP_MOT, LONG_PHU, TAN_HOA, add_households, seed_map, seed_staff

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class Api:
    """The test client, the officials' tokens, and a way to run async code on the app's event loop."""

    def __init__(self, client: TestClient, tokens: dict[str, str]):
        self.client, self.tokens = client, tokens

    def call(self, function, *args):
        return self.client.portal.call(function, *args)

    def request(self, method: str, path: str, who: str = "editor", **kwargs):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.request(method, path, headers=headers, **kwargs)


async def _seed() -> dict[str, str]:
    async with session_scope() as session:
        await seed_map(session)
        await add_households(session, AP_MOT, 3, first_user=100)
        await add_households(session, AP_HAI, 2, first_user=200)
        await add_households(session, AP_BON, 4, first_user=300)
        return (await seed_staff(session)).tokens


@pytest.fixture
def api(database):
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False))
    with TestClient(app) as client:
        helper = Api(client, {})
        helper.tokens = helper.call(_seed)
        yield helper


def payload(**changes) -> dict:
    return {"title": "Họp dân", "body": "Mời bà con dự họp lúc 19:00.", "area_codes": [TAN_HOA]} | changes


async def _bulletin_count() -> int:
    async with session_scope() as session:
        return len((await session.exec(select(Bulletin))).all()) + len((await session.exec(select(Delivery))).all())


def test_editor_creates_a_bulletin_and_sees_its_reach(api: Api) -> None:
    response = api.request("POST", "/api/v1/bulletins", json=payload(urgent=True))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["title"], body["status"], body["urgent"], body["area_codes"]) == ("Họp dân", "scheduled", True,
                                                                                  [TAN_HOA])
    assert body["send_at"].endswith("+07:00") and body["counts"]["total"] == 0
    assert body["sender"] == "UBND xã Tân Hòa · Cán bộ Tân Hòa"  # the official's unit and name
    assert body["reach"]["households"] == 5 and body["reach"]["by_channel"]["telegram"] == 5


def test_without_a_token_the_api_answers_401(api: Api) -> None:
    response = api.request("POST", "/api/v1/bulletins", who="", json=payload())
    assert response.status_code == 401 and response.json()["message"]


@pytest.mark.parametrize(("who", "areas"), [("editor", [AP_MOT, AP_BON]), ("editor", [LONG_PHU]),
                                            ("viewer", [AP_MOT])])
def test_out_of_scope_or_read_only_gets_403_and_nothing_is_queued(api: Api, who: str, areas: list[str]) -> None:
    response = api.request("POST", "/api/v1/bulletins", who=who, json=payload(area_codes=areas))
    assert response.status_code == 403 and response.json()["message"]
    assert api.call(_bulletin_count) == 0


def in_an_hour(offset: bool = True) -> str:
    moment = (datetime.now(VN) + timedelta(hours=1)).replace(microsecond=0)
    return moment.isoformat() if offset else moment.replace(tzinfo=None).isoformat()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"title": ""}, "title", "không được để trống"),
    ({"body": "   "}, "body", "Nội dung bản tin không được để trống"),
    ({"body": "x" * 3501}, "body", "tối đa 3500"),
    ({"send_at": "2020-01-01T07:00:00+07:00"}, "send_at", "đã qua"),
    ({"send_at": in_an_hour(offset=False)}, "send_at", "+07:00"),
    ({"send_at": "sáng mai"}, "send_at", "ISO-8601"),
    ({"area_codes": ["99001-khong-co"]}, "area_codes", "99001-khong-co"),
    ({"area_codes": []}, "area_codes", "ít nhất một"),
    ({"recurrence": "every monday"}, "recurrence", "cron"),
    ({"recurrence": "* * * * *"}, "recurrence", "quá dày"),
])
def test_each_validation_error_is_a_422_with_a_clear_message(api: Api, changes: dict, field: str, words: str) -> None:
    response = api.request("POST", "/api/v1/bulletins", json=payload(**changes))
    assert response.status_code == 422, response.text
    body = response.json()
    assert words in body["message"]
    assert [(e["field"], words in e["message"]) for e in body["errors"]] == [(field, True)]
    assert api.call(_bulletin_count) == 0


def test_several_problems_are_reported_together(api: Api) -> None:
    body = api.request("POST", "/api/v1/bulletins", json=payload(title="", body="", area_codes=[])).json()
    assert {e["field"] for e in body["errors"]} == {"title", "body", "area_codes"}


async def _fire_and_mark(bulletin_id: int) -> None:
    async with session_scope() as session:
        await dispatch_due(session, bulletin_id)
    async with session_scope() as session:
        first = (await session.exec(select(Delivery).order_by(Delivery.id))).first()
        first.status = "sent"
        session.add(first)


def test_list_and_show_report_counts_per_status_and_hamlet(api: Api) -> None:
    created = api.request("POST", "/api/v1/bulletins", json=payload()).json()
    api.request("POST", "/api/v1/bulletins", who="admin", json=payload(area_codes=[LONG_PHU]))
    api.call(_fire_and_mark, created["id"])
    listed = api.request("GET", "/api/v1/bulletins", who="viewer").json()["bulletins"]
    assert [b["id"] for b in listed] == [created["id"]]
    assert len(api.request("GET", "/api/v1/bulletins", who="admin").json()["bulletins"]) == 2
    shown = api.request("GET", f"/api/v1/bulletins/{created['id']}", who="viewer").json()
    assert {k: shown["counts"][k] for k in ("pending", "sent", "failed", "blocked", "unreachable")} == {
        "pending": 4, "sent": 1, "failed": 0, "blocked": 0, "unreachable": 0}
    assert shown["status"] == "done" and len(shown["dispatches"]) == 1
    assert [(a["name"], a["total"]) for a in shown["areas"]] == [("Ấp Hai", 2), ("Ấp Một", 3)]


def test_show_answers_404_for_unknown_and_403_outside_scope(api: Api) -> None:
    other = api.request("POST", "/api/v1/bulletins", who="admin", json=payload(area_codes=[LONG_PHU])).json()
    assert api.request("GET", "/api/v1/bulletins/999").status_code == 404
    assert api.request("GET", f"/api/v1/bulletins/{other['id']}").status_code == 403


def test_delete_cancels_what_has_not_gone_yet(api: Api) -> None:
    created = api.request("POST", "/api/v1/bulletins", json=payload()).json()
    api.call(_fire_and_mark, created["id"])
    assert api.request("DELETE", f"/api/v1/bulletins/{created['id']}", who="viewer").status_code == 403
    response = api.request("DELETE", f"/api/v1/bulletins/{created['id']}")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["withdrawn"], body["counts"]["sent"], body["counts"]["cancelled"]) == (
        "cancelled", 4, 1, 4)
    assert body["next_send_at"] is None


def test_preview_counts_households_within_scope(api: Api) -> None:
    response = api.request("POST", "/api/v1/bulletins/preview", who="viewer", json={"area_codes": [TAN_HOA]})
    assert response.status_code == 200 and response.json()["households"] == 5
    outside = api.request("POST", "/api/v1/bulletins/preview", who="viewer", json={"area_codes": [LONG_PHU]})
    assert outside.status_code == 403


def test_a_scheduled_bulletin_can_be_edited_until_it_is_queued(api: Api) -> None:
    later = (datetime.now(VN) + timedelta(days=2)).replace(microsecond=0).isoformat()
    created = api.request("POST", "/api/v1/bulletins", json=payload(send_at=later)).json()
    edited = api.request("PATCH", f"/api/v1/bulletins/{created['id']}",
                         json=payload(title="Họp dân (đổi giờ)", area_codes=[AP_MOT], send_at=later, urgent=True))
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["title"], body["area_codes"], body["urgent"], body["status"]) == ("Họp dân (đổi giờ)", [AP_MOT],
                                                                                  True, "scheduled")
    outside = api.request("PATCH", f"/api/v1/bulletins/{created['id']}", json=payload(area_codes=[AP_BON]))
    assert outside.status_code == 403
    bad = api.request("PATCH", f"/api/v1/bulletins/{created['id']}", json=payload(title=""))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "title"
    viewer = api.request("PATCH", f"/api/v1/bulletins/{created['id']}", who="viewer", json=payload())
    assert viewer.status_code == 403

    now_one = api.request("POST", "/api/v1/bulletins", json=payload()).json()
    assert api.call(_dispatch, now_one["id"]) is not None
    queued = api.request("PATCH", f"/api/v1/bulletins/{now_one['id']}", json=payload(title="Sửa muộn"))
    assert queued.status_code == 409 and "Nhân bản" in queued.json()["message"]
    assert api.request("GET", f"/api/v1/bulletins/{now_one['id']}").json()["title"] == "Họp dân"


async def _dispatch(bulletin_id: int):
    async with session_scope() as session:
        return await dispatch_due(session, bulletin_id)
