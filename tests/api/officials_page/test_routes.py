"""The officials' page (/officials) through the real app and database: sessions, CSRF, scope and roles, the
bulletin form with its reach preview, and the live report with its SVG chart."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from core import clock
from core import ui_texts as texts
from core.db import session_scope
from core.models import Delivery
from delivery.dispatch import dispatch_due
from tests.kit.bulletin_world import AP_BA, AP_BON, AP_HAI, AP_MOT, LONG_PHU, TAN_HOA
from tests.kit.officials_page import NOW, SVG, VN, Page, bulletin_form, csrf_of, page, text_of
from tests.kit.officials_page import stored_bulletins as _bulletins

__all__ = ["page"]  # the fixture


# --- Signing in and out ----------------------------------------------------------------------------------


def test_signing_in_with_the_token_opens_the_page_and_signing_out_closes_it(page: Page) -> None:
    response = page.sign_in("editor")
    assert response.status_code == 303 and response.headers["location"] == "/officials/bulletins"
    listing = page.get("/officials/bulletins")
    assert listing.status_code == 200 and "Cán bộ Tân Hòa" in listing.text and "Xin chào" in listing.text
    assert listing.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in \
        listing.headers["content-security-policy"]
    out = page.post("/officials/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/officials/sign-in"
    after = page.get("/officials/bulletins", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/officials/sign-in?next=")


def test_the_cookie_of_a_signed_out_session_replayed_opens_nothing(page: Page) -> None:
    page.sign_in("editor")
    old = page.client.cookies["giamngheo_official"]
    assert page.get("/officials/bulletins").status_code == 200
    assert page.post("/officials/sign-out").status_code == 303
    page.client.cookies.set("giamngheo_official", old)  # copied before signing out, sent again
    replayed = page.get("/officials/bulletins", follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"].startswith("/officials/sign-in?next=")
    script = page.get("/officials/bulletins/preview.json")
    assert script.status_code == 401 and script.json()["message"]
    page.sign_in("editor")  # signing in again works, with a new cookie
    assert page.get("/officials/bulletins").status_code == 200


def test_a_wrong_token_gets_a_clear_message_and_no_session(page: Page) -> None:
    form = page.get("/officials/sign-in")
    response = page.client.post("/officials/sign-in", data={"token": "gn_wrong", "csrf": csrf_of(form.text)},
                                follow_redirects=False)
    assert response.status_code == 401
    assert texts.get("officials_page.sign_in.token_wrong") in text_of(response)
    assert page.get("/officials/bulletins", follow_redirects=False).status_code == 303


def test_pages_without_a_session_lead_to_sign_in_and_back(page: Page) -> None:
    assert page.get("/officials/bulletins/preview.json").status_code == 401  # the script's JSON: 401, no redirect
    response = page.get("/officials/inbox?status=open", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/officials/sign-in?next=%2Fofficials%2Finbox%3Fstatus%3Dopen"
    form = page.get(response.headers["location"])
    signed = page.client.post("/officials/sign-in", follow_redirects=False, data={
        "token": page.tokens["viewer"], "csrf": csrf_of(form.text), "next": "/officials/inbox?status=open"})
    assert signed.headers["location"] == "/officials/inbox?status=open"
    page.client.cookies.clear()
    elsewhere = page.client.post("/officials/sign-in", follow_redirects=False, data={
        "token": page.tokens["viewer"], "csrf": csrf_of(page.get("/officials/sign-in?next=//evil.example").text),
        "next": "//evil.example/officials/"})
    assert elsewhere.headers["location"] == "/officials/bulletins"  # never off to another site


def test_posts_without_the_csrf_token_are_refused_and_store_nothing(page: Page) -> None:
    form = page.get("/officials/sign-in")
    assert page.client.post("/officials/sign-in", data={"token": page.tokens["editor"]}).status_code == 403
    page.sign_in("editor")
    missing = page.post("/officials/bulletins", bulletin_form(), csrf=False)
    forged = page.client.post("/officials/bulletins", data=bulletin_form(csrf=csrf_of(form.text)))
    assert missing.status_code == 403 and forged.status_code == 403
    assert texts.get("officials_page.errors.csrf") in text_of(missing)
    assert page.call(_bulletins) == []


# --- Scope and roles ---------------------------------------------------------------------------------------


def test_an_editor_is_offered_only_the_hamlets_in_scope_and_cannot_post_outside_them(page: Page) -> None:
    page.sign_in("editor")
    form = page.get("/officials/bulletins/new").text
    offered = re.findall(r'name="area" value="([^"]+)"', form)
    assert offered == [TAN_HOA, AP_BA, AP_HAI, AP_MOT]  # "cả xã" first, hamlets in name order
    assert "Cả xã" in form and AP_BON not in form and LONG_PHU not in form
    for areas in ([AP_BON], [AP_MOT, AP_BON], [LONG_PHU]):
        response = page.post("/officials/bulletins", bulletin_form(area=areas))
        assert response.status_code == 403
        assert "ngoài phạm vi phụ trách" in text_of(response)
    assert page.call(_bulletins) == []


def test_a_viewer_reads_but_has_no_form_and_cannot_post(page: Page) -> None:
    page.sign_in("viewer")
    form = page.get("/officials/bulletins/new")
    assert form.status_code == 200 and 'id="bulletin-form"' not in form.text and 'id="read-only"' in form.text
    assert "Viết bản tin" not in page.get("/officials/bulletins").text.split("<main")[0]
    response = page.post("/officials/bulletins", bulletin_form())
    assert response.status_code == 403 and texts.get("officials_page.errors.read_only") in text_of(response)
    assert page.call(_bulletins) == []
    assert page.get("/officials/audit").status_code == 403


def test_bulletins_outside_the_scope_are_neither_listed_nor_readable(page: Page) -> None:
    page.sign_in("admin")
    page.post("/officials/bulletins", bulletin_form(title="Tin xã Long Phú", area=[LONG_PHU]))
    [elsewhere] = page.call(_bulletins)
    assert "Tin xã Long Phú" in page.get("/officials/bulletins").text
    page.sign_in("editor")
    assert "Tin xã Long Phú" not in page.get("/officials/bulletins").text
    hidden = page.get(f"/officials/bulletins/{elsewhere.id}")
    assert hidden.status_code == 403 and "ngoài phạm vi phụ trách" in text_of(hidden) and "<html" in hidden.text
    assert page.get(f"/officials/bulletins/{elsewhere.id}/report.json").status_code == 403
    missing = page.get("/officials/bulletins/999")
    assert missing.status_code == 404 and texts.get("bulletins.errors.not_found", id=999) in text_of(missing)
    cancel = page.post(f"/officials/bulletins/{elsewhere.id}/cancel")
    assert cancel.status_code == 403 and [b.status for b in page.call(_bulletins)] == ["scheduled"]


def test_the_whole_commune_box_addresses_the_commune_not_each_hamlet(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(area=[TAN_HOA, AP_BA, AP_HAI, AP_MOT]))
    assert [b.area_codes for b in page.call(_bulletins)] == [[TAN_HOA]]


# --- The reach preview -------------------------------------------------------------------------------------


def test_the_preview_counts_households_per_channel_and_zalo_outside_the_window_apart(page: Page) -> None:
    page.sign_in("editor")
    body = page.get("/officials/bulletins/preview.json", params={"area": [TAN_HOA]}).json()
    assert body["reach"] | {"by_area": None} == {"telegram": 5, "zalo": 1, "zalo_outside": 1, "web": 1, "pushed": 6,
                                                 "by_area": None}
    shown = html.unescape(body["html"])
    assert "Sẽ gửi tới 6 hộ" in shown and "Telegram: 5 hộ" in shown and "Zalo: 1 hộ" in shown
    assert "1 hộ không gửi được qua Zalo (quá 7 ngày" in shown and "Web: 1 hộ" in shown
    assert page.get("/officials/bulletins/preview.json", params={"area": [AP_BON]}).status_code == 403
    without_js = page.post("/officials/bulletins", bulletin_form(area=[AP_MOT], action="preview"))
    assert without_js.status_code == 200 and "Sẽ gửi tới 4 hộ" in text_of(without_js)
    assert page.call(_bulletins) == []


# --- Writing a bulletin --------------------------------------------------------------------------------------


async def _dispatch_and_deliver(bulletin_id: int) -> None:
    """The scheduler's firing, then the worker's outcome for some rows (Ấp Một: 2 sent, 1 acknowledged)."""
    async with session_scope() as session:
        assert await dispatch_due(session, bulletin_id) is not None
    async with session_scope() as session:
        rows = list(await session.exec(select(Delivery).where(Delivery.area_code == AP_MOT,
                                                              Delivery.channel == "telegram")))
        for index, row in enumerate(rows[:2]):
            row.status, row.sent_at = "sent", clock.now()
            row.acknowledged_at = clock.now() if index == 0 else None
            session.add(row)
        await session.exec(update(Delivery).where(col(Delivery.area_code) == AP_HAI, col(Delivery.channel) == "zalo")
                           .values(status="unreachable"))


def test_a_bulletin_written_in_the_form_is_listed_and_its_report_fills_in(page: Page) -> None:
    page.sign_in("editor")
    response = page.post("/officials/bulletins", bulletin_form(area=[AP_MOT, AP_HAI], urgent="on"))
    assert response.status_code == 303
    [bulletin] = page.call(_bulletins)
    assert response.headers["location"] == f"/officials/bulletins/{bulletin.id}"
    assert (bulletin.area_codes, bulletin.urgent, bulletin.send_at, bulletin.recurrence) == ([AP_MOT, AP_HAI], True,
                                                                                           NOW, None)
    report = page.get(response.headers["location"])
    assert "Đã lưu bản tin số" in report.text and "Chưa đến giờ gửi" in report.text
    assert 'data-live="true"' in report.text
    listing = page.get("/officials/bulletins").text
    assert "Họp dân" in listing and "Ấp Một, Ấp Hai" in listing and "Chờ gửi" in listing

    page.call(_dispatch_and_deliver, bulletin.id)
    live = page.get(f"/officials/bulletins/{bulletin.id}/report.json").json()
    assert live["counts"] | {"acknowledged": 1} == live["counts"]
    assert {k: live["counts"][k] for k in ("pending", "sent", "unreachable", "total")} == {
        "pending": 4, "sent": 2, "unreachable": 1, "total": 7}
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", live["html"], re.S)[0])
    rows = {g.get("data-label"): (g.get("data-value"), g.get("data-total")) for g in svg.iter(f"{SVG}g")}
    assert rows == {"Ấp Một": ("2", "4"), "Ấp Hai": ("0", "3")}
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]) == 2
    assert "Đã gửi 2/7 hộ · 1 hộ bấm «Đã biết»" in html.unescape(page.get("/officials/bulletins").text)


def test_the_chart_has_one_bar_per_hamlet_before_the_first_firing(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(area=[TAN_HOA], when="at", send_date="2026-12-01",
                                                    send_time="07:00"))
    [bulletin] = page.call(_bulletins)
    report = page.get(f"/officials/bulletins/{bulletin.id}").text
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", report, re.S)[0])
    assert [r.get("width") for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"] == ["0.0"] * 3


def test_a_time_and_a_weekly_schedule_become_the_local_time_and_a_monday_cron(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(when="at", send_date="2026-12-01", send_time="07:00"))
    page.post("/officials/bulletins", bulletin_form(when="weekly", weekday="1", weekly_time="07:00"))
    at, weekly = page.call(_bulletins)
    assert at.send_at == datetime(2026, 12, 1, 7, 0, tzinfo=VN) and at.recurrence is None
    assert weekly.recurrence == "0 7 * * 1" and weekly.send_at == datetime(2026, 12, 7, 7, 0, tzinfo=VN)
    listing = html.unescape(page.get("/officials/bulletins").text)
    assert "07:00 01/12/2026" in listing and "Thứ Hai hằng tuần, 07:00 · lần tới 07:00 07/12/2026" in listing


def test_a_raw_cron_is_for_admins_only(page: Page) -> None:
    page.sign_in("editor")
    refused = page.post("/officials/bulletins", bulletin_form(when="cron", cron="30 6 1 * *"))
    assert refused.status_code == 422 and texts.get("officials_page.errors.cron_admin_only") in text_of(refused)
    page.sign_in("admin")
    assert 'value="cron"' in page.get("/officials/bulletins/new").text
    assert page.post("/officials/bulletins", bulletin_form(when="cron", cron="30 6 1 * *")).status_code == 303
    assert [b.recurrence for b in page.call(_bulletins)] == ["30 6 1 * *"]


def test_validation_errors_show_next_to_their_fields_with_the_api_messages(page: Page) -> None:
    page.sign_in("editor")
    response = page.post("/officials/bulletins", bulletin_form(title=" ", body="x" * 3501, area=[], when="at",
                                                               send_date="2026-11-29", send_time="07:00"))
    assert response.status_code == 422
    shown = text_of(response)
    expected = {
        "title": texts.get("bulletins.errors.title_empty"),
        "body": texts.get("bulletins.errors.body_too_long", length=3501, limit=3500),
        "area_codes": texts.get("bulletins.errors.areas_empty"),
        "send_at": texts.get("bulletins.errors.send_at_past", when="07:00 29/11/2026", now="08:00 30/11/2026"),
    }
    for field, message in expected.items():
        assert re.search(rf'id="{field}-error" role="alert">{re.escape(message)}<', shown), field
    assert 'value=" "' in response.text and "x" * 3501 in response.text  # what was typed is kept
    bad_cron = page.post("/officials/bulletins", bulletin_form(when="weekly", weekly_time="25:00"))
    assert texts.get("officials_page.errors.weekly_time_invalid") in text_of(bad_cron)
    page.sign_in("admin")
    too_often = page.post("/officials/bulletins", bulletin_form(when="cron", cron="*/5 * * * *"))
    assert "gửi quá dày" in text_of(too_often)
    assert page.call(_bulletins) == []


def test_a_bulletin_not_yet_sent_can_be_cancelled_and_a_sent_one_cannot(page: Page) -> None:
    page.sign_in("editor")
    page.post("/officials/bulletins", bulletin_form(when="at", send_date="2026-12-01", send_time="07:00"))
    page.post("/officials/bulletins", bulletin_form(title="Đã gửi"))
    later, sent = page.call(_bulletins)
    page.call(_dispatch_and_deliver, sent.id)
    page.client.portal.call(_finish_all, sent.id)
    response = page.post(f"/officials/bulletins/{later.id}/cancel", form_page=f"/officials/bulletins/{later.id}")
    assert response.status_code == 303
    assert "Đã hủy bản tin số" in page.get(response.headers["location"]).text
    gone = page.post(f"/officials/bulletins/{sent.id}/cancel", form_page=f"/officials/bulletins/{sent.id}")
    assert gone.status_code == 409
    assert [b.status for b in page.call(_bulletins)] == ["cancelled", "done"]


async def _finish_all(bulletin_id: int) -> None:
    async with session_scope() as session:
        await session.exec(update(Delivery).where(col(Delivery.bulletin_id) == bulletin_id,
                                                  col(Delivery.status) == "pending").values(status="sent"))


# --- Text the databases cannot store ---------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"title": "Họp\x00 dân"}, {"body": "Mời\x00"}, {"area": ["a\x00b"]},
                                    {"area": ["x" * 5000]}])
def test_the_bulletin_form_refuses_nul_and_impossible_codes_with_a_message_not_a_500(page: Page, change) -> None:
    page.sign_in("editor")
    response = page.post("/officials/bulletins", bulletin_form(**change))
    assert response.status_code in (200, 422) and "<form" in response.text
    assert page.call(_bulletins) == []
    preview = page.get("/officials/bulletins/preview.json", params={"area": "a\x00b"})
    assert preview.status_code < 500
