"""The Telegram channel (python-telegram-bot 22).

Run: set TELEGRAM_BOT_TOKEN and start `giamngheo serve`; the bot long-polls as a background service of the
web app. Webhook instead: TELEGRAM_MODE=webhook, TELEGRAM_WEBHOOK_SECRET and a public PUBLIC_BASE_URL;
Telegram then POSTs to /webhooks/telegram. TELEGRAM_API_BASE_URL points at another Bot API server (a local
one, or the fake in tests/kit/telegram_api.py).

updates.py: native update → `Inbound` · render.py: `Reply` → messages and keyboards · handlers.py: PTB
callbacks · application.py: the `Application` factory and start-up calls · service.py: polling/webhook life
cycle · sender.py: `TelegramSender` for the delivery worker · logs.py: the token never reaches a log.
"""

from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.service import TelegramWebhook, telegram_service

__all__ = ["TelegramSender", "TelegramWebhook", "telegram_service"]
