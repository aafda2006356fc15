"""All external settings, read from environment variables (and an optional `.env`) in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "xxx", "todo"}


class Settings(BaseSettings):
    """Every setting giamngheo reads. Secrets are `SecretStr` so they never print by accident."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'giamngheo.db'}"
    content_dir: Path = PROJECT_ROOT / "content"
    timezone: str = "Asia/Ho_Chi_Minh"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    public_base_url: str = "http://127.0.0.1:8000"
    session_secret: SecretStr = SecretStr("dev-only-session-secret")

    # Answer engine
    max_question_chars: int = 1000

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr | None = None
    telegram_rate_per_second: float = 30.0
    telegram_per_chat_interval: float = 1.0
    telegram_rate_limit_enabled: bool = True

    # Zalo Official Account
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_rate_per_second: float = 50.0
    zalo_webhook_max_age_seconds: int = 300

    # Delivery
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "06:00"
    delivery_batch_size: int = 200
    delivery_lease_seconds: int = 60
    delivery_max_attempts: int = 5
    flood_max_per_minute: int = 20

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_scheme(cls, value: str) -> str:
        """Accept the plain `postgresql://` form operators copy from psql and use psycopg 3 for it."""
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises on an unknown zone
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        secrets = {
            "SESSION_SECRET": self.session_secret,
            "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret,
            "ZALO_OA_SECRET_KEY": self.zalo_oa_secret_key,
        }
        for name, secret in secrets.items():
            if secret is not None and secret.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(f"{name} still holds a placeholder value")
        if self.session_secret.get_secret_value() == "dev-only-session-secret":
            raise ValueError("SESSION_SECRET must be set in production")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def async_database_url(self) -> str:
        """The same database through an asyncio driver (aiosqlite, or psycopg 3 which does both)."""
        if self.database_url.startswith("sqlite:"):
            return "sqlite+aiosqlite:" + self.database_url.removeprefix("sqlite:")
        return self.database_url

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None and bool(self.telegram_bot_token.get_secret_value())

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id) and self.zalo_oa_secret_key is not None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use so importing a module never reads the environment."""
    return Settings()

