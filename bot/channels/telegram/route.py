"""`POST /webhooks/telegram`: updates pushed by Telegram in webhook mode (TELEGRAM_MODE=webhook).

The secret header is checked with `compare_digest` before the body is read; the update goes on the bot's
queue and the answer is 200 at once (Telegram waits for it and retries on errors).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from bot.channels.telegram.service import TelegramWebhook
from core.http_errors import errors
from core.http_limits import loads_bounded

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON or not a Telegram Update"},
    401: {"description": "Missing or wrong X-Telegram-Bot-Api-Secret-Token"},
    404: {"description": "This server does not run the Telegram bot in webhook mode"},
    503: {"description": "The bot is still starting; Telegram retries"},
    **errors(413),
}


@router.post("/webhooks/telegram", responses=RESPONSES)
async def telegram_webhook(
    request: Request,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> Any:
    """Queue one Telegram update for the bot."""
    webhook: TelegramWebhook | None = getattr(request.app.state, "telegram_webhook", None)
    if webhook is None:
        return _error(404, "Telegram webhook mode is not enabled on this server")
    if not webhook.accepts(secret):
        log.warning("Telegram webhook call refused: %s secret token", "wrong" if secret else "missing")
        return _error(401, "invalid or missing X-Telegram-Bot-Api-Secret-Token")
    if not webhook.ready:
        return _error(503, "the Telegram bot is starting, try again", {"Retry-After": "5"})
    body = await request.body()
    try:
        payload = loads_bounded(body)
    except (UnicodeDecodeError, ValueError):
        log.warning("Telegram webhook body is not JSON, or nested too deeply (%d bytes)", len(body))
        return _error(400, "body is not JSON")
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        log.warning("Telegram webhook body is not an Update (no integer update_id)")
        return _error(400, "body is not a Telegram Update: update_id missing")
    try:
        update_id = await webhook.put(payload)
    except (TypeError, KeyError, ValueError, AttributeError) as error:
        log.warning("Telegram webhook update %s could not be read: %s", payload.get("update_id"),
                    type(error).__name__)
        return _error(400, "body is not a valid Telegram Update")
    return {"ok": True, "update_id": update_id}
