"""Logs through a real logger, handler and formatter: JSON lines in production, and never a secret.

Also audits the code base: no log call hands a household's message text, a whole inbound message or a full
user id to the logger.
"""

from __future__ import annotations

import ast
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.logs import build_handler, mask_id, redact
from core.settings import Settings

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_TOKEN = "7212345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
ZALO_ACCESS_TOKEN = "xYz_ZaloOaAccessToken-0123456789abcdefGHIJ"
ZALO_REFRESH_TOKEN = "rEfResh-0123456789-ZaloRefreshToken"
BEARER = "giamngheo-official-session-4f9a8b7c6d5e"
MAC = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
SESSION_SECRET = "production-session-secret-9Qm2"
SECRETS = (TELEGRAM_TOKEN, ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN, BEARER, MAC, SESSION_SECRET)


def capture(log_format: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    settings = Settings(_env_file=None, log_format=log_format, session_secret=SESSION_SECRET)
    stream = io.StringIO()
    logger = logging.getLogger(f"giamngheo.test.{log_format}")
    logger.handlers[:] = [build_handler(settings, stream)]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.handlers.clear()


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    yield from capture("json")


@pytest.fixture
def text_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    yield from capture("text")


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def leaked(output: str) -> list[str]:
    return [secret for secret in SECRETS if secret in output]


def log_everything(logger: logging.Logger) -> None:
    logger.info("GET https://api.telegram.org/bot%s/sendMessage -> 200", TELEGRAM_TOKEN)
    logger.info("POST https://openapi.zalo.me/v3.0/oa/message/cs headers=%s", {"access_token": ZALO_ACCESS_TOKEN})
    logger.info("GET https://openapi.zalo.me/v2.0/oa/getoa?access_token=%s&lang=vi", ZALO_ACCESS_TOKEN)
    logger.info('token answer {"access_token": "%s", "refresh_token": "%s", "expires_in": "90000"}',
                ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN)
    logger.warning("request headers: Authorization: Bearer %s", BEARER)
    logger.warning("zalo webhook headers %r", {"X-ZEvent-Signature": f"mac={MAC}", "Content-Type": "application/json"})
    logger.warning("X-ZEvent-Signature: mac=%s refused", MAC)
    logger.error("session secret was %s", SESSION_SECRET)


def test_json_lines_carry_no_token_signature_or_secret(json_log):
    logger, stream = json_log
    log_everything(logger)
    records = lines(stream)
    assert len(records) == 8
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert leaked(stream.getvalue()) == []
    assert "bot<redacted-token>/sendMessage" in records[0]["message"]
    assert "Bearer <redacted>" in records[4]["message"]


def test_text_logs_are_redacted_too(text_log):
    logger, stream = text_log
    log_everything(logger)
    assert len(stream.getvalue().splitlines()) == 8
    assert leaked(stream.getvalue()) == []


def _fail_with_token() -> None:
    raise RuntimeError(f"Client error '401 Unauthorized' for url 'https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe'"
                       f" with access_token={ZALO_ACCESS_TOKEN}")


@pytest.mark.parametrize("fixture", ["json_log", "text_log"])
def test_tracebacks_are_redacted(request, fixture):
    logger, stream = request.getfixturevalue(fixture)
    try:
        _fail_with_token()
    except RuntimeError:
        logger.exception("telegram call failed")
    assert "RuntimeError" in stream.getvalue()
    assert leaked(stream.getvalue()) == []


def test_an_error_is_still_one_json_line(json_log):
    logger, stream = json_log
    try:
        _fail_with_token()
    except RuntimeError:
        logger.exception("telegram call failed")
    [record] = lines(stream)
    assert record["level"] == "error" and record["error"].startswith("RuntimeError")
    assert "_fail_with_token" in record["traceback"]


def test_extra_fields_are_kept_and_redacted(json_log):
    logger, stream = json_log
    logger.info("lane stopped", extra={"channel": "zalo", "count": 3, "status": f"token={ZALO_ACCESS_TOKEN}"})
    [record] = lines(stream)
    assert record["channel"] == "zalo" and record["count"] == 3
    assert ZALO_ACCESS_TOKEN not in record["status"]


def test_redact_leaves_ordinary_words_alone():
    text = "zalo access token refreshed (valid 90000 s); delivery lane telegram stopped: 12 sent"
    assert redact(text) == text


def test_user_ids_are_masked_to_their_last_digits():
    assert mask_id("1234567890123") == "…0123"
    assert "1234567890123" not in mask_id(1234567890123)
    assert mask_id("42") == "…"


# --- audit of the code base's log calls -------------------------------------------------------------------

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
# Names whose value is a household's words, a whole message, or a full user id.
PERSONAL = {"text", "body", "raw", "question", "folded_question", "user_id", "chat_id", "inbound", "update",
            "contact", "reply", "replies", "message_text", "answer_text"}


def _personal_args(call: ast.Call) -> list[str]:
    found = []
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(arg) if isinstance(arg, ast.JoinedStr) else [arg]:
            if isinstance(node, ast.FormattedValue):
                node = node.value
            if isinstance(node, ast.Name) and node.id in PERSONAL:
                found.append(node.id)
            elif isinstance(node, ast.Attribute) and node.attr in PERSONAL:
                found.append(ast.unparse(node))
    return found


def _log_calls(path: Path) -> Iterator[tuple[int, list[str]]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LOG_METHODS
                and isinstance(node.func.value, ast.Name) and node.func.value.id in {"log", "logger", "logging"}):
            personal = _personal_args(node)
            if personal:
                yield node.lineno, personal


def test_no_log_call_hands_over_message_text_or_a_full_user_id():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {names}"
                 for package in ("core", "bot", "api", "delivery", "schedules")
                 for path in sorted((ROOT / package).rglob("*.py"))
                 for line, names in _log_calls(path)]
    assert offenders == [], "log calls passing household data (use mask_id for ids, never log texts)"
