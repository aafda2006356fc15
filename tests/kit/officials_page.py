"""The officials' page under test: the real app on a seeded world, and a client that signs in and posts forms
with the CSRF token of the page it was served, as a browser does."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from api.main import AppOptions, create_app
from core import clock
from core.db import session_scope
from core.models import Bulletin
from core.settings import get_settings
from tests.kit.bulletin_world import AP_BA, AP_BON, AP_HAI, AP_MOT, add_households, seed_map, seed_staff

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 Monday in Vị Thanh
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SVG = "{http://www.w3.org/2000/svg}"


class Page:
    """A browser-like client of the page: cookies kept, CSRF tokens read from the forms it was served."""

    def __init__(self, client: TestClient, tokens: dict[str, str]):
        self.client, self.tokens = client, tokens

    def call(self, function, *args):
        return self.client.portal.call(function, *args)

    def sign_in(self, who: str):
        self.client.cookies.clear()
        form = self.client.get("/officials/sign-in")
        return self.client.post("/officials/sign-in", data={"token": self.tokens[who], "csrf": csrf_of(form.text)},
                                follow_redirects=False)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, form_page: str = "/officials/bulletins", csrf=True,
             follow: bool = False):
        data = dict(data or {})
        if csrf:
            data["csrf"] = csrf_of(self.client.get(form_page).text)
        return self.client.post(path, data=data, follow_redirects=follow)


def csrf_of(page: str) -> str:
    return CSRF.search(page)[1]


def text_of(response) -> str:
    return html.unescape(response.text)


async def seed_world() -> dict[str, str]:
    async with session_scope() as session:
        await seed_map(session)
        await add_households(session, AP_MOT, 3, first_user=100)
        await add_households(session, AP_HAI, 2, first_user=200)
        await add_households(session, AP_BON, 4, first_user=300)
        await add_households(session, AP_MOT, 1, channel="zalo", first_user=400)
        await add_households(session, AP_HAI, 1, channel="zalo", first_user=410, silent_days=10)
        await add_households(session, AP_BA, 1, channel="web", first_user=500)
        return (await seed_staff(session)).tokens


@pytest.fixture
def page(database, env, tmp_path):
    env.setenv("HANDOFF_DRAFTS_DIR", str(tmp_path / "drafts"))
    get_settings.cache_clear()
    clock.freeze(NOW)
    app = create_app(AppOptions(channels=False, scheduler=False, worker=False, prepare_database=False))
    with TestClient(app) as client:
        helper = Page(client, {})
        helper.tokens = helper.call(seed_world)
        yield helper


def bulletin_form(**changes) -> dict:
    return {"title": "Họp dân", "body": "Mời bà con dự họp lúc 19:00 tại nhà văn hóa.", "area": [AP_MOT],
            "when": "now", "action": "send"} | changes


async def stored_bulletins() -> list[Bulletin]:
    async with session_scope() as session:
        return list(await session.exec(select(Bulletin).order_by(col(Bulletin.id))))
