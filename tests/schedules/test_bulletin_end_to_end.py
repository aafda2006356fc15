"""The whole path in one app, as `giamngheo serve` runs it: an official posts a bulletin through the API, the
in-process scheduler queues it, the in-process worker sends it to the fake Bot API, a household taps "Đã biết"
and the report counts it for its hamlet."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from api.main import AppOptions, create_app
from core import ui_texts as texts
from core.settings import get_settings
from tests.kit.bulletin_world import AP_BON, AP_HAI, AP_MOT, TAN_HOA
from tests.kit.outbox import households


async def test_posted_bulletin_is_scheduled_sent_and_acknowledged(staff, fake_telegram, env) -> None:
    env.setenv("SCHEDULER_SYNC_SECONDS", "0.2")
    env.setenv("TELEGRAM_POLL_TIMEOUT_SECONDS", "1")
    await households(3, AP_MOT, first_user=100)
    await households(2, AP_HAI, first_user=200)
    await households(4, AP_BON, first_user=300)  # another commune: must not hear of it
    app = create_app(AppOptions(channels=True, scheduler=True, worker=True))
    headers = {"Authorization": f"Bearer {staff.tokens['editor']}"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://giamngheo.test", headers=headers) as client:
        posted = await client.post("/api/v1/bulletins", json={
            "title": "Lịch phát gạo", "body": "Sáng thứ Bảy phát gạo hỗ trợ tại nhà văn hóa ấp.",
            "area_codes": [TAN_HOA], "urgent": True})
        assert posted.status_code == 201, posted.text
        bulletin_id = posted.json()["id"]
        await fake_telegram.await_calls("sendMessage", 5, within=15)
        fake_telegram.tap(100, next(b["callback_data"] for row in fake_telegram.calls("sendMessage", chat_id=100)[0]
                                    .buttons for b in row))
        report = await _until_acknowledged(client, bulletin_id)
    bulletins = Counter(c.chat_id for c in fake_telegram.calls("sendMessage") if "Lịch phát gạo" in c.text)
    assert bulletins == {100: 1, 101: 1, 102: 1, 200: 1, 201: 1}
    assert fake_telegram.calls("sendMessage", chat_id=100)[-1].text == texts.get("engine.ack")
    assert (report["status"], report["counts"]["sent"], report["counts"]["acknowledged"]) == ("done", 5, 1)
    assert [(a["name"], a["sent"], a["acknowledged"]) for a in report["areas"]] == [("Ấp Hai", 2, 0),
                                                                                     ("Ấp Một", 3, 1)]


async def _until_acknowledged(client: httpx.AsyncClient, bulletin_id: int) -> dict:
    for _ in range(150):
        report = (await client.get(f"/api/v1/bulletins/{bulletin_id}")).json()
        if report["counts"]["acknowledged"] and report["counts"]["pending"] == 0:
            return report
        await asyncio.sleep(0.1)
    raise AssertionError(f"not acknowledged: {report}")


async def test_serve_embeds_the_scheduler_and_runs_a_worker_only_for_configured_channels(staff, env) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "")
    get_settings.cache_clear()
    app = create_app(AppOptions(channels=False, scheduler=True, worker=True))
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if app.state.bulletin_scheduler.leading:
                break
            await asyncio.sleep(0.05)
        assert app.state.bulletin_scheduler.leading
        assert getattr(app.state, "delivery_worker", None) is None  # no channel credentials: nothing to send with
    quiet = create_app(AppOptions(channels=False, scheduler=False, worker=False))  # serve --no-scheduler --no-worker
    async with quiet.router.lifespan_context(quiet):
        assert getattr(quiet.state, "bulletin_scheduler", None) is None
