"""A fake Telegram Bot API server on 127.0.0.1, for tests and benchmarks (core.telegram.org/bots/api).

    with FakeTelegramAPI() as fake:            # uvicorn + uvloop in its own thread; thousands of requests/s
        bot points at fake.base_url             # http://127.0.0.1:<port>/bot  (TELEGRAM_API_BASE_URL)
        fake.push_update(text_message(42, "/start"))
        calls = await fake.await_calls("sendMessage")   # or fake.wait_for(...) from synchronous code

It speaks the documented protocol: `/bot<token>/<method>` with form, JSON or query parameters, answers
`{"ok": true, "result": …}` or `{"ok": false, "error_code", "description", "parameters"}`; a wrong token is
401, an unknown method 404 "Not Found" (what api.telegram.org answers; PTB maps it to `InvalidToken` outside
`do_api_request`). It refuses what Telegram refuses (empty or > 4,096-character text, callback_data over 64
bytes, unknown callback query ids, editing an unknown or unchanged message, getUpdates while a webhook is
set). Switches: `rate_limit()` (429 with `parameters.retry_after`), `enforce_flood_limits()` (429 like
Telegram's 30/s per bot and 1/s per chat), `block()` (403), `forget_chat()` (400 chat not found), `fail()`
(any method, any status), `delay`. Every call is recorded; `rate_limited` counts 429s answered.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
import uvloop

from core.logs import silence_access_log

from .telegram_state import Call, TelegramState, fail
from .telegram_updates import callback_query

DEFAULT_TOKEN = "7000000001:AAFakeTokenForTests_abcdefghijklmnopqrs"
CHAT_METHODS = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendChatAction", "deleteMessage"}


class FakeTelegramAPI(TelegramState):
    """The fake server: state and switches come from `TelegramState`; this class adds HTTP."""

    def __init__(self, token: str = DEFAULT_TOKEN):
        super().__init__(token)
        self.delay = 0.0  # seconds added before answering any chat method (simulates round trips)
        self.in_flight = 0  # chat-method requests received and not yet answered (while `delay` holds them)
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeTelegramAPI:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._asgi, interface="asgi3", log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, backlog=4096, timeout_keep_alive=30)
        silence_access_log()  # the fake's request lines name the token: they must not reach the log checks
        self._server = uvicorn.Server(config)
        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        self._thread = threading.Thread(target=runner.run, args=(self._server.serve(sockets=[sock]),),
                                        name="fake-telegram-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Bot API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.closing = True
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeTelegramAPI:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # waiting for the bot ---------------------------------------------------------------------------------
    def wait_for(self, method: str, count: int = 1, within: float = 10.0, chat_id: int | None = None) -> list[Call]:
        """Block until `count` successful calls of `method` (to `chat_id`) were answered; returns them."""
        deadline = time.monotonic() + within
        while True:
            calls = self.calls(method, chat_id=chat_id)
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} call(s), got {len(calls)}; last: {self.recent()}")
            time.sleep(0.01)

    async def await_calls(self, method: str, count: int = 1, within: float = 10.0,
                          chat_id: int | None = None) -> list[Call]:
        """`wait_for` for async tests: yields to the event loop the bot runs on."""
        deadline = time.monotonic() + within
        while True:
            calls = self.calls(method, chat_id=chat_id)
            if len(calls) >= count:
                return calls
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} call(s), got {len(calls)}; last: {self.recent()}")
            await asyncio.sleep(0.01)

    def recent(self, count: int = 8) -> list[tuple[str, int, str]]:
        """The last calls as (method, status, text) for assertion messages."""
        return [(c.method, c.status, c.text[:60]) for c in self.calls(status=None)[-count:]]

    async def await_quiet(self, quiet: float = 0.3, within: float = 10.0) -> None:
        """Wait until the bot made no call but getUpdates for `quiet` seconds (it finished what it was doing)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            active = [c.at for c in self.calls(status=None) if c.method != "getUpdates"]
            if not active or time.monotonic() - active[-1] >= quiet:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"the bot did not go quiet within {within} s")

    def tap(self, chat_id: int, data: str) -> int:
        """Push a tap on the last message the bot sent to `chat_id` that has a button with this data."""
        message = self.message_with_button(chat_id, data)
        if message is None:
            raise AssertionError(f"no message to {chat_id} has a button {data!r}")
        return self.push_update(callback_query(chat_id, data, message))

    # HTTP ------------------------------------------------------------------------------------------------
    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        status, payload = await self._answer(scope, body)
        data = json.dumps(payload, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    async def _answer(self, scope: dict[str, Any], body: bytes) -> tuple[int, dict[str, Any]]:
        path: str = scope["path"]
        prefix, _, method = path.rpartition("/")
        if not prefix.startswith("/bot"):
            return fail(404, "Not Found")
        if prefix.removeprefix("/bot") != self.token:
            self.record(self.canonical(method), {}, 401)
            return fail(401, "Unauthorized")
        try:
            params = parse_params(scope, body)
        except ValueError:
            return fail(400, "Bad Request: can't parse request parameters")
        method = self.canonical(method)
        if method == "getUpdates":
            return await self._get_updates(params)
        if self.delay and method in CHAT_METHODS:
            self.in_flight += 1
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.in_flight -= 1
        return self.answer(method, params)

    async def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Long polling: wait up to `timeout` seconds for an update at or after `offset`."""
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 50.0)
        while True:
            status, payload = self.answer("getUpdates", params, record=False)
            if status != 200 or payload["result"] or time.monotonic() >= deadline or self.closing:
                self.record("getUpdates", params, status, payload.get("result"))
                return status, payload
            await asyncio.sleep(0.01)


def parse_params(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """Query string, then a form or JSON body; JSON-looking form values (reply_markup…) are decoded."""
    params: dict[str, Any] = dict(parse_qsl(scope.get("query_string", b"").decode()))
    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").decode()
    if body and "application/json" in content_type:
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("JSON body is not an object")
        params.update(decoded)
    elif body:
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params
