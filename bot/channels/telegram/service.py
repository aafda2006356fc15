"""`telegram_service(app)`: the Telegram bot as a background service of the FastAPI app.

Polling (the default when TELEGRAM_BOT_TOKEN is set): PTB's updater long-polls getUpdates. Webhook
(TELEGRAM_MODE=webhook, TELEGRAM_WEBHOOK_SECRET required): the app's `POST /webhooks/telegram` puts updates
on the application's queue, and start-up calls setWebhook(PUBLIC_BASE_URL + "/webhooks/telegram"). No token:
the service does nothing. Start-up runs in a background task, so the web app never waits for Telegram: an
unreachable Bot API is retried with back-off (1 s doubling to 60 s), a refused token leaves the channel off.
Stopping leaves a webhook set: Telegram keeps the updates and retries until the app is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.channels.telegram.application import ALLOWED_UPDATES, announce, build_application
from bot.channels.telegram.logs import LOGGER_NAME, describe
from core.settings import Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(LOGGER_NAME)
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
MAX_RETRY_DELAY = 60.0


class TelegramWebhook:
    """What `POST /webhooks/telegram` needs: the secret check and the application's update queue."""

    def __init__(self, application: Application, secret: str):
        self.application = application
        self._secret = secret.encode()
        self.ready = False

    def accepts(self, header: str | None) -> bool:
        return header is not None and secrets.compare_digest(header.encode(), self._secret)

    async def put(self, payload: dict[str, Any]) -> int:
        """Queue one update (processed in the background); returns its update_id."""
        update = Update.de_json(payload, self.application.bot)
        await self.application.update_queue.put(update)
        return update.update_id


class TelegramBot:
    """Starts and stops one `Application`, polling or webhook."""

    def __init__(self, application: Application, settings: Settings, *, webhook: TelegramWebhook | None):
        self.application = application
        self.settings = settings
        self.webhook = webhook
        self._initialized = False

    async def run(self) -> None:
        """Initialise (retrying while Telegram is unreachable), announce, then start receiving updates."""
        try:
            if not await self._initialize():
                return
            await announce(self.application, self.settings, webhook=self.webhook is not None)
            await self.application.start()
            if self.webhook is not None:
                self.webhook.ready = True
            else:
                await self._start_polling()
            log.info("Telegram bot @%s is running (%s)", self.application.bot.username, self.settings.telegram_mode)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 (a broken channel must not take the web app down)
            log.error("the Telegram bot could not start: %s", describe(error), exc_info=error)

    async def _initialize(self) -> bool:
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                self._initialized = True
                return True
            except InvalidToken as error:
                log.error("Telegram refused the bot token; the Telegram channel stays off: %s", describe(error))
                return False
            except TelegramError as error:
                log.warning("cannot reach the Telegram Bot API (%s); retrying in %.0f s", describe(error), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_DELAY)

    async def _start_polling(self) -> None:
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(timeout=self.settings.telegram_poll_timeout_seconds, bootstrap_retries=-1,
                                    allowed_updates=ALLOWED_UPDATES, error_callback=_polling_error)

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand, close the connections."""
        if self.webhook is not None:
            self.webhook.ready = False
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if self._initialized:
            await application.shutdown()
        else:
            await application.bot.shutdown()


def _polling_error(error: TelegramError) -> None:
    log.warning("getUpdates failed, PTB retries: %s", describe(error))


def webhook_secret(settings: Settings) -> str | None:
    """The configured secret when Telegram would accept it, else None (logged)."""
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
    if not secret:
        log.error("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET; the Telegram channel stays off")
        return None
    if not SECRET_PATTERN.fullmatch(secret):
        log.error("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (1-256 characters); "
                  "the Telegram channel stays off")
        return None
    return secret


@contextlib.asynccontextmanager
async def telegram_service(app: FastAPI) -> AsyncIterator[None]:
    """Run the bot while the app runs; `app.state.telegram_webhook` is set in webhook mode."""
    settings = get_settings()
    app.state.telegram_webhook = None
    webhook_mode = settings.telegram_mode == "webhook"
    secret = webhook_secret(settings) if webhook_mode and settings.telegram_enabled else None
    if not settings.telegram_enabled or (webhook_mode and secret is None):
        if not settings.telegram_enabled:
            log.info("TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off")
        yield
        return
    application = build_application(settings, app.state.knowledge, webhook=webhook_mode)
    webhook = TelegramWebhook(application, secret) if secret else None
    app.state.telegram_webhook = webhook
    bot = TelegramBot(application, settings, webhook=webhook)
    task = asyncio.create_task(bot.run(), name="telegram-bot")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.stop()
        app.state.telegram_webhook = None
