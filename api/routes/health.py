"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can serve households).

Ready means: the database answers within a few seconds, its schema is at the migrations' head (so an `api`
started before `migrate` finished is not sent traffic), and the content is loaded. The checks say only
true/false: no error text, host name or version string reaches an unauthenticated caller.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from core.db import alembic_config, get_async_engine

router = APIRouter(tags=["health"])
DATABASE_TIMEOUT_SECONDS = 3.0


@lru_cache
def migrations_head() -> str | None:
    """The newest migration this code ships (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _database_revision() -> str | None:
    """The migration the database is at; raises if the database does not answer."""
    async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), get_async_engine().connect() as connection:
        await connection.execute(text("SELECT 1"))
        try:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except Exception:  # noqa: BLE001 (no alembic_version table yet: never migrated)
            return None
        return result.scalar_one_or_none()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready: the same body, with the failed checks"}})
async def readyz(request: Request) -> JSONResponse:
    """The database answers at the current schema and the content is loaded (503 otherwise)."""
    checks = {"content": bool(getattr(request.app.state, "knowledge", None))}
    try:
        revision = await _database_revision()
        checks["database"] = True
        checks["migrations"] = revision is not None and revision == migrations_head()
    except Exception:  # noqa: BLE001 (any failure means not ready)
        checks["database"] = checks["migrations"] = False
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
