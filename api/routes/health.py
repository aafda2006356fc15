"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from core.db import get_async_engine

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database answers and the content is loaded."""
    checks = {"content": bool(getattr(request.app.state, "knowledge", None))}
    try:
        async with get_async_engine().connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # noqa: BLE001 (any failure means not ready)
        checks["database"] = False
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
