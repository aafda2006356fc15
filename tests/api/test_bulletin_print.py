"""The hamlet board and the loudspeaker: the notice PDF, the loudspeaker script and the subscribe poster."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import AppOptions, create_app
from core.db import session_scope
from tests.api.test_bulletins import Api
from tests.conftest import refresh_settings
from tests.kit.bulletin_world import AP_BON, AP_MOT, seed_map, seed_staff
from tests.kit.paper import pdf_pages, pdf_text, qr_links

BODY = ("Ngân hàng Chính sách xã hội (NHCSXH) giải ngân vốn vay hộ nghèo ngày 15/12, mức tối đa 100 triệu, "
        "lãi 0,55%/tháng. Bà con mang theo căn cước và sổ hộ khẩu đến nhà văn hóa ấp lúc 7:30.")


@pytest.fixture
def api(database, env):
    env.setenv("PUBLIC_BASE_URL", "https://giamngheo.example.vn")
    env.setenv("TELEGRAM_BOT_USERNAME", "GiamNgheoHoaLuuBot")
    env.setenv("ZALO_OA_LINK", "https://zalo.me/1234567890")
    refresh_settings()
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False))

    async def seed() -> dict[str, str]:
        async with session_scope() as session:
            await seed_map(session)
            return (await seed_staff(session)).tokens

    with TestClient(app) as client:
        helper = Api(client, {})
        helper.tokens = helper.call(seed)
        yield helper


def _create(api: Api, **changes) -> int:
    payload = {"title": "Giải ngân vốn vay hộ nghèo", "body": BODY, "area_codes": [AP_MOT],
               "send_at": "2030-12-10T07:00:00+07:00"} | changes
    response = api.request("POST", "/api/v1/bulletins", json=payload)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_notice_prints_the_bulletin_in_vietnamese_with_a_qr_that_subscribes_to_the_hamlet(
        api: Api, tmp_path: Path) -> None:
    bulletin_id = _create(api)
    response = api.request("GET", f"/api/v1/bulletins/{bulletin_id}/notice.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(response.content, tmp_path).split())
    for expected in ("THÔNG BÁO GỬI BÀ CON ẤP MỘT, XÃ TÂN HÒA", "Giải ngân vốn vay hộ nghèo",
                     "UBND xã Tân Hòa · Cán bộ Tân Hòa · 10/12/2030", "Ngân hàng Chính sách xã hội (NHCSXH)",
                     "lãi 0,55%/tháng", "Quét mã để nhận bản tin ấp Một qua điện thoại",
                     "Telegram: https://t.me/GiamNgheoHoaLuuBot?start=99001-mot",
                     "Zalo: https://zalo.me/1234567890"):
        assert expected in text, expected
    assert qr_links(response.content, tmp_path) == ["https://giamngheo.example.vn/?ap=99001-mot"]


def test_a_long_bulletin_flows_onto_a_second_page_and_keeps_its_qr(api: Api, tmp_path: Path) -> None:
    bulletin_id = _create(api, body="\n".join([BODY] * 12))
    pdf = api.request("GET", f"/api/v1/bulletins/{bulletin_id}/notice.pdf").content
    assert len(pdf_pages(pdf, tmp_path)) >= 2
    assert qr_links(pdf, tmp_path) == ["https://giamngheo.example.vn/?ap=99001-mot"]


def test_the_loudspeaker_script_spells_out_numbers_dates_and_abbreviations(api: Api) -> None:
    bulletin_id = _create(api)
    response = api.request("GET", f"/api/v1/bulletins/{bulletin_id}/loudspeaker")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    script = response.text
    assert script.startswith("Kính thưa bà con ấp Một, Xã Tân Hòa.")
    for expected in ("Sau đây là thông báo của Ủy ban nhân dân xã Tân Hòa, Cán bộ Tân Hòa.",
                     "ngày mười lăm tháng mười hai", "một trăm triệu",
                     "không phẩy năm mươi lăm phần trăm một tháng", "bảy giờ ba mươi phút",
                     "Thông báo ngày mười tháng mười hai năm hai ngàn không trăm ba mươi."):
        assert expected in script, expected
    assert not any(ch.isdigit() for ch in script) and "NHCSXH" not in script and "%" not in script


@pytest.mark.parametrize("path", ["notice.pdf", "loudspeaker"])
def test_an_official_outside_the_area_gets_a_json_403(api: Api, path: str) -> None:
    admin_made = api.request("POST", "/api/v1/bulletins", who="admin",
                             json={"title": "Tin Long Phú", "body": "Nội dung", "area_codes": [AP_BON]}).json()["id"]
    response = api.request("GET", f"/api/v1/bulletins/{admin_made}/{path}")
    assert response.status_code == 403 and response.json()["message"]
    missing = api.request("GET", f"/api/v1/bulletins/999999/{path}")
    assert missing.status_code == 404 and missing.json()["message"]
    assert api.request("GET", f"/api/v1/bulletins/{admin_made}/{path}", who="").status_code == 401


def test_the_poster_invites_a_hamlet_to_subscribe(api: Api, tmp_path: Path) -> None:
    response = api.request("GET", f"/api/v1/areas/{AP_MOT}/poster.pdf", who="")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Quét mã để nhận bản tin ấp Một" in text and "Ấp Một, Xã Tân Hòa" in text
    assert qr_links(response.content, tmp_path) == ["https://giamngheo.example.vn/?ap=99001-mot"]
    unknown = api.request("GET", "/api/v1/areas/khong-co/poster.pdf", who="")
    assert unknown.status_code == 404 and unknown.json()["message"]


def test_a_missing_font_is_a_clear_503_not_a_traceback(api: Api, env) -> None:
    env.setenv("PRINT_FONT_DIR", "/nonexistent")
    refresh_settings()
    response = api.request("GET", f"/api/v1/areas/{AP_MOT}/poster.pdf", who="")
    assert response.status_code == 503 and "fonts-dejavu-core" in response.json()["message"]
