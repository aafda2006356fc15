"""What the fake Bot API remembers and decides: updates, sent messages, recorded calls, failure switches, rates.

Thread-safe: the server answers on its own thread while the test pushes updates and reads calls.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .telegram_updates import bot_user

Answer = tuple[int, dict[str, Any]]
METHODS = ["getMe", "getUpdates", "sendMessage", "answerCallbackQuery", "editMessageText", "editMessageReplyMarkup",
           "deleteMessage", "sendChatAction", "setMyCommands", "getMyCommands", "deleteMyCommands", "setWebhook",
           "deleteWebhook", "getWebhookInfo", "close", "logOut"]
BLOCKED = {"blocked": "Forbidden: bot was blocked by the user", "deactivated": "Forbidden: user is deactivated"}


@dataclass(frozen=True)
class Call:
    """One request the fake answered: method, decoded parameters, HTTP status, result, monotonic time."""

    method: str
    params: dict[str, Any]
    status: int
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        raw = self.params.get("chat_id")
        return int(raw) if raw is not None and str(raw).lstrip("-").isdigit() else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard", []) if isinstance(markup, dict) else []


def ok(result: Any) -> Answer:
    return 200, {"ok": True, "result": result}


def fail(code: int, description: str, **parameters: Any) -> Answer:
    payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return code, payload


class TelegramState:
    """Bot API state and switches, independent of HTTP."""

    def __init__(self, token: str):
        self.token = token
        # The time the flood limits and the recorded calls use; a test may swap in a manual clock so that rate
        # checks do not depend on how fast a busy machine answers.
        self.clock: Callable[[], float] = time.monotonic
        self.me = bot_user()
        self.closing = False
        self.rate_limited = 0  # 429s answered
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._calls: list[Call] = []
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._query_ids: set[str] = set()
        self._blocked: dict[int, str] = {}
        self._missing_chats: set[int] = set()
        self._failures: dict[str, list[Any]] = {}
        self._rate_limits: list[list[Any]] = []
        self._flood: tuple[float, float, float] | None = None
        self._accepted: deque[float] = deque()
        self._last_send: dict[int, float] = {}

    # what the test does ------------------------------------------------------------------------------------
    def push_update(self, update: dict[str, Any], times: int = 1) -> int:
        """Queue an update for getUpdates (numbered unless it has an `update_id`); returns its id. `times` > 1
        queues copies at once, so one getUpdates returns them all (Telegram re-sending it)."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            query = update.get("callback_query")
            if query:
                self._query_ids.add(query["id"])
            self._updates.extend([update] * times)
            return update["update_id"]

    def rate_limit(self, retry_after: int = 1, times: int = 1, method: str = "sendMessage",
                   chat_ids: set[int] | None = None) -> None:
        """Answer the next `times` calls of `method` (to `chat_ids`) with 429 and `retry_after`."""
        with self._lock:
            self._rate_limits.append([method, chat_ids, retry_after, times])

    def enforce_flood_limits(self, per_second: float | None = 30, per_chat_interval: float = 1.0,
                             slack: float = 0.1) -> None:
        """429 on sendMessage beyond `per_second` (sliding second) or closer than `per_chat_interval` to the
        last message to that chat, each loosened by `slack` (a fraction) for clock jitter; None turns it off."""
        with self._lock:
            self._flood = None if per_second is None else (per_second, per_chat_interval, slack)

    def block(self, *chat_ids: int, reason: str = "blocked") -> None:
        """These chats answer 403: "blocked" (the user blocked the bot) or "deactivated"."""
        with self._lock:
            self._blocked.update({chat: BLOCKED[reason] for chat in chat_ids})

    def forget_chat(self, *chat_ids: int) -> None:
        """These chats answer 400 "Bad Request: chat not found"."""
        with self._lock:
            self._missing_chats.update(chat_ids)

    def fail(self, method: str, status: int = 500, description: str = "Internal Server Error",
             times: int | None = None) -> None:
        """Answer `method` with this error (`times` times, or until `fail(method, 0)`)."""
        with self._lock:
            if status == 0:
                self._failures.pop(method, None)
            else:
                self._failures[method] = [status, description, times]

    # what the test reads -------------------------------------------------------------------------------------
    def calls(self, method: str | None = None, *, chat_id: int | None = None, status: int | None = 200) -> list[Call]:
        """Recorded calls, oldest first, filtered by method, chat and status (None: any; default: 200 only)."""
        with self._lock:
            calls = list(self._calls)
        return [c for c in calls if (method is None or c.method == method) and (status is None or c.status == status)
                and (chat_id is None or c.chat_id == chat_id)]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def message_with_button(self, chat_id: int, data: str) -> dict[str, Any] | None:
        with self._lock:
            for (chat, _), message in reversed(self._messages.items()):
                rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                if chat == chat_id and any(b.get("callback_data") == data for row in rows for b in row):
                    return message
        return None

    def send_rate(self) -> float:
        """Accepted sendMessage calls per second, from the first to the last."""
        times = [c.at for c in self.calls("sendMessage")]
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    def peak_rate(self, window: float = 1.0) -> int:
        """The most sendMessage calls accepted within any `window` seconds."""
        times, best, start = [c.at for c in self.calls("sendMessage")], 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def min_chat_interval(self) -> float:
        """The shortest gap between two accepted messages to the same chat (inf when none repeats)."""
        by_chat: dict[int | None, list[float]] = defaultdict(list)
        for c in self.calls("sendMessage"):
            by_chat[c.chat_id].append(c.at)
        gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(times)]
        return min(gaps, default=math.inf)

    # what the server does ------------------------------------------------------------------------------------
    def canonical(self, method: str) -> str:
        """Bot API method names are case-insensitive."""
        return next((m for m in METHODS if m.lower() == method.lower()), method)

    def record(self, method: str, params: dict[str, Any], status: int, result: Any = None) -> None:
        with self._lock:
            self._calls.append(Call(method, params, status, result, at=self.clock()))

    def answer(self, method: str, params: dict[str, Any], record: bool = True) -> Answer:
        with self._lock:
            status, payload = self._decide(method, params)
            if status == 429:
                self.rate_limited += 1
            if record:
                self._calls.append(Call(method, params, status, payload.get("result"), at=self.clock()))
        return status, payload

    def _decide(self, method: str, params: dict[str, Any]) -> Answer:
        if method not in METHODS:
            return fail(404, "Not Found")
        failure = self._failures.get(method)
        if failure:
            if failure[2] is not None:
                failure[2] -= 1
                if failure[2] <= 0:
                    del self._failures[method]
            return fail(failure[0], failure[1])
        chat = _chat_id(params)
        if chat is not None:
            refused = self._refuse_chat(method, chat)
            if refused:
                return refused
        return getattr(self, f"_{method}")(params)

    def _refuse_chat(self, method: str, chat: int) -> Answer | None:
        if chat in self._blocked:
            return fail(403, self._blocked[chat])
        if chat in self._missing_chats:
            return fail(400, "Bad Request: chat not found")
        for plan in self._rate_limits:
            if plan[0] == method and plan[3] > 0 and (plan[1] is None or chat in plan[1]):
                plan[3] -= 1
                return fail(429, f"Too Many Requests: retry after {plan[2]}", retry_after=plan[2])
        if method == "sendMessage" and self._flood:
            return self._police_flood(chat)
        return None

    def _police_flood(self, chat: int) -> Answer | None:
        per_second, per_chat_interval, slack = self._flood or (0, 0, 0)
        now = self.clock()
        while self._accepted and now - self._accepted[0] >= 1.0:
            self._accepted.popleft()
        last = self._last_send.get(chat)
        if len(self._accepted) >= per_second * (1 + slack) or (
                last is not None and now - last < per_chat_interval * (1 - slack)):
            return fail(429, "Too Many Requests: retry after 1", retry_after=1)
        self._accepted.append(now)
        self._last_send[chat] = now
        return None

    # methods --------------------------------------------------------------------------------------------------
    def _getMe(self, _: dict[str, Any]) -> Answer:  # noqa: N802 (Bot API method names)
        return ok(self.me)

    def _getUpdates(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        if self.webhook.get("url"):
            return fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                             "delete the webhook first")
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return ok(self._updates[:limit])

    def _sendMessage(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        text = str(params.get("text") or "")
        if not text.strip():
            return fail(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return fail(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if _bad_markup(markup):
            return fail(400, "Bad Request: BUTTON_DATA_INVALID")
        chat = _chat_id(params)
        if chat is None:
            return fail(400, "Bad Request: chat not found")
        message = {"message_id": next(self._message_ids), "from": self.me, "date": int(time.time()),
                   "chat": {"id": chat, "type": "private", "first_name": "Bà con"}, "text": text}
        if markup:
            message["reply_markup"] = markup
        self._messages[(chat, message["message_id"])] = message
        return ok(message)

    def _edit(self, params: dict[str, Any], field_name: str) -> Answer:
        key = (_chat_id(params) or 0, int(params.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            return fail(400, "Bad Request: message to edit not found")
        if _bad_markup(params.get("reply_markup")):
            return fail(400, "Bad Request: BUTTON_DATA_INVALID")
        value = params.get(field_name)
        if message.get(field_name) == value and message.get("reply_markup") == params.get("reply_markup"):
            return fail(400, "Bad Request: message is not modified: specified new message content and reply "
                             "markup are exactly the same as a current content and reply markup of the message")
        updated = {**message, field_name: value, "edit_date": int(time.time())}
        if field_name != "reply_markup":
            updated["reply_markup"] = params.get("reply_markup")
        self._messages[key] = {k: v for k, v in updated.items() if v is not None}
        return ok(self._messages[key])

    def _editMessageText(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        return self._edit(params, "text")

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        return self._edit(params, "reply_markup")

    def _answerCallbackQuery(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        if str(params.get("callback_query_id")) not in self._query_ids:
            return fail(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return ok(True)

    def _setMyCommands(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        self.commands = list(params.get("commands") or [])
        return ok(True)

    def _getMyCommands(self, _: dict[str, Any]) -> Answer:  # noqa: N802
        return ok(self.commands)

    def _setWebhook(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        if str(params.get("drop_pending_updates")).lower() == "true":
            self._updates.clear()
        return ok(True)

    def _deleteWebhook(self, params: dict[str, Any]) -> Answer:  # noqa: N802
        return self._setWebhook({"drop_pending_updates": params.get("drop_pending_updates")})

    def _getWebhookInfo(self, _: dict[str, Any]) -> Answer:  # noqa: N802
        return ok({"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                   "pending_update_count": len(self._updates)})

    def _simple_true(self, _: dict[str, Any]) -> Answer:
        return ok(True)

    _deleteMessage = _sendChatAction = _deleteMyCommands = _close = _logOut = _simple_true  # noqa: N815


def _chat_id(params: dict[str, Any]) -> int | None:
    raw = params.get("chat_id")
    return int(raw) if raw is not None and str(raw).lstrip("-").isdigit() else None


def _bad_markup(markup: Any) -> bool:
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return any(not 1 <= len(str(b.get("callback_data", "x")).encode()) <= 64 for row in rows for b in row)
