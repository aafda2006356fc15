"""`POST /webhooks/zalo`: Zalo OA events in, checked, stored, answered 200 at once, handled in the background.

Checks in order: the body's size (413, api.limits, before it is read), the `X-ZEvent-Signature` on the raw
bytes (401, before parsing: an unsigned body costs one hash), a JSON object nested at most 64 deep (400), our
app id and the signed timestamp (401), a timestamp within ZALO_WEBHOOK_MAX_AGE_SECONDS of now either way
(401). An event whose ids cannot be stored is dropped with a log line and answered 200, so Zalo does not
retry it. The event is stored before the 200 goes out, so an accepted event is never lost; the
`ZaloService` started with the app handles it after.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from core.http_errors import errors
from bot.channels.zalo import ZaloService
from bot.channels.zalo.webhook import is_fresh, parse_event, signed_timestamp
from core import clock
from core.http_limits import loads_bounded
from core.settings import get_settings

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


@asynccontextmanager
async def zalo_service(app: FastAPI) -> AsyncIterator[None]:
    """Run the Zalo service with the app when Zalo is configured (ZALO_APP_ID and ZALO_OA_SECRET_KEY)."""
    settings = get_settings()
    if not settings.zalo_enabled:
        log.info("zalo OA not configured (ZALO_APP_ID, ZALO_OA_SECRET_KEY): its webhook is off")
        yield
        return
    service = ZaloService(knowledge=app.state.knowledge, settings=settings)
    await service.start()
    app.state.zalo = service
    try:
        yield
    finally:
        app.state.zalo = None
        await service.stop()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


@router.post("/webhooks/zalo", summary="Zalo Official Account webhook", responses=errors(400, 401, 413, 503))
async def zalo_webhook(request: Request) -> JSONResponse:
    """Accept one signed Zalo OA event."""
    service: ZaloService | None = getattr(request.app.state, "zalo", None)
    settings = get_settings()
    if service is None or settings.zalo_oa_secret_key is None:
        return _error(503, "Zalo OA is not configured on this server")
    header = request.headers.get("x-zevent-signature")
    raw = await request.body()  # at most 1 MB: api.limits.BodySizeLimit refuses more before it is read
    assert settings.zalo_app_id is not None
    timestamp = signed_timestamp(raw, header, settings.zalo_app_id, settings.zalo_oa_secret_key.get_secret_value())
    if timestamp is None:
        log.warning("zalo webhook: %s signature refused", "missing" if not header else "wrong")
        return _error(401, "invalid signature")
    try:
        body = loads_bounded(raw)
    except (ValueError, UnicodeDecodeError):
        log.warning("zalo webhook: body is not JSON, or nested too deeply (%d bytes)", len(raw))
        return _error(400, "body must be a JSON object")
    if not isinstance(body, dict):
        log.warning("zalo webhook: JSON body is not an object")
        return _error(400, "body must be a JSON object")
    if str(body.get("timestamp")) != timestamp:
        log.warning("zalo webhook: the signed timestamp is not the event's own")
        return _error(401, "invalid signature")
    if str(body.get("app_id")) != settings.zalo_app_id:
        log.warning("zalo webhook: event for another app refused")
        return _error(401, "unknown app_id")
    if not is_fresh(body, clock.now(), settings.zalo_webhook_max_age_seconds):
        log.warning("zalo webhook: stale or future timestamp refused")
        return _error(401, "stale timestamp")
    event = parse_event(body)
    if event is None:
        return JSONResponse({"status": "ignored"})
    accepted = await service.receive(event)
    return JSONResponse({"status": "accepted" if accepted else "duplicate"})
