"""Limits on what a request may carry, applied before anything is buffered or parsed.

`BodySizeLimit` is a pure ASGI middleware: a declared `Content-Length` over the limit is answered 413 before
the body is read; a body without one (chunked) is counted as it streams and refused as soon as it passes
the limit, so a 200 MB POST costs one chunk of memory, not 200 MB. Webhooks may carry 1 MB (Telegram and
Zalo events are a few KB), every other route 64 KB (the longest form, a bulletin, is 3,500 characters).

`loads_bounded` parses JSON after refusing nesting deeper than `MAX_JSON_DEPTH`: `json.loads` recurses in
C and a 100,000-deep array raises RecursionError; counting brackets first is linear and cheap.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEBHOOK_MAX_BYTES = 1_000_000
API_MAX_BYTES = 64_000
MAX_JSON_DEPTH = 64
TOO_LARGE = "Nội dung gửi lên quá lớn (request body too large: at most {limit} bytes)"
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


class BodyTooLarge(HTTPException):
    """413 raised from `receive` while the body streams in; the app's handler renders it as JSON."""

    def __init__(self, limit: int):
        super().__init__(413, detail={"message": TOO_LARGE.format(limit=limit), "limit": limit})


def body_limit(path: str) -> int:
    """The most bytes a request body to `path` may have."""
    return WEBHOOK_MAX_BYTES if path.startswith("/webhooks/") else API_MAX_BYTES


class BodySizeLimit:
    """Refuse request bodies over `body_limit(path)` by Content-Length, then by streamed size (413 JSON)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(send, limit)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _send_413(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # h11/httptools refuse a malformed one before we see it
    return None


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps({"message": TOO_LARGE.format(limit=limit), "limit": limit}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def nests_deeper_than(raw: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in `raw` nest deeper than `max_depth` (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    if brackets.count(b"[") + brackets.count(b"{") <= max_depth:
        return False  # the usual case, decided at C speed
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > max_depth:
            return True
    return False


def loads_bounded(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing (ValueError) nesting deeper than `max_depth` before parsing."""
    if nests_deeper_than(raw, max_depth):
        raise ValueError(f"JSON nested deeper than {max_depth}")
    return json.loads(raw)
