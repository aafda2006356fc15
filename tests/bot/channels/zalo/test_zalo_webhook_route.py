"""`POST /webhooks/zalo` on the real app, a real database, the real engine and the fake Zalo OA server."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.main import AppOptions, create_app
from bot.channels.zalo import inbox
from bot.channels.zalo.contacts import CHOICES_KEY
from bot.channels.zalo.webhook import ZaloEvent, expected_signature
from bot.engine.render import menu_reply
from core import clock
from core import ui_texts as texts
from core.db import session_scope
from core.models import AuditLog, Contact, ProcessedEvent, Subscription
from tests.bot.channels.zalo.zalo_events import (
    OA_SECRET,
    follow_event,
    media_event,
    post_event,
    settle,
    sign,
    text_event,
)
from tests.kit.zalo_api import APP_ID


def run(client: TestClient, coroutine_function, *args):  # noqa: ANN001, ANN201
    """Run a database helper on the app's event loop (the app owns the engine's connections)."""
    return client.portal.call(coroutine_function, *args)


async def stored_events() -> list[ProcessedEvent]:
    async with session_scope() as session:
        return list((await session.exec(select(ProcessedEvent))).all())


async def contact_of(user_id: str) -> Contact | None:
    async with session_scope() as session:
        return (await session.exec(select(Contact).where(Contact.user_id == user_id))).first()


def test_signed_text_gets_the_engines_reply_at_the_fake_oa(client, zalo):
    response = post_event(client, text_event("8472", "hộ nghèo vay vốn ngân hàng chính sách"))
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    settle(client)
    messages = zalo.wait_for_messages(1)
    assert {m["user_id"] for m in messages} == {"8472"}
    assert any("Ngân hàng Chính sách xã hội" in m["text"] for m in messages)
    [event] = run(client, stored_events)
    assert (event.status, event.payload) == ("done", None)


def test_the_webhook_answers_at_once_and_replies_after(client, zalo):
    zalo.message_delay = 1.0
    started = time.monotonic()
    response = post_event(client, text_event("8473", "vay vốn"))
    assert response.status_code == 200 and time.monotonic() - started < 0.9
    assert zalo.messages == []
    zalo.message_delay = 0.0
    settle(client)
    assert zalo.messages


@pytest.mark.parametrize("signature", ["mac=" + "0" * 64, "0" * 64, "mac=", "garbage"])
def test_a_forged_signature_is_refused_and_nothing_is_stored(client, zalo, signature):
    response = post_event(client, text_event("8474", "xin chào"), signature=signature)
    assert response.status_code == 401 and response.json()["message"]
    assert run(client, stored_events) == [] and zalo.attempts == 0


def test_a_missing_signature_is_refused(client):
    body = text_event("8475", "xin chào")
    response = client.post("/webhooks/zalo", json=body)
    assert response.status_code == 401 and response.json() == {"message": "invalid signature"}


def test_a_signature_made_with_another_secret_is_refused(client):
    body = text_event("8476", "xin chào")
    raw = __import__("json").dumps(body).encode()
    response = client.post("/webhooks/zalo", content=raw,
                           headers={"X-ZEvent-Signature": sign(raw, body, secret="not-our-secret")})
    assert response.status_code == 401


def test_an_event_for_another_app_is_refused(client):
    response = post_event(client, text_event("8477", "xin chào", app_id="999"))
    assert response.status_code == 401 and response.json() == {"message": "invalid signature"}


@pytest.mark.parametrize("offset", [timedelta(minutes=-10), timedelta(days=-1), timedelta(minutes=10)])
def test_a_stale_or_future_timestamp_is_refused(client, zalo, offset):
    body = text_event("8478", "xin chào")
    body["timestamp"] = str(int((clock.now() + offset).timestamp() * 1000))
    response = post_event(client, body)
    assert response.status_code == 401 and response.json() == {"message": "stale timestamp"}
    assert run(client, stored_events) == []


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00", b"", b"[1, 2]", b'"text"',
                                 b"[" * 100_000 + b"]" * 100_000])
def test_an_unsigned_body_is_refused_before_it_is_parsed(client, caplog, raw):
    caplog.set_level(logging.WARNING, logger="bot.channels.zalo.route")
    response = client.post("/webhooks/zalo", content=raw, headers={"content-type": "application/json",
                                                                   "X-ZEvent-Signature": "mac=00"})
    assert response.status_code == 401 and response.json() == {"message": "invalid signature"}
    assert "zalo webhook" in caplog.text


def _signed_raw(raw: bytes, timestamp: str) -> dict[str, str]:
    signature = "mac=" + expected_signature(raw, APP_ID, timestamp, OA_SECRET)
    return {"content-type": "application/json", "X-ZEvent-Signature": signature}


@pytest.mark.parametrize("shape", ["{not json %s", "[{%s}]", '"%s"', "[" * 100_000 + "{%s}" + "]" * 100_000])
def test_a_signed_body_that_is_not_a_json_object_or_nests_too_deep_gets_a_400(client, caplog, shape):
    caplog.set_level(logging.WARNING, logger="bot.channels.zalo.route")
    raw = (shape % '"timestamp":"1700000000000"').encode()
    response = client.post("/webhooks/zalo", content=raw, headers=_signed_raw(raw, "1700000000000"))
    assert response.status_code == 400 and response.json() == {"message": "body must be a JSON object"}
    assert "zalo webhook" in caplog.text


def test_a_signed_timestamp_that_is_not_the_events_own_is_refused(client, zalo):
    body = text_event("8480", "xin chào", message={"text": "x", "msg_id": "m1", "timestamp": "1"})
    raw = json.dumps({"note": {"timestamp": "1"}} | body, separators=(",", ":")).encode()
    response = client.post("/webhooks/zalo", content=raw, headers=_signed_raw(raw, "1"))
    assert response.status_code == 401 and run(client, stored_events) == []


@pytest.mark.parametrize("sender", ["x" * 5000, r"12\u000034", r"\udc80\ud800"])
def test_an_event_whose_ids_cannot_be_stored_is_dropped_with_a_200(client, zalo, caplog, sender):
    body = text_event("8481", "xin chào")
    raw = json.dumps(body, separators=(",", ":")).replace('"8481"', f'"{sender}"').encode()
    response = client.post("/webhooks/zalo", content=raw, headers=_signed_raw(raw, body["timestamp"]))
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert "event dropped" in caplog.text and run(client, stored_events) == []


@pytest.mark.parametrize("msg_id", [r"m\u0000id", r"\ud800", "m" * 1001])
def test_a_msg_id_that_cannot_be_stored_drops_the_event(client, zalo, caplog, msg_id):
    body = text_event("8482", "xin chào", msg_id="MSGID")
    raw = json.dumps(body, separators=(",", ":")).replace('"MSGID"', f'"{msg_id}"').encode()
    response = client.post("/webhooks/zalo", content=raw, headers=_signed_raw(raw, body["timestamp"]))
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert run(client, stored_events) == []


def test_nul_and_lone_surrogates_in_a_households_text_are_scrubbed_not_stored(client, zalo):
    body = text_event("8483", "TEXT")
    raw = json.dumps(body, separators=(",", ":")).replace('"TEXT"', r'"vay\u0000 v\u1ed1n\udc80"').encode()
    response = client.post("/webhooks/zalo", content=raw, headers=_signed_raw(raw, body["timestamp"]))
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    settle(client)
    assert zalo.wait_for_messages(1)
    [event] = run(client, stored_events)
    assert event.status == "done"


def test_a_body_over_one_megabyte_is_refused_before_it_is_read(client, zalo):
    declared = client.post("/webhooks/zalo", content=b"{}", headers={"content-length": "200000000"})
    assert declared.status_code == 413 and "message" in declared.json()

    def chunks():
        for _ in range(20):
            yield b" " * 100_000

    streamed = client.post("/webhooks/zalo", content=chunks(), headers={"X-ZEvent-Signature": "mac=00"})
    assert streamed.status_code == 413 and streamed.json()["limit"] == 1_000_000


def test_a_replayed_msg_id_is_handled_once(client, zalo):
    body = text_event("8479", "/menu", msg_id="replayed-1")
    assert post_event(client, body).json() == {"status": "accepted"}
    settle(client)
    sent = len(zalo.messages)
    assert sent >= 1
    for _ in range(3):
        response = post_event(client, body)
        assert response.status_code == 200 and response.json() == {"status": "duplicate"}
    settle(client)
    assert len(zalo.messages) == sent
    assert [e.key for e in run(client, stored_events)] == ["zalo:replayed-1"]


async def test_two_concurrent_retries_of_one_event_are_accepted_once(database):
    event = ZaloEvent("zalo:concurrent-1", "text", "u1", "chào", "concurrent-1")
    results = await asyncio.gather(*(inbox.accept(event, lease_seconds=60) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


def test_follow_gets_the_welcome(client, zalo):
    assert post_event(client, follow_event("8480")).json() == {"status": "accepted"}
    settle(client)
    messages = zalo.wait_for_messages(1)
    assert messages[0]["user_id"] == "8480"
    assert messages[0]["text"].startswith(texts.get("engine.welcome") + "\n\n")  # "Bạn ở ấp nào?" joined to it
    assert messages[0]["buttons"]


def test_unfollow_stops_the_subscriptions_and_is_audited(client, zalo):
    async def subscribe() -> int:
        async with session_scope() as session:
            contact = Contact(channel="zalo", user_id="8481", hamlet_code="31321.01", state={})
            session.add(contact)
            await session.flush()
            session.add(Subscription(contact_id=contact.id, area_code="31321.01"))
            return contact.id

    async def subscriptions_and_audit(contact_id: int):  # noqa: ANN202
        async with session_scope() as session:
            subs = (await session.exec(select(Subscription).where(Subscription.contact_id == contact_id))).all()
            audit = (await session.exec(select(AuditLog))).all()
            return list(subs), list(audit)

    contact_id = run(client, subscribe)
    assert post_event(client, follow_event("8481", "unfollow")).json() == {"status": "accepted"}
    settle(client)
    subs, audit = run(client, subscriptions_and_audit, contact_id)
    assert [(s.active, s.stop_reason) for s in subs] == [(False, "unfollow")]
    assert [(a.action, a.target_id, a.detail["reason"], a.detail["subscriptions"]) for a in audit] == \
        [("unsubscribe", str(contact_id), "unfollow", 1)]
    assert zalo.attempts == 0  # nothing is sent to someone who left


@pytest.mark.parametrize("name", ["user_send_image", "user_send_sticker", "user_send_location", "user_send_file"])
def test_media_gets_a_polite_reply(client, zalo, name):
    assert post_event(client, media_event("8482", name)).json() == {"status": "accepted"}
    settle(client)
    [message] = zalo.wait_for_messages(1)
    assert message["text"].startswith(texts.get("engine.unsupported")[:40])


def test_a_voice_message_gets_a_kind_answer_that_the_bot_cannot_listen_yet(client, zalo):
    assert post_event(client, media_event("8490", "user_send_audio")).json() == {"status": "accepted"}
    settle(client)
    [message] = zalo.wait_for_messages(1)
    assert message["text"].startswith(texts.get("engine.voice.incoming")[:40])


def test_a_tapped_button_comes_back_as_that_tap(client, zalo):
    post_event(client, text_event("8483", "/menu"))
    settle(client)
    menu = zalo.wait_for_messages(1)[-1]
    tapped = next(b["payload"] for b in menu["buttons"] if "#b:" in b["payload"])
    post_event(client, text_event("8483", tapped))
    settle(client)
    reply = zalo.messages[-1]
    assert reply["text"] != texts.get("engine.stale_button")
    assert "#b:" not in reply["text"]


def test_a_typed_number_picks_a_choice_that_did_not_fit_as_a_button(client, zalo):
    async def offer_menu_as_number_one() -> None:
        async with session_scope() as session:
            session.add(Contact(channel="zalo", user_id="8484", state={CHOICES_KEY: {"1": "m"}, "welcomed": True}))

    run(client, offer_menu_as_number_one)
    post_event(client, text_event("8484", "1"))
    settle(client)
    [reply] = zalo.wait_for_messages(1)
    menu = menu_reply()
    assert reply["text"].startswith(menu.text[:30])
    overflow = menu.all_buttons()[4:]  # the menu's own buttons past the 4 shown are numbered afresh
    assert run(client, contact_of, "8484").state.get(CHOICES_KEY) == \
        ({str(i): b.data for i, b in enumerate(overflow, start=1)} or None)


@pytest.mark.parametrize("name", ["user_received_message", "user_seen_message", "oa_send_text", "anything_new"])
def test_other_events_are_ignored_with_a_200(client, zalo, name):
    body = text_event("8485", "x")
    body["event_name"] = name
    response = post_event(client, body)
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert run(client, stored_events) == []


def test_writing_again_reopens_a_window_recorded_as_closed(client, zalo):
    async def closed_window() -> None:
        async with session_scope() as session:
            session.add(Contact(channel="zalo", user_id="8486", unreachable_since=clock.now(), state={}))

    run(client, closed_window)
    post_event(client, text_event("8486", "chào"))
    settle(client)
    assert run(client, contact_of, "8486").unreachable_since is None


async def leave_pending(user_id: str) -> None:
    """An event a crashed process accepted (answered 200) but never handled: its lease has run out."""
    event = ZaloEvent("zalo:orphan-1", "text", user_id, "/menu", "orphan-1")
    assert await inbox.accept(event, lease_seconds=-1)


def test_an_event_left_pending_by_a_dead_process_is_handled_at_the_next_start(zalo):
    asyncio.run(leave_pending("8487"))
    app = create_app(AppOptions(channels=True, scheduler=False, worker=False))
    with TestClient(app) as client:
        assert zalo.wait_for_messages(1)[0]["user_id"] == "8487"
        settle(client)
        assert [(e.status, e.attempts) for e in run(client, stored_events)] == [("done", 1)]


def test_without_zalo_settings_the_webhook_is_off(database):
    app = create_app(AppOptions(channels=True, scheduler=False, worker=False))
    with TestClient(app) as client:
        body = text_event("8488", "x")
        response = post_event(client, body)
    assert response.status_code == 503 and response.json()["message"]
    assert APP_ID  # the fake's app id is only configured by the `zalo` fixture
