"""A small httpx client for the two Zalo endpoints we use: OA API v3 `message/cs` and the OAuth refresh.

Zalo answers errors with HTTP 200 and `{"error": <negative int>, "message": …}`; this client returns that
answer as it is (`OaAnswer`) and raises only for what is not an answer at all (network, 5xx, not JSON).
Tokens travel in headers and form bodies only, never in URLs, so no log line can carry them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from core.settings import Settings

log = logging.getLogger(__name__)

MESSAGE_PATH = "/v3.0/oa/message/cs"
REFRESH_PATH = "/v4/oa/access_token"
DEFAULT_EXPIRES_IN = 90000  # Zalo's documented access-token life (25 h), when an answer omits it


class ZaloTransportError(Exception):
    """Zalo could not be reached or answered something that is not an API answer (retry later)."""


class ZaloAuthError(Exception):
    """A token refresh was refused or failed; `transient` when it is worth trying again later."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class OaAnswer:
    """Zalo's answer to one API call: `error` 0 means success."""

    error: int
    message: str = ""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class OaClient:
    """Calls Zalo with one shared `httpx.AsyncClient` (connection reuse matters for bulk sends)."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None):
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=settings.zalo_http_timeout_seconds)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send_message(self, access_token: str, user_id: str, message: dict[str, Any]) -> OaAnswer:
        """POST one consultation message to `user_id`."""
        url = self.settings.zalo_oa_api_base_url.rstrip("/") + MESSAGE_PATH
        body = {"recipient": {"user_id": user_id}, "message": message}
        try:
            response = await self.http.post(url, json=body, headers={"access_token": access_token})
        except httpx.HTTPError as exc:
            raise ZaloTransportError(f"zalo message/cs unreachable: {type(exc).__name__}") from None
        data = _json_answer(response, "message/cs")
        return OaAnswer(int(data.get("error") or 0), str(data.get("message") or ""))

    async def refresh_tokens(self, refresh_token: str) -> TokenPair:
        """Trade the single-use refresh token for a new pair."""
        settings = self.settings
        secret = settings.zalo_app_secret.get_secret_value() if settings.zalo_app_secret else ""
        if not settings.zalo_app_id or not secret or not refresh_token:
            raise ZaloAuthError("zalo token refresh needs ZALO_APP_ID, ZALO_APP_SECRET and a refresh token",
                                transient=False)
        url = settings.zalo_oauth_base_url.rstrip("/") + REFRESH_PATH
        form = {"refresh_token": refresh_token, "app_id": settings.zalo_app_id, "grant_type": "refresh_token"}
        try:
            response = await self.http.post(url, data=form, headers={"secret_key": secret})
            data = _json_answer(response, "oauth refresh")
        except (httpx.HTTPError, ZaloTransportError) as exc:
            raise ZaloAuthError(f"zalo token refresh failed: {type(exc).__name__}", transient=True) from None
        if data.get("error") or not data.get("access_token") or not data.get("refresh_token"):
            reason = data.get("error_description") or data.get("error_name") or data.get("message") or "no tokens"
            raise ZaloAuthError(f"zalo refused the token refresh ({data.get('error')}: {reason})", transient=False)
        return TokenPair(str(data["access_token"]), str(data["refresh_token"]), _seconds(data.get("expires_in")))


def _json_answer(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code == 429 or response.status_code >= 500:
        raise ZaloTransportError(f"zalo {what} answered HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise ZaloTransportError(f"zalo {what} answered HTTP {response.status_code} without JSON") from None
    if not isinstance(data, dict):
        raise ZaloTransportError(f"zalo {what} answered HTTP {response.status_code} with unexpected JSON")
    if response.status_code >= 400 and not data.get("error"):
        data = {"error": -response.status_code, "message": f"HTTP {response.status_code}"}
    return data


def _seconds(raw: Any) -> int:
    try:
        return max(int(str(raw)), 60)
    except (TypeError, ValueError):
        return DEFAULT_EXPIRES_IN
