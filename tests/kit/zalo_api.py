"""A fake Zalo OA API v3 + OAuth v4 server on 127.0.0.1, for tests (developers.zalo.me formats).

    with FakeZalo() as fake:                  # uvicorn in its own thread; ZALO_OA_API_BASE_URL and
        env ZALO_OA_API_BASE_URL=fake.url     # ZALO_OAUTH_BASE_URL both point at fake.url
        fake.fail_next(-230)                  # the next message/cs call answers {"error": -230, …}
        messages = fake.wait_for_messages(1)  # or `await fake.messages_after(1)` in async tests

`POST /v3.0/oa/message/cs` checks the `access_token` header (-216 when unknown or expired), refuses what Zalo
refuses (-201: no recipient, empty text or over 2,000 characters, more than 5 buttons, a title over 100
characters) and records what it accepts in `messages`. `POST /v4/oa/access_token` checks the `secret_key`
header, app_id and grant_type, and trades a refresh token once: a reused one answers -14014. Switches:
`fail_next(code, times, after=n)`, `fail_http_next(status)`, `expire_access_tokens()`, `refresh_delay`, `message_delay`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from core.logs import silence_access_log

APP_ID = "3141592653589793"
APP_SECRET = "fake-zalo-app-secret-7d1e"
FIRST_ACCESS = "fake-zalo-access-0-q8x"
FIRST_REFRESH = "fake-zalo-refresh-0-k2v"
ERROR_MESSAGES = {
    -32: "Exceeded the request limit", -201: "Parameters invalid", -213: "User has not followed OA",
    -216: "Access token is invalid", -220: "Access token has expired", -227: "User is banned or inactive",
    -230: "User has not interacted with the OA in the past 7 days", -232: "User has not interacted recently",
}


class FakeZalo:
    """State, switches and the HTTP server of the fake."""

    def __init__(self, *, app_id: str = APP_ID, app_secret: str = APP_SECRET):
        self.app_id, self.app_secret = app_id, app_secret
        self.valid_access = {FIRST_ACCESS}
        self.valid_refresh = {FIRST_REFRESH}
        self.messages: list[dict[str, Any]] = []  # accepted: user_id, text, buttons, access_token
        self.accepted_at: list[float] = []  # time.monotonic() of each accepted message (benchmarks)
        self.attempts = 0  # every message/cs call, accepted or not
        self.refresh_calls = 0
        self.refresh_delay = 0.0
        self.message_delay = 0.0
        self.in_flight = 0  # message requests received and not yet answered (while `message_delay` holds them)
        self.issued = 0
        self._scripted: deque[int] = deque()
        self._http_failures: deque[int] = deque()
        self._lock = threading.Lock()
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # switches ----------------------------------------------------------------------------------------------
    def fail_next(self, code: int, times: int = 1, *, after: int = 0) -> None:
        """Answer `{"error": code}` to `times` message/cs calls, after `after` calls answered normally."""
        with self._lock:
            self._scripted.extend([0] * after + [code] * times)

    def fail_http_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self._http_failures.extend([status] * times)

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.valid_access.clear()

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages at the fake Zalo, got {len(self.messages)}")
            time.sleep(0.01)
        return list(self.messages)

    async def messages_after(self, count: int) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.wait_for_messages, count)

    # lifecycle ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeZalo:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._asgi, interface="asgi3", log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        silence_access_log()  # the fake's request lines name the token: they must not reach the log checks
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=asyncio.run, args=(self._server.serve(sockets=[sock]),),
                                        name="fake-zalo", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Zalo server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeZalo:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # HTTP --------------------------------------------------------------------------------------------------
    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        route = (scope["method"], scope["path"])
        if route == ("POST", "/v3.0/oa/message/cs"):
            if self.message_delay:
                self.in_flight += 1
                try:
                    await asyncio.sleep(self.message_delay)
                finally:
                    self.in_flight -= 1
            status, answer = self._message(headers, body)
        elif route == ("POST", "/v4/oa/access_token"):
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            status, answer = self._refresh(headers, body)
        else:
            status, answer = 404, {"error": 404, "message": "Not Found"}
        payload = json.dumps(answer).encode()
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    def _message(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.attempts += 1
            if self._http_failures:
                return self._http_failures.popleft(), {"message": "Service Unavailable"}
            scripted = self._scripted.popleft() if self._scripted else 0
            if scripted:
                return 200, _error(scripted)
            token = headers.get("access_token", "")
            if token not in self.valid_access:
                return 200, _error(-216)
            try:
                body = json.loads(raw)
            except ValueError:
                return 200, _error(-201)
            problem = _message_problem(body)
            if problem:
                return 200, {"error": -201, "message": problem}
            message = body["message"]
            buttons = ((message.get("attachment") or {}).get("payload") or {}).get("buttons") or []
            user_id = body["recipient"]["user_id"]
            self.messages.append({"user_id": user_id, "text": message["text"], "buttons": buttons,
                                  "access_token": token})
            self.accepted_at.append(time.monotonic())
            return 200, {"data": {"message_id": f"fake-{len(self.messages)}", "user_id": user_id},
                         "error": 0, "message": "Success"}

    def _refresh(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        form = dict(parse_qsl(raw.decode()))
        with self._lock:
            self.refresh_calls += 1
            if headers.get("secret_key") != self.app_secret:
                return 200, {"error": -14002, "error_name": "Invalid secret key", "error_description": ""}
            if form.get("app_id") != self.app_id or form.get("grant_type") != "refresh_token":
                return 200, {"error": -14001, "error_name": "Invalid parameter", "error_description": ""}
            if form.get("refresh_token") not in self.valid_refresh:
                return 200, {"error": -14014, "error_name": "Invalid refresh token",
                             "error_description": "refresh token is invalid or was already used"}
            self.valid_refresh.discard(form["refresh_token"])
            self.issued += 1
            access, refresh = f"fake-zalo-access-{self.issued}-q8x", f"fake-zalo-refresh-{self.issued}-k2v"
            self.valid_access.add(access)
            self.valid_refresh.add(refresh)
            return 200, {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}


def _error(code: int) -> dict[str, Any]:
    return {"error": code, "message": ERROR_MESSAGES.get(code, "Unknown error")}


def _message_problem(body: Any) -> str | None:
    """What Zalo would refuse in a message/cs body, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("recipient"), dict):
        return "recipient is required"
    if not body["recipient"].get("user_id") or not isinstance(body.get("message"), dict):
        return "recipient.user_id and message are required"
    text = body["message"].get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 2000:
        return "text must be 1 to 2000 characters"
    attachment = body["message"].get("attachment")
    if attachment is None:
        return None
    buttons = (attachment.get("payload") or {}).get("buttons") if attachment.get("type") == "template" else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5:
        return "a template needs 1 to 5 buttons"
    for button in buttons:
        if not button.get("title") or len(button["title"]) > 100 or not button.get("payload"):
            return "button title must be 1 to 100 characters, with a payload"
        if button.get("type") not in ("oa.query.show", "oa.query.hide"):
            return "unknown button type"
    return None
