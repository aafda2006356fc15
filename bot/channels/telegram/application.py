"""The PTB `Application` that answers households, and its optional start-up calls."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application

from bot.channels.telegram import handlers
from bot.channels.telegram.logs import LOGGER_NAME, describe, guard
from bot.channels.telegram.processor import PerChatUpdateProcessor
from core import ui_texts as texts
from core.answers.ranking import KnowledgeBase
from core.settings import Settings
from core.speech import get_speech_backend

log = logging.getLogger(LOGGER_NAME)
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
WEBHOOK_PATH = "/webhooks/telegram"


def build_application(settings: Settings, knowledge: KnowledgeBase, *, webhook: bool = False) -> Application:
    """Polling (PTB's updater) or webhook (`updater(None)`: the FastAPI route feeds the update queue).

    Replies go through `AIORateLimiter` (the bot-wide 30/s; it retries a 429 twice). Bulletins do not: the
    delivery worker's `TelegramSender` has its own plain `Bot` and pacing, so the two together may briefly
    exceed 30/s — Telegram tolerates replies to people who just wrote. TELEGRAM_RATE_LIMIT_ENABLED=false
    (benchmarks against the fake Bot API only) leaves the limiter out, as the delivery worker's pacing does.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    secret = settings.telegram_webhook_secret
    guard(token, secret.get_secret_value() if secret else None)
    builder = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .concurrent_updates(PerChatUpdateProcessor(max(1, settings.telegram_concurrent_updates)))
        .job_queue(None)
    )
    if settings.telegram_rate_limit_enabled:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_rate_per_second,
                                                      max_retries=2))
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data[handlers.KNOWLEDGE] = knowledge
    application.bot_data[handlers.SPEECH] = get_speech_backend(settings)
    handlers.register(application)
    return application


def bot_commands() -> list[BotCommand]:
    """The command menu from content/texts.yaml (`telegram.commands`), in file order."""
    prefix = "telegram.commands."
    return [BotCommand(key.removeprefix(prefix), value) for key, value in texts.all_texts().items()
            if key.startswith(prefix)]


async def announce(application: Application, settings: Settings, *, webhook: bool) -> None:
    """Optional start-up calls: the command menu, and in webhook mode the webhook itself. Failures are logged."""
    try:
        await application.bot.set_my_commands(bot_commands())
    except TelegramError as error:
        log.warning("setMyCommands failed, the command menu may be stale: %s", describe(error))
    if not webhook:
        return
    url = settings.public_base_url.rstrip("/") + WEBHOOK_PATH
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else None
    try:
        await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        log.info("Telegram webhook set to %s", url)
    except TelegramError as error:
        log.error("setWebhook(%s) failed; Telegram will not deliver updates until it succeeds: %s", url,
                  describe(error))
