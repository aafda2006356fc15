"""The Zalo OA access token: kept in the database (`ChannelToken` "zalo_oa"), refreshed by one worker at a time.

- Seeded from ZALO_OA_ACCESS_TOKEN / ZALO_OA_REFRESH_TOKEN the first time, when no row exists.
- Refreshed `zalo_token_refresh_margin_seconds` before it expires, and when Zalo rejects it (-216/-220).
- One refresher at a time across workers and processes: a lease (`refresh_lock_until`) taken with one atomic
  `UPDATE … WHERE the lock is free AND the token still needs refreshing`. The others poll the row until the
  token changes or the lease runs out (a refresher that died), then take the lease themselves.
- Refresh tokens are single-use: the new pair replaces the consumed one in a single UPDATE, committed right
  after Zalo answers and before anyone uses the new access token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col

from bot.channels.zalo.client import OaClient, TokenPair, ZaloAuthError
from core import clock
from core.db import session_scope
from core.models import ChannelToken
from core.settings import Settings

log = logging.getLogger(__name__)

TOKEN_NAME = "zalo_oa"
POLL_SECONDS = 0.05
SAVE_ATTEMPTS = 5


class ZaloTokens:
    """Hands out a valid access token and refreshes it when due."""

    def __init__(self, client: OaClient, settings: Settings):
        self.client = client
        self.settings = settings
        self._refused: str | None = None  # a refresh token Zalo refused: not offered again by this process

    async def current(self) -> str:
        """The access token to use now (refreshed first when it is missing or about to expire)."""
        row = await self._load()
        if _due(row, self._threshold()):
            return await self._refresh(rejected=None)
        return row.access_token

    async def after_rejection(self, rejected: str) -> str:
        """A fresh access token after Zalo refused `rejected` (refreshes unless another worker already did)."""
        return await self._refresh(rejected=rejected)

    def _threshold(self) -> datetime:
        return clock.now() + timedelta(seconds=self.settings.zalo_token_refresh_margin_seconds)

    async def _load(self) -> ChannelToken:
        async with session_scope() as session:
            row = await session.get(ChannelToken, TOKEN_NAME)
            if row is not None:
                return row
        return await self._seed()

    async def _seed(self) -> ChannelToken:
        """The first row, from the settings' tokens (another process may insert it at the same moment)."""
        settings = self.settings
        row = ChannelToken(
            name=TOKEN_NAME,
            access_token=settings.zalo_oa_access_token.get_secret_value() if settings.zalo_oa_access_token else "",
            refresh_token=settings.zalo_oa_refresh_token.get_secret_value() if settings.zalo_oa_refresh_token else "",
            updated_at=clock.now(),
        )
        try:
            async with session_scope() as session:
                session.add(row)
            log.info("zalo tokens seeded from the settings")
            return row
        except IntegrityError:
            async with session_scope() as session:
                stored = await session.get(ChannelToken, TOKEN_NAME)
                assert stored is not None
                return stored

    async def _refresh(self, *, rejected: str | None) -> str:
        deadline = time.monotonic() + 2 * self.settings.zalo_token_lease_seconds
        await self._load()
        while True:
            if await self._take_lease(rejected):
                return await self._refresh_holding_lease()
            async with session_scope() as session:
                row = await session.get(ChannelToken, TOKEN_NAME)
            assert row is not None
            if not _still_needed(row, rejected, self._threshold()):
                return row.access_token
            if time.monotonic() > deadline:
                raise ZaloAuthError("timed out waiting for another worker's token refresh", transient=True)
            await asyncio.sleep(POLL_SECONDS)

    async def _take_lease(self, rejected: str | None) -> bool:
        """Atomically claim the refresh, only if nobody holds it and the token still needs it."""
        now = clock.now()
        lock = col(ChannelToken.refresh_lock_until)
        if rejected is not None:
            needed = col(ChannelToken.access_token) == rejected
        else:
            needed = or_(col(ChannelToken.access_token) == "", col(ChannelToken.expires_at) <= self._threshold())
        statement = (
            update(ChannelToken)
            .where(col(ChannelToken.name) == TOKEN_NAME, or_(lock.is_(None), lock < now), needed)
            .values(refresh_lock_until=now + timedelta(seconds=self.settings.zalo_token_lease_seconds))
        )
        async with session_scope() as session:
            result = await session.exec(statement)
            return result.rowcount == 1

    async def _refresh_holding_lease(self) -> str:
        async with session_scope() as session:
            row = await session.get(ChannelToken, TOKEN_NAME)
            assert row is not None
            refresh_token = row.refresh_token
        try:
            if refresh_token and refresh_token == self._refused:
                raise ZaloAuthError("zalo refresh token was refused before: set new tokens", transient=False)
            pair = await self.client.refresh_tokens(refresh_token)
        except ZaloAuthError as exc:
            await self._release_lease()
            if not exc.transient and refresh_token != self._refused:
                self._refused = refresh_token
                log.error("%s; set new tokens with `giamngheo zalo set-tokens`", exc)
            raise
        await self._save(pair)
        log.info("zalo access token refreshed (valid %d s)", pair.expires_in)
        return pair.access_token

    async def _save(self, pair: TokenPair) -> None:
        """Store the new pair; the old refresh token is spent, so this write must not be lost."""
        now = clock.now()
        statement = (
            update(ChannelToken)
            .where(col(ChannelToken.name) == TOKEN_NAME)
            .values(access_token=pair.access_token, refresh_token=pair.refresh_token,
                    expires_at=now + timedelta(seconds=pair.expires_in), refresh_lock_until=None, updated_at=now)
        )
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                async with session_scope() as session:
                    await session.exec(statement)
                return
            except SQLAlchemyError as exc:
                log.error("could not store the new zalo tokens (attempt %d): %s", attempt, type(exc).__name__)
                await asyncio.sleep(0.2 * attempt)
        raise ZaloAuthError("the refreshed zalo tokens could not be stored", transient=True)

    async def _release_lease(self) -> None:
        statement = update(ChannelToken).where(col(ChannelToken.name) == TOKEN_NAME).values(refresh_lock_until=None)
        async with session_scope() as session:
            await session.exec(statement)


def _due(row: ChannelToken, threshold: datetime) -> bool:
    return not row.access_token or (row.expires_at is not None and row.expires_at <= threshold)


def _still_needed(row: ChannelToken, rejected: str | None, threshold: datetime) -> bool:
    return row.access_token == rejected if rejected is not None else _due(row, threshold)


async def replace_tokens(access_token: str, refresh_token: str) -> None:
    """Store a token pair an operator got by re-authorising the OA (its expiry unknown until Zalo refuses it)."""
    async with session_scope() as session:
        row = await session.get(ChannelToken, TOKEN_NAME) or ChannelToken(name=TOKEN_NAME)
        row.access_token, row.refresh_token = access_token.strip(), refresh_token.strip()
        row.expires_at, row.refresh_lock_until, row.updated_at = None, None, clock.now()
        session.add(row)


async def token_status() -> dict[str, str | None]:
    """What an operator may see of the stored tokens: whether they exist and when they expire, no values."""
    async with session_scope() as session:
        row = await session.get(ChannelToken, TOKEN_NAME)
    if row is None:
        return {"stored": "no", "expires_at": None, "updated_at": None, "refresh_lock_until": None}
    return {"stored": "yes" if row.access_token and row.refresh_token else "incomplete",
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
            "updated_at": row.updated_at.isoformat() if row.updated_at else None,
            "refresh_lock_until": row.refresh_lock_until.isoformat() if row.refresh_lock_until else None}
