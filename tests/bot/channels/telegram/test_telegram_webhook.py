"""Webhook mode: Telegram POSTs updates to the app's /webhooks/telegram, guarded by the secret header."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.main import AppOptions, create_app
from core import ui_texts as texts
from core.settings import get_settings
from tests.bot.channels.telegram.kit import CHAT
from tests.kit.telegram_api import FakeTelegramAPI
from tests.kit.telegram_updates import text_message

SECRET = "Webhook-Secret_0123456789abcdef"
PUBLIC = "https://giamngheo.example.vn"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def webhook(database: str, env: pytest.MonkeyPatch, telegram_env: FakeTelegramAPI) -> Iterator[TestClient]:
    """The app in webhook mode, its bot talking to the fake Bot API."""
    env.setenv("TELEGRAM_MODE", "webhook")
    env.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    env.setenv("PUBLIC_BASE_URL", PUBLIC)
    get_settings.cache_clear()
    with TestClient(create_app(AppOptions(channels=True, scheduler=False, worker=False))) as client:
        telegram_env.wait_for("setWebhook")
        yield client


def post(client: TestClient, payload: Any, secret: str | None = SECRET, **kwargs: Any) -> Response:
    """POST like Telegram does, retrying while the bot is still starting (503), as Telegram would."""
    headers = {HEADER: secret} if secret is not None else {}
    deadline = time.monotonic() + 10
    while True:
        if "content" in kwargs:
            response = client.post("/webhooks/telegram", headers=headers, **kwargs)
        else:
            response = client.post("/webhooks/telegram", headers=headers, json=payload)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.02)


def test_start_up_sets_the_webhook_with_the_secret_and_does_not_poll(webhook, telegram_env):
    [call] = telegram_env.calls("setWebhook")
    assert call.params["url"] == PUBLIC + "/webhooks/telegram"
    assert call.params["secret_token"] == SECRET
    assert "callback_query" in call.params["allowed_updates"]
    assert telegram_env.calls("getUpdates", status=None) == []


def test_an_update_with_the_right_secret_is_answered_200_and_processed(webhook, telegram_env):
    response = post(webhook, {"update_id": 901, **text_message(CHAT, "/start")})
    assert response.status_code == 200 and response.json()["update_id"] == 901
    welcome = telegram_env.wait_for("sendMessage", chat_id=CHAT)[0]
    assert welcome.text.startswith(texts.get("engine.welcome"))


def test_the_same_update_posted_three_times_is_answered_once(webhook, telegram_env):
    update = {"update_id": 905, **text_message(CHAT, "/start")}
    for _ in range(3):  # Telegram retries when our 200 comes too late
        assert post(webhook, update).status_code == 200
    assert post(webhook, {"update_id": 906, **text_message(CHAT, "/menu")}).status_code == 200
    sent = telegram_env.wait_for("sendMessage", 2, chat_id=CHAT)  # welcome with "Bạn ở ấp nào?", then the menu
    assert not sent[1].text.startswith(texts.get("engine.welcome"))  # one chat's updates in order: 905s are done
    welcomes = [c for c in telegram_env.calls("sendMessage", chat_id=CHAT)
                if c.text.startswith(texts.get("engine.welcome"))]
    assert len(welcomes) == 1


@pytest.mark.parametrize("secret", ["wrong-secret", "", None, SECRET + "x", SECRET[:-1]])
def test_a_wrong_or_missing_secret_gets_401_and_nothing_is_processed(webhook, telegram_env, secret):
    response = post(webhook, {"update_id": 902, **text_message(CHAT, "/start")}, secret=secret)
    assert response.status_code == 401 and response.json()["message"]
    # A witness with the right secret, posted after: once it is answered, the refused update would have been too.
    assert post(webhook, {"update_id": 903, **text_message(CHAT + 1, "/start")}).status_code == 200
    telegram_env.wait_for("sendMessage", chat_id=CHAT + 1)
    assert {call.chat_id for call in telegram_env.calls("sendMessage")} == {CHAT + 1}


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"",
                                  b'{"update_id": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"])
def test_a_body_that_is_not_json_or_nests_too_deep_gets_400(webhook, telegram_env, body, caplog):
    response = post(webhook, None, content=body)
    assert response.status_code == 400 and response.json()["message"] == "body is not JSON"
    assert "not JSON" in caplog.text
    assert SECRET not in caplog.text


def test_a_body_over_one_megabyte_gets_413_before_it_is_read(webhook):
    response = post(webhook, None, content=b"{" + b" " * 1_000_001 + b"}")
    assert response.status_code == 413 and response.json()["message"]


@pytest.mark.parametrize("payload", [[1, 2], {"message": {"text": "hi"}}, {"update_id": "7"}, "update"])
def test_json_that_is_not_an_update_gets_400(webhook, payload):
    response = post(webhook, payload)
    assert response.status_code == 400 and response.json()["message"]


def test_in_polling_mode_the_webhook_route_is_404(database, telegram_env):
    with TestClient(create_app(AppOptions(channels=True, scheduler=False, worker=False))) as client:
        response = client.post("/webhooks/telegram", headers={HEADER: SECRET}, json={"update_id": 1})
    assert response.status_code == 404 and response.json()["message"]


def test_a_failing_set_webhook_is_logged_and_the_app_still_serves(database, env, telegram_env, caplog):
    env.setenv("TELEGRAM_MODE", "webhook")
    env.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    telegram_env.fail("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
    with TestClient(create_app(AppOptions(channels=True, scheduler=False, worker=False))) as client:
        response = post(client, {"update_id": 903, **text_message(CHAT, "/menu")})
        assert response.status_code == 200
        telegram_env.wait_for("sendMessage", chat_id=CHAT)
    assert "setWebhook" in caplog.text and "failed" in caplog.text
