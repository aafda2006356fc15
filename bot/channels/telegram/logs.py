"""Keep the bot token out of every log line, whoever writes it and whatever handler records it.

The token is part of every Bot API URL, so httpx logs it at INFO, and PTB puts it in some exception texts
(`InvalidToken` on start-up). `core.logs.setup_logging` masks it on its own handler; this filter sits on the
loggers themselves, so it also covers handlers added later (pytest's caplog, an operator's own config).
"""

from __future__ import annotations

import logging
import traceback

from core.logs import redact

LOGGER_NAME = "bot.channels.telegram"
_GUARDED_PREFIXES = ("telegram", "httpx", "httpcore", LOGGER_NAME, "bot.channels.telegram.route")


class SecretFilter(logging.Filter):
    """Masks known secrets (and anything token-shaped) in the message and in the formatted exception."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = mask(message, self.secrets), None
        return True


_FILTER = SecretFilter()


def mask(text: str, secrets: set[str] | list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return redact(text)


def describe(error: BaseException) -> str:
    """`Type: message` with secrets masked, for one-line log messages."""
    return mask(f"{type(error).__name__}: {error}", _FILTER.secrets)


def guard(*secrets: str | None) -> None:
    """Mask these secrets in every record of the Telegram, httpx and httpcore loggers (idempotent)."""
    _FILTER.secrets.update(s for s in secrets if s)
    names = [n for n in list(logging.Logger.manager.loggerDict) if n.startswith(_GUARDED_PREFIXES)]
    for name in {*names, *_GUARDED_PREFIXES}:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
