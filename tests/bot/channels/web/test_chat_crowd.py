"""A crowd on the web chat never gets a 500: 50 households talk at once to the real app (on SQLite, writers
used to fail with "database is locked" when a read snapshot could not become a writer; core/db.py)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core import ui_texts as texts
from core.db import get_async_engine, reset_engines
from core.settings import get_settings
from tests.bot.channels.web.conftest import APP_OPTIONS

HOUSEHOLDS = 50
TURNS = [{"start": True}, {"text": "hộ nghèo được vay vốn bao nhiêu"}, {"payload": "m"},
         {"text": "giá vàng hôm nay"}, {"text": "/dangky thanh an hoa tien"}, {"text": "cách cài VNeID"}]


@pytest.fixture
def crowd_client(places: None, env: pytest.MonkeyPatch):
    env.setenv("WEB_NEW_SESSIONS_PER_MINUTE", str(HOUSEHOLDS * 2))  # all from one test address
    get_settings.cache_clear()
    with TestClient(create_app(APP_OPTIONS)) as test_client:
        yield test_client
        test_client.portal.call(get_async_engine().dispose)
    reset_engines()


async def converse(app, statuses: Counter[int | str], start: asyncio.Event) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120) as client:
        await start.wait()
        for body in TURNS:
            response = await client.post("/api/v1/chat", json=body)
            statuses[response.status_code] += 1
            if response.status_code == 200 and texts.get("engine.error") in response.text:
                statuses["engine error"] += 1


async def crowd(app) -> Counter[int | str]:
    statuses: Counter[int | str] = Counter()
    start = asyncio.Event()
    talks = [asyncio.create_task(converse(app, statuses, start)) for _ in range(HOUSEHOLDS)]
    await asyncio.sleep(0)
    start.set()
    await asyncio.gather(*talks)
    return statuses


def test_fifty_households_talking_at_once_never_get_a_server_error(crowd_client):
    statuses = crowd_client.portal.call(crowd, crowd_client.app)
    assert statuses == Counter({200: HOUSEHOLDS * len(TURNS)})
