"""`GET /metrics`: Prometheus text format, no personal data (see core/metrics.py). Open in development; with
METRICS_TOKEN set, Bearer-token only; in production without a token, off (404).

Left out of the OpenAPI schema: Prometheus scrapes it, API clients never call it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from core.db import session_scope
from core.metrics import DeliveryCounts, exposition, read_delivery_counts
from core.settings import get_settings

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)
COUNT_TIMEOUT_SECONDS = 5.0


async def _count() -> DeliveryCounts:
    async with session_scope() as session:
        return await read_delivery_counts(session)


_late_counts: set[asyncio.Task[DeliveryCounts]] = set()  # counts that outlived a scrape, kept until they finish


async def _delivery_counts() -> DeliveryCounts | None:
    """The outbox counts, or None when the database fails or is too slow (the scrape still answers).

    The timeout abandons the wait, not the query: cancelling a session while it acquires its connection makes
    SQLAlchemy close it from a second task mid-`_connection_for_bind` (IllegalStateChangeError), so a slow count
    finishes in its own task and closes its own session.
    """
    task = asyncio.create_task(_count())
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout=COUNT_TIMEOUT_SECONDS)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        if not task.done():
            _late_counts.add(task)
            task.add_done_callback(_forget_late_count)
        log.warning("metrics: delivery counts unavailable (%s)", type(error).__name__)
        return None


def _refusal(request: Request) -> Response | None:
    """None when the caller may read the metrics; otherwise the 404 (off) or 401 (token missing or wrong)."""
    settings = get_settings()
    if settings.metrics_token is None:
        if settings.environment == "production":
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value().encode()
    if scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), expected):
        return None
    return JSONResponse({"message": "METRICS_TOKEN required"}, status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


def _forget_late_count(task: asyncio.Task[DeliveryCounts]) -> None:
    _late_counts.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log "exception was never retrieved"


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Every metric of this process (or of all `serve --workers` processes) and the outbox counts."""
    refused = _refusal(request)
    if refused is not None:
        return refused
    counts = await _delivery_counts()
    body = exposition(counts, list(get_settings().bulletin_channels))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
