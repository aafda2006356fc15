"""The fake Bot API itself answers as Telegram documents, so tests built on it (here and in schedules/) mean
something: plain HTTP in, Bot API envelopes out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.kit.telegram_api import FakeTelegramAPI
from tests.kit.telegram_updates import text_message

pytestmark = pytest.mark.no_database


@pytest.fixture
def fake() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI() as server:
        yield server


def call(fake: FakeTelegramAPI, method: str, token: str | None = None, **params: Any) -> httpx.Response:
    return httpx.post(f"{fake.base_url}{token or fake.token}/{method}", json=params, timeout=10)


def test_a_wrong_token_is_401_and_an_unknown_method_404(fake):
    wrong = call(fake, "getMe", token="1:nope")
    assert wrong.status_code == 401 and wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert call(fake, "sendPigeon").json()["error_code"] == 404


def test_form_bodies_and_case_insensitive_methods_work_like_telegram(fake):
    response = httpx.post(f"{fake.base_url}{fake.token}/SENDMESSAGE",
                          data={"chat_id": "5", "text": "chào", "reply_markup": '{"inline_keyboard": []}'})
    assert response.json()["ok"] is True
    assert fake.calls("sendMessage")[0].params["reply_markup"] == {"inline_keyboard": []}


def test_get_updates_confirms_by_offset_and_long_polls(fake):
    first = fake.push_update(text_message(5, "một"))
    fake.push_update(text_message(5, "hai"))
    assert [u["update_id"] for u in call(fake, "getUpdates").json()["result"]] == [first, first + 1]
    assert [u["update_id"] for u in call(fake, "getUpdates", offset=first + 1).json()["result"]] == [first + 1]
    started = time.monotonic()
    assert call(fake, "getUpdates", offset=first + 2, timeout=1).json()["result"] == []
    assert time.monotonic() - started >= 0.9


def test_get_updates_while_a_webhook_is_set_is_a_conflict(fake):
    call(fake, "setWebhook", url="https://example.vn/webhooks/telegram", secret_token="s")
    assert call(fake, "getUpdates").status_code == 409
    call(fake, "deleteWebhook")
    assert call(fake, "getUpdates").status_code == 200


@pytest.mark.parametrize(("params", "description"), [
    ({"chat_id": 5, "text": ""}, "message text is empty"),
    ({"chat_id": 5, "text": "x" * 4097}, "message is too long"),
    ({"chat_id": 5, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]}},
     "BUTTON_DATA_INVALID"),
])
def test_what_telegram_refuses_is_refused(fake, params, description):
    response = call(fake, "sendMessage", **params)
    assert response.status_code == 400 and description in response.json()["description"]


def test_switches_answer_429_403_and_400(fake):
    fake.rate_limit(retry_after=4, times=1)
    fake.block(6)
    fake.forget_chat(7)
    limited = call(fake, "sendMessage", chat_id=5, text="x").json()
    assert limited["error_code"] == 429 and limited["parameters"] == {"retry_after": 4}
    assert call(fake, "sendMessage", chat_id=5, text="x").json()["ok"] is True
    assert call(fake, "sendMessage", chat_id=6, text="x").json()["description"] == \
        "Forbidden: bot was blocked by the user"
    assert call(fake, "sendMessage", chat_id=7, text="x").json()["description"] == "Bad Request: chat not found"
    assert fake.rate_limited == 1


class ManualClock:
    """The fake's clock, moved only by the test: rate checks then hold however slowly a busy machine answers."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_flood_limits_answer_429_per_chat_and_per_bot_and_count_them(fake):
    fake.clock = clock = ManualClock()
    fake.enforce_flood_limits(per_second=5, per_chat_interval=1.0, slack=0)
    assert call(fake, "sendMessage", chat_id=1, text="x").status_code == 200
    assert call(fake, "sendMessage", chat_id=1, text="x").status_code == 429  # same chat within a second
    statuses = [call(fake, "sendMessage", chat_id=chat, text="x").status_code for chat in range(2, 10)]
    assert statuses.count(200) == 4 and statuses.count(429) == 4  # 5 a second for the whole bot
    assert fake.rate_limited == 5
    assert fake.peak_rate(1.0) == 5 and fake.min_chat_interval() == float("inf")
    clock.now += 1.0  # a second later both limits have room again
    assert call(fake, "sendMessage", chat_id=1, text="x").status_code == 200
    assert call(fake, "sendMessage", chat_id=10, text="x").status_code == 200


def test_rates_are_measured_from_accepted_messages(fake):
    fake.clock = clock = ManualClock()
    for chat in (1, 2, 1):
        call(fake, "sendMessage", chat_id=chat, text="x")
        clock.now += 0.05
    assert fake.min_chat_interval() == pytest.approx(0.1)
    assert fake.send_rate() == pytest.approx(20.0)  # 2 intervals in 0.1 s
