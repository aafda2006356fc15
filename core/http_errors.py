"""The error bodies every HTTP edge documents in the OpenAPI schema (generated clients and schemathesis trust them).

Here rather than in `api.deps` so that the channel routes in `bot/channels/<name>/route.py` document their errors
the same way without importing the api package (imports flow core <- bot <- delivery <- api).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorOut(BaseModel):
    """Every error body: a readable `message`; some add details (`errors`, `codes`, `limit`)."""

    model_config = ConfigDict(extra="allow")
    message: str


ERROR_DESCRIPTIONS = {
    400: "The body is not what this endpoint reads",
    401: "Missing or wrong credentials",
    403: "Signed in, but not allowed to do this (role or area scope)",
    404: "No such thing (or none in force)",
    409: "Conflicts with what is stored (e.g. already answered)",
    413: "The request body is larger than this endpoint accepts",
    422: "The input breaks a rule of the schema or of the domain",
    429: "Too many requests: wait and retry",
    503: "Not ready or not configured on this server",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with its description and the `ErrorOut` body."""
    return {status: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def body_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that reads a JSON body: 400 (not JSON), 413 (too large), 422, and `statuses`."""
    return errors(400, 413, 422, *statuses)
