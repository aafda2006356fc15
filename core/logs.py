"""Logging: plain text in development, one JSON object per line in production; secrets never printed."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from core.settings import Settings, get_settings

# Telegram bot tokens, Zalo tokens in URLs or headers, bearer tokens, signatures.
_SECRET_PATTERNS = [
    re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}"),
    re.compile(r"(?i)(access_token|refresh_token|secret_key|token|mac)=([^&\s\"']+)"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
]


def redact(text: str) -> str:
    """Mask anything that looks like a token or a signature."""
    text = _SECRET_PATTERNS[0].sub("<redacted-token>", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}=<redacted>", text)
    return _SECRET_PATTERNS[2].sub(lambda m: f"{m.group(1)}<redacted>", text)


class RedactingFilter(logging.Filter):
    """Applied to every record before it is formatted; also masks known secret setting values."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "<redacted>")
        record.msg, record.args = redact(message), None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("channel", "event", "status", "bulletin_id", "count"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["error"] = redact(self.formatException(record.exc_info).splitlines()[-1])
        return json.dumps(payload, ensure_ascii=False)


def secret_values(settings: Settings) -> list[str]:
    values = []
    for name in ("telegram_bot_token", "telegram_webhook_secret", "zalo_app_secret", "zalo_oa_secret_key",
                 "zalo_oa_access_token", "zalo_oa_refresh_token", "session_secret"):
        secret = getattr(settings, name)
        if secret is not None:
            values.append(secret.get_secret_value())
    return values


def setup_logging(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secret_values(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
