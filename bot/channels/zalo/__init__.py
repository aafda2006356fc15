"""Zalo Official Account channel: webhook in (`webhook`, `inbox`, `service`), OA API v3 out (`sender`).

Settings: ZALO_APP_ID, ZALO_OA_SECRET_KEY (webhook signature), ZALO_APP_SECRET (token refresh),
ZALO_OA_ACCESS_TOKEN / ZALO_OA_REFRESH_TOKEN (first values; the live ones are in the database),
ZALO_OA_API_BASE_URL, ZALO_OAUTH_BASE_URL. The webhook is `POST /webhooks/zalo` (bot/channels/zalo/route.py).
"""

from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.service import ZaloService

__all__ = ["ZaloSender", "ZaloService"]
