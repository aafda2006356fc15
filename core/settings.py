"""All external settings, read from environment variables (and an optional `.env`) in one place."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "xxx", "todo"}
# A secret that signs things must carry at least 32 random bytes. Its length is checked against the 43 characters
# of `secrets.token_urlsafe(32)`; "random-looking" is estimated from the characters themselves: at least 12
# distinct ones and at least 128 bits by the string's own character frequencies (length × Shannon entropy per
# character). token_urlsafe(32) scores about 200 bits with ~31 distinct characters and `openssl rand -hex 32`
# about 250 with 16, while "changeme123" repeated four times scores about 140 with only 9 distinct characters.
SECRET_MIN_CHARS = 43
SECRET_MIN_DISTINCT = 12
SECRET_MIN_BITS = 128
GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def secret_weakness(value: str) -> str | None:
    """Why a signing secret is too weak for production (in English, for the operator), or None when it is fine."""
    if not value:
        return "is empty"
    if value.lower() in PLACEHOLDER_SECRETS or value == "dev-only-session-secret":
        return "still holds a placeholder value"
    if len(value) < SECRET_MIN_CHARS:
        return f"is {len(value)} characters long; at least {SECRET_MIN_CHARS} are needed (32 random bytes)"
    counts = Counter(value)
    bits = -sum(n * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < SECRET_MIN_DISTINCT or bits < SECRET_MIN_BITS:
        return "does not look random (too few distinct characters or too repetitive)"
    return None


class Settings(BaseSettings):
    """Every setting giamngheo reads. Secrets are `SecretStr` so they never print by accident."""

    # hide_input_in_errors: a refused setting must not print the secrets it was given.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      hide_input_in_errors=True)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'giamngheo.db'}"
    content_dir: Path = PROJECT_ROOT / "content"
    timezone: str = "Asia/Ho_Chi_Minh"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    public_base_url: str = "http://127.0.0.1:8000"
    session_secret: SecretStr = SecretStr("dev-only-session-secret")
    # /docs, /redoc and /openapi.json: "on" or "off"; left empty, on outside production and off in production.
    api_docs: Literal["on", "off"] | None = None
    # /metrics: with METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` reads it (any environment);
    # without one it is open outside production and off (404) in production.
    metrics_token: SecretStr | None = None

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
    # Telegram adapter tuning (bot/channels/telegram): file URL (derived from the API URL when empty), long-poll
    # timeout, updates handled at once (one chat's stay in order), the delivery sender's connections.
    telegram_api_file_url: str = ""
    telegram_poll_timeout_seconds: int = 10
    telegram_concurrent_updates: int = 64  # a turn mostly waits (database, Bot API): 16 capped one process (issue 14)
    telegram_send_connections: int = 32

    # Reading answers aloud (core/speech.py): espeak (offline, Debian's espeak-ng + opus-tools), cloud (an
    # extension point, not implemented: needs SPEECH_CLOUD_API_KEY and a provider class), or off.
    speech_backend: Literal["espeak", "cloud", "off"] = "espeak"
    speech_voice: str = "vi"
    speech_words_per_minute: int = 140
    speech_cloud_api_key: SecretStr | None = None

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
    # Zalo adapter tuning (bot/channels/zalo): button kind (⚠ "show" echoes the tapped payload in the chat),
    # token refresh margin and lease, OA call timeout, back-off on -32, the longest in-place wait before retrying
    # a reply (or a later part of one), the durable inbox's workers and lease.
    zalo_button_type: Literal["oa.query.show", "oa.query.hide"] = "oa.query.show"
    zalo_token_refresh_margin_seconds: int = 600
    zalo_token_lease_seconds: int = 60
    zalo_http_timeout_seconds: float = 15.0
    zalo_rate_limit_backoff_seconds: float = 60.0
    zalo_reply_retry_max_wait_seconds: float = 5.0
    zalo_inbox_workers: int = 16  # turns at once (each waits on the database and the OA API); as Telegram
    zalo_inbox_lease_seconds: int = 120
    zalo_inbox_sweep_seconds: float = 30.0
    zalo_inbox_max_attempts: int = 5
    zalo_inbox_keep_days: int = 7

    # Delivery
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "06:00"
    delivery_batch_size: int = 200
    delivery_lease_seconds: int = 60
    delivery_max_attempts: int = 5
    # The flood guard per household (bot/engine/contacts.py): typed messages and button taps per minute, counted
    # apart so a self-check's steps do not use up the messages; each one over the limit gets "chậm lại".
    flood_max_per_minute: int = 20
    flood_max_taps_per_minute: int = 120
    # New web-chat sessions one client address may open per minute (the flood guard counts per contact, so
    # without this a script could mint cookies to make endless contacts); generous for a shared commune Wi-Fi.
    web_new_sessions_per_minute: int = 30

    # Areas and officials (core/places/areas.py, core/officials/accounts.py)
    areas_home_province: str = "92"  # equal search scores list this province's places first (Cần Thơ)
    official_session_max_age_seconds: int = 12 * 3600

    # Bulletins, scheduler and delivery workers (core/bulletins/service.py, delivery/outbox.py, schedules/)
    bulletin_body_max_chars: int = 3500
    bulletin_title_max_chars: int = 200
    bulletin_min_recurrence_minutes: int = 12 * 60  # a cron firing more often than this would spam households
    bulletin_channels: list[str] = ["telegram", "zalo"]  # channels that can push; web/console contacts cannot
    scheduler_sync_seconds: float = 5.0  # how often the scheduler picks up new or cancelled bulletins
    scheduler_lease_seconds: float = 30.0  # a stopped scheduler's standby takes over after this long
    scheduler_misfire_grace_seconds: int = 3600  # a recurring firing missed by more than this is skipped
    delivery_poll_seconds: float = 1.0
    delivery_concurrency: int = 8  # sends in flight per channel per worker (the pacer still caps the rate)
    delivery_backoff_seconds: float = 30.0  # first retry after a transient error; doubles each attempt
    delivery_backoff_max_seconds: float = 3600.0
    zalo_per_user_interval: float = 0.0  # seconds between two bulletins to one Zalo user (the sender paces)

    # Printed hamlet-board notices and subscribe posters (core/bulletins/printing.py): the QR opens the web chat at
    # PUBLIC_BASE_URL/?ap=<code>; the Telegram deep link (t.me/<username>?start=<code>) and the Zalo OA link are
    # printed beside it when set. The font must cover Vietnamese: Debian's fonts-dejavu-core (`make browser`).
    telegram_bot_username: str = ""  # without the @
    zalo_oa_link: str = ""  # e.g. https://zalo.me/<OA id>
    print_font_dir: Path = Path("/usr/share/fonts/truetype/dejavu")

    # Production shape (api/cli/main.py serve, core/metrics.py): graceful stop and the worker's metrics endpoint
    shutdown_grace_seconds: float = 20.0  # after SIGTERM, requests in flight get this long (compose waits 30 s)
    worker_metrics_port: int = 0  # `giamngheo worker` serves its send latency here for Prometheus; 0 = off

    # Hỏi cán bộ and learning (core/handoff/questions.py, core/handoff/learning.py): open questions one household may
    # have waiting, the longest official reply, where draft entries go (content/drafts when empty: never loaded by
    # the engine),
    # and how unanswered questions are grouped (rapidfuzz token_set_ratio on canonical tokens, 0–100).
    handoff_max_open_per_contact: int = 5
    # Questions sent per hour, by one household and by one web client address (web sessions are free to open,
    # and mobile networks put many phones behind one address, so the address limit is the larger one).
    handoff_max_per_contact_per_hour: int = 3
    handoff_max_per_address_per_hour: int = 20
    handoff_reply_max_chars: int = 3000
    handoff_drafts_dir: Path | None = None
    learning_window_days: int = 90
    learning_similarity: int = 75

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
    def _refuse_weak_secrets_in_production(self) -> Settings:
        """Production refuses a session or webhook secret that is missing, a placeholder or guessable.

        An empty TELEGRAM_WEBHOOK_SECRET is "not set" (webhook mode then keeps Telegram off, see
        bot/channels/telegram/service.py). ZALO_OA_SECRET_KEY is issued by Zalo, not chosen here, so only
        placeholders are refused for it.
        """
        if self.environment != "production":
            return self
        chosen = {"SESSION_SECRET": self.session_secret, "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret}
        for name, secret in chosen.items():
            if name != "SESSION_SECRET" and (secret is None or not secret.get_secret_value()):
                continue
            weakness = secret_weakness(secret.get_secret_value())
            if weakness is not None:
                raise ValueError(f"{name} {weakness}: in production it must be at least {SECRET_MIN_CHARS} random "
                                 f"characters; generate one with: {GENERATE_SECRET}")
        zalo = self.zalo_oa_secret_key
        if zalo is not None and zalo.get_secret_value().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("ZALO_OA_SECRET_KEY still holds a placeholder value")
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
    def telegram_file_base_url(self) -> str:
        """Where files are downloaded: `…/bot` becomes `…/file/bot`, as on api.telegram.org."""
        if self.telegram_api_file_url:
            return self.telegram_api_file_url
        base = self.telegram_api_base_url.rstrip("/")
        return base.removesuffix("/bot") + "/file/bot" if base.endswith("/bot") else base + "/file/bot"

    @property
    def api_docs_on(self) -> bool:
        return self.api_docs == "on" if self.api_docs else self.environment != "production"

    @property
    def cookies_secure(self) -> bool:
        """Cookies get `Secure` when the site is served over https (always so in production)."""
        return self.public_base_url.startswith("https://")

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id) and self.zalo_oa_secret_key is not None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use so importing a module never reads the environment."""
    return Settings()

