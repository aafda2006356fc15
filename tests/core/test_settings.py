"""Production refuses signing secrets that are missing, placeholders or guessable, and says how to make one."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from core.settings import Settings, secret_weakness

STRONG = secrets.token_urlsafe(48)


def production(**values: str) -> Settings:
    return Settings(_env_file=None, environment="production", **{"session_secret": STRONG, **values})


@pytest.mark.parametrize("weak", [
    "",
    "a",
    "changeme123",
    "change-me",
    "dev-only-session-secret",
    "production-session-secret-9Qm2",  # 30 characters
    "changeme123" * 4,  # long enough, far too repetitive
    "a" * 64,
    "abababababababababababababababababababababab",
])
def test_production_refuses_a_weak_session_secret_and_says_how_to_generate_one(weak: str) -> None:
    with pytest.raises(ValidationError) as raised:
        production(session_secret=weak)
    message = str(raised.value)
    assert "SESSION_SECRET" in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in message
    assert len(weak) < 3 or weak not in message  # the secret itself is not printed


def test_production_requires_a_session_secret() -> None:
    with pytest.raises(ValidationError, match="SESSION_SECRET"):
        Settings(_env_file=None, environment="production")


@pytest.mark.parametrize("strong", [
    secrets.token_urlsafe(32),
    secrets.token_urlsafe(48),
    secrets.token_hex(32),
    "Tổ-CNSCĐ-Hỏa-Lựu-" + secrets.token_urlsafe(32),
])
def test_production_accepts_random_secrets(strong: str) -> None:
    assert secret_weakness(strong) is None
    assert production(session_secret=strong, telegram_webhook_secret=secrets.token_urlsafe(48))


def test_production_refuses_a_weak_telegram_webhook_secret_but_not_an_absent_one() -> None:
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        production(telegram_webhook_secret="tg-secret-1")
    assert production(telegram_webhook_secret="").telegram_webhook_secret is not None
    assert production().telegram_webhook_secret is None


def test_zalo_secret_key_is_only_refused_when_a_placeholder() -> None:
    """Zalo issues that key; its format is theirs, so only placeholders are refused."""
    assert production(zalo_oa_secret_key="k8JHd2a9QpXz")
    with pytest.raises(ValidationError, match="ZALO_OA_SECRET_KEY"):
        production(zalo_oa_secret_key="changeme")


def test_development_keeps_its_default_secret() -> None:
    assert Settings(_env_file=None).session_secret.get_secret_value() == "dev-only-session-secret"
