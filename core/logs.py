"""Logging: plain text in development, one JSON object per line in production; secrets never printed.

Every record goes through `RedactingFilter` before it is formatted: the message, the traceback and the extra
fields are masked for anything shaped like a token or a signature (a Telegram bot token, a Zalo
`access_token`/`refresh_token`/`secret_key` in a URL, form, header or JSON, a Bearer token, the `mac=` of
`X-ZEvent-Signature`, Telegram's secret-token header) and for the configured secret values themselves.
Households' message texts are never logged by the code base at all; a user id, when a log needs one, goes
through `mask_id`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from core.settings import Settings, get_settings

_SECRET_KEYS = (r"access_token|refresh_token|secret_key|app_secret|client_secret|code_verifier|secret_token"
                r"|x-telegram-bot-api-secret-token|x-bot-api-secret-token|x-zevent-signature|signature|token|mac")
_TELEGRAM_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
# key=value in URLs and forms, `key: value` in headers, "key": "value" in JSON or a dict's repr.
_KEYED_SECRET = re.compile(rf"(?i)\b({_SECRET_KEYS})(\\?[\"']?\s*[:=]\s*\\?[\"']?)(?:mac=)?([^&\s\"'\\,;}}]+)")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
EXTRA_FIELDS = ("channel", "event", "status", "bulletin_id", "count", "worker")


def redact(text: str) -> str:
    """Mask anything that looks like a token or a signature."""
    text = _TELEGRAM_TOKEN.sub("<redacted-token>", text)
    text = _KEYED_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}<redacted>", text)
    return _BEARER.sub(lambda m: f"{m.group(1)}<redacted>", text)


def mask_id(user_id: object) -> str:
    """A channel user id shortened for a log line: enough to tell two apart, not enough to find the person."""
    value = str(user_id)
    return f"…{value[-4:]}" if len(value) > 4 else "…"


class RedactingFilter(logging.Filter):
    """Applied to every record before it is formatted; also masks known secret setting values."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = sorted((s for s in secrets if s and len(s) >= 6), key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.clean(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        for key in EXTRA_FIELDS:
            value = getattr(record, key, None)
            if isinstance(value, str):
                setattr(record, key, self.clean(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the known extras, and an error's last line."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in EXTRA_FIELDS:
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info or record.exc_text:
            trace = record.exc_text or self.formatException(record.exc_info)
            payload["error"] = redact(trace.strip().splitlines()[-1])
            payload["traceback"] = redact(trace)
        return json.dumps(payload, ensure_ascii=False, default=str)


def secret_values(settings: Settings) -> list[str]:
    """The values of every secret setting, to be masked wherever they appear."""
    values = []
    for _, value in settings:
        secret = getattr(value, "get_secret_value", None)
        if secret is not None:
            values.append(secret())
    return values


def build_handler(settings: Settings, stream=None) -> logging.Handler:  # noqa: ANN001 (any text stream)
    """A stream handler with the configured format and the redacting filter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secret_values(settings)))
    return handler


def setup_logging(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    root = logging.getLogger()
    root.handlers[:] = [build_handler(settings)]
    root.setLevel(settings.log_level.upper())
    # aiosqlite logs SQL parameters (stored tokens among them) at DEBUG: it stays at WARNING whatever LOG_LEVEL says.
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "alembic", "bm25s", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    silence_access_log()


def silence_access_log() -> None:
    """No per-request access lines, whatever the uvicorn release: recent uvicorn decides per connection from
    `logging.getLogger("uvicorn.access").hasHandlers()` and no longer from `access_log=False` alone, so a handler
    anywhere in reach (pytest's log capture, a root handler) turns them on, and a request line can carry a
    secret in its path (Telegram's `/bot<token>/…`, a webhook secret)."""
    logging.getLogger("uvicorn.access").disabled = True
