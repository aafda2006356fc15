"""The bot token (in every Bot API URL) and the webhook secret never reach a log line, even at DEBUG."""

from __future__ import annotations

import logging

from bot.channels.telegram import TelegramSender
from bot.engine.types import Reply
from tests.bot.channels.telegram.kit import CHAT, running_app
from tests.kit.telegram_updates import callback_query, sticker_message, text_message


def assert_no_secret(caplog, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in r.getMessage() for r in caplog.records)


async def test_a_whole_conversation_with_errors_logs_no_token(database, telegram_env, caplog):
    caplog.set_level(logging.DEBUG)
    telegram_env.fail("setMyCommands", 500, "Internal Server Error")
    async with running_app():
        telegram_env.push_update(text_message(CHAT, "/start"))
        telegram_env.push_update(sticker_message(CHAT))
        telegram_env.push_update(callback_query(CHAT, "zz:forged"))
        await telegram_env.await_calls("sendMessage", 3, chat_id=CHAT)  # the welcome is one message
        telegram_env.fail("sendMessage", 502, "Bad Gateway", times=1)
        telegram_env.push_update(text_message(CHAT, "/menu"))
        await telegram_env.await_calls("sendMessage", 4, chat_id=CHAT)
        await telegram_env.await_quiet()
    assert "HTTP Request: POST" in caplog.text and "/bot<redacted>/" in caplog.text  # httpx did log the URLs
    assert "Telegram refused a call" in caplog.text
    assert_no_secret(caplog, telegram_env.token)


async def test_the_sender_logs_no_token(telegram_env, caplog):
    caplog.set_level(logging.DEBUG)
    telegram_env.block(CHAT)
    async with TelegramSender() as sender:
        assert (await sender.send(str(CHAT), [Reply("Bản tin")])).status == "blocked"
        assert (await sender.send(str(CHAT + 1), [Reply("Bản tin")])).status == "sent"
    assert "/bot<redacted>/sendMessage" in caplog.text
    assert_no_secret(caplog, telegram_env.token)
