"""Start-up of the Telegram service: optional calls that fail, an unreachable or refusing Bot API, no token."""

from __future__ import annotations

import asyncio
import logging

from core import ui_texts as texts
from core.settings import get_settings
from tests.bot.channels.telegram.kit import CHAT, running_app
from tests.kit.telegram_api import FakeTelegramAPI
from tests.kit.telegram_updates import text_message


async def test_a_failing_set_my_commands_is_logged_and_the_bot_still_answers(database, telegram_env, caplog):
    telegram_env.fail("setMyCommands", 500, "Internal Server Error")
    async with running_app():
        telegram_env.push_update(text_message(CHAT, "/start"))
        [welcome, *_] = await telegram_env.await_calls("sendMessage", chat_id=CHAT)
    assert welcome.text.startswith(texts.get("engine.welcome"))
    assert telegram_env.calls("setMyCommands", status=500)
    assert "setMyCommands failed" in caplog.text


async def test_the_command_menu_is_the_vietnamese_list_from_the_texts(database, telegram_env):
    async with running_app():
        [call] = await telegram_env.await_calls("setMyCommands")
    commands = {c["command"]: c["description"] for c in call.params["commands"]}
    assert commands["dangky"] == texts.get("telegram.commands.dangky")
    assert {"start", "menu", "huongdan", "huydangky", "bantin", "xoadulieu"} <= set(commands)


async def test_an_unreachable_bot_api_at_start_is_retried_until_it_answers(database, telegram_env, caplog):
    telegram_env.fail("getMe", 502, "Bad Gateway", times=1)
    async with running_app():
        telegram_env.push_update(text_message(CHAT, "/menu"))
        await telegram_env.await_calls("sendMessage", chat_id=CHAT)
    assert len(telegram_env.calls("getMe", status=None)) == 2
    assert "retrying in 1 s" in caplog.text


async def test_a_refused_token_leaves_the_channel_off_without_logging_the_token(database, env, fake_telegram, caplog):
    caplog.set_level(logging.DEBUG)
    token = "7000000001:AAOtherTokenThatTheFakeRefuses_abcdefghij"
    env.setenv("TELEGRAM_BOT_TOKEN", token)
    env.setenv("TELEGRAM_API_BASE_URL", fake_telegram.base_url)
    get_settings.cache_clear()
    async with running_app():
        for _ in range(100):
            if "refused the bot token" in caplog.text:
                break
            await asyncio.sleep(0.05)
    assert "refused the bot token" in caplog.text
    assert not fake_telegram.calls("getUpdates", status=None)
    assert token not in caplog.text and "<redacted>" in caplog.text
    assert all(token not in str(r.msg) and token not in str(r.args) for r in caplog.records)


async def test_without_a_token_the_service_does_nothing(database, env, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    async with running_app():
        pass
    assert fake_telegram.calls(status=None) == []
    assert "TELEGRAM_BOT_TOKEN is not set" in caplog.text


async def test_webhook_mode_without_a_secret_stays_off(database, telegram_env, env, caplog):
    env.setenv("TELEGRAM_MODE", "webhook")
    get_settings.cache_clear()
    async with running_app():
        pass
    assert telegram_env.calls(status=None) == []
    assert "needs TELEGRAM_WEBHOOK_SECRET" in caplog.text


async def test_webhook_mode_refuses_a_secret_telegram_would_reject(database, telegram_env, env, caplog):
    env.setenv("TELEGRAM_MODE", "webhook")
    env.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces and ü")
    get_settings.cache_clear()
    async with running_app():
        pass
    assert telegram_env.calls(status=None) == []
    assert "may hold only" in caplog.text and "has spaces" not in caplog.text


async def test_the_app_stops_cleanly_while_the_bot_polls(database, telegram_env: FakeTelegramAPI):
    async with running_app():
        await telegram_env.await_calls("getUpdates", 2)
    polls = len(telegram_env.calls("getUpdates", status=None))
    await telegram_env.await_quiet(0.3)
    assert len(telegram_env.calls("getUpdates", status=None)) == polls  # polling really stopped
