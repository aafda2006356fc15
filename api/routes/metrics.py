"""`GET /metrics`: Prometheus text format, no authentication, no personal data (see core/metrics.py).

Left out of the OpenAPI schema: Prometheus scrapes it, API clients never call it.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from core.db import session_scope
from core.metrics import DeliveryCounts, exposition, read_delivery_counts
from core.settings import get_settings

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)
COUNT_TIMEOUT_SECONDS = 5.0


async def _delivery_counts() -> DeliveryCounts | None:
    """The outbox counts, or None when the database fails or is too slow (the scrape still answers)."""
    try:
        async with asyncio.timeout(COUNT_TIMEOUT_SECONDS), session_scope() as session:
            return await read_delivery_counts(session)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        log.warning("metrics: delivery counts unavailable (%s)", type(error).__name__)
        return None


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Every metric of this process (or of all `serve --workers` processes) and the outbox counts."""
    counts = await _delivery_counts()
    body = exposition(counts, list(get_settings().bulletin_channels))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
