"""`TelegramSender` against the fake Bot API: what each answer means to the delivery worker."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from bot.channels.telegram import TelegramSender
from bot.engine.types import Button, Reply
from core.settings import get_settings
from tests.kit.telegram_api import FakeTelegramAPI

pytestmark = [pytest.mark.no_database,
              pytest.mark.filterwarnings("ignore:.*`retry_after` will be of type:DeprecationWarning")]
BULLETIN = Reply("📢 Họp ấp Thạnh An lúc 7 giờ sáng Chủ nhật tại nhà văn hóa ấp.", [[Button("Đã biết", "ack:42")]])


@pytest.fixture
async def sender(telegram_env: FakeTelegramAPI) -> AsyncIterator[TelegramSender]:
    async with TelegramSender() as sender:
        yield sender


async def test_a_sent_bulletin_carries_its_text_and_inline_keyboard(sender, telegram_env):
    result = await sender.send("1001", [BULLETIN])
    assert result.status == "sent" and result.retry_after is None
    [call] = telegram_env.calls("sendMessage")
    assert call.chat_id == 1001 and call.text == BULLETIN.text
    assert call.buttons == [[{"text": "Đã biết", "callback_data": "ack:42"}]]


async def test_429_means_retry_after_what_telegram_said(sender, telegram_env):
    telegram_env.rate_limit(retry_after=7)
    result = await sender.send("1001", [BULLETIN])
    assert result.status == "retry" and result.retry_after == 7.0
    assert telegram_env.rate_limited == 1


@pytest.mark.parametrize("reason", ["blocked", "deactivated"])
async def test_403_means_the_household_is_gone(sender, telegram_env, reason):
    telegram_env.block(1002, reason=reason)
    result = await sender.send("1002", [BULLETIN])
    assert result.status == "blocked" and "Forbidden" in (result.error or "")


async def test_chat_not_found_means_the_household_is_gone(sender, telegram_env):
    telegram_env.forget_chat(1003)
    assert (await sender.send("1003", [BULLETIN])).status == "blocked"


async def test_another_bad_request_is_a_permanent_failure(sender, telegram_env):
    telegram_env.fail("sendMessage", 400, "Bad Request: can't parse entities")
    result = await sender.send("1004", [BULLETIN])
    assert result.status == "failed" and "can't parse entities" in (result.error or "").lower()


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_means_retry(sender, telegram_env, status):
    telegram_env.fail("sendMessage", status, "Bad Gateway")
    assert (await sender.send("1005", [BULLETIN])).status == "retry"


async def test_an_unreachable_bot_api_means_retry(env):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.setenv("TELEGRAM_BOT_TOKEN", "7000000001:AAUnreachableTokenForTests_abcdefghijk")
    env.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{port}/bot")
    get_settings.cache_clear()
    async with TelegramSender() as sender:
        result = await sender.send("1006", [BULLETIN])
    assert result.status == "retry" and "7000000001:AA" not in (result.error or "")


async def test_a_refused_token_is_a_failure_that_does_not_show_the_token(env, fake_telegram):
    token = "7000000001:AARevokedTokenForTests_abcdefghijklmnop"
    env.setenv("TELEGRAM_BOT_TOKEN", token)
    env.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    get_settings.cache_clear()
    async with TelegramSender() as sender:
        result = await sender.send("1007", [BULLETIN])
    assert result.status == "failed" and token not in (result.error or "")


async def test_a_reply_over_4096_characters_goes_out_in_clean_parts(sender, telegram_env):
    paragraphs = [f"Đoạn {i}: " + "hộ nghèo được vay vốn ưu đãi để làm ăn. " * 30 for i in range(12)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 2 * 4096
    assert (await sender.send("1008", [Reply(text, [[Button("☰ Menu", "m")]])])).status == "sent"
    calls = telegram_env.calls("sendMessage")
    assert len(calls) >= 3 and all(0 < len(c.text) <= 4096 for c in calls)
    assert all(c.text.startswith("Đoạn") for c in calls)  # cut between paragraphs, not inside one
    assert [bool(c.buttons) for c in calls] == [False] * (len(calls) - 1) + [True]
    assert " ".join(c.text for c in calls).split() == text.split()  # nothing lost, nothing added


async def test_each_reply_is_its_own_message_in_order(sender, telegram_env):
    replies = [Reply("Một"), Reply("Hai", [[Button(str(n), f"t:x:{n}") for n in range(10)]])]
    assert (await sender.send("1009", replies)).status == "sent"
    first, second = telegram_env.calls("sendMessage")
    assert (first.text, second.text) == ("Một", "Hai")
    assert [len(row) for row in second.buttons] == [8, 2]


async def test_a_thousand_bulletins_to_different_chats_all_arrive(sender, telegram_env):
    async def one(chat: int) -> str:
        return (await sender.send(str(chat), [BULLETIN])).status

    statuses = await asyncio.gather(*(one(chat) for chat in range(20_000, 21_000)))
    assert set(statuses) == {"sent"}
    assert len({c.chat_id for c in telegram_env.calls("sendMessage")}) == 1000


def test_without_a_token_there_is_no_sender(env):
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        TelegramSender()
