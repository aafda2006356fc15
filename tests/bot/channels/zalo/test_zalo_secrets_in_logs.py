"""No secret ever reaches the logs: app secret, OA secret key, access and refresh tokens, signatures."""

from __future__ import annotations

import json
import logging

from tests.bot.channels.zalo.zalo_events import SECRETS, post_event, settle, sign, text_event


def test_secrets_never_reach_the_logs_through_a_whole_zalo_exchange(client, zalo, caplog):
    caplog.set_level(logging.DEBUG)
    # aiosqlite's DEBUG lines print SQL parameters (so the stored tokens) and are kept at INFO like any
    # database driver's; everything that talks to Zalo or handles its webhook logs at DEBUG here.
    caplog.set_level(logging.INFO, logger="aiosqlite")
    for name in ("httpx", "httpcore", "uvicorn", "api", "bot", "core"):
        caplog.set_level(logging.DEBUG, logger=name)
    signatures = []
    good = text_event("9001", "hộ nghèo vay vốn")
    signatures.append(sign(json.dumps(good, separators=(",", ":"), ensure_ascii=False).encode(), good))
    assert post_event(client, good).status_code == 200
    settle(client)
    zalo.expire_access_tokens()  # the next reply needs a refresh: tokens travel both ways
    assert post_event(client, text_event("9001", "/menu")).status_code == 200
    settle(client)
    assert post_event(client, text_event("9001", "x"), signature="mac=" + "ab" * 32).status_code == 401
    zalo.valid_refresh.clear()
    zalo.expire_access_tokens()  # a refused refresh logs an error: still no token in it
    assert post_event(client, text_event("9001", "/menu")).status_code == 200
    settle(client)

    assert zalo.refresh_calls == 2 and len(zalo.messages) >= 2  # a refused refresh token is not offered again
    issued = {m["access_token"] for m in zalo.messages} | {"fake-zalo-refresh-1-k2v"}
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "zalo access token refreshed" in logged and "refused the token refresh" in logged
    for secret in [*SECRETS, *issued, *(s.removeprefix("mac=") for s in signatures), "ab" * 32]:
        assert secret not in logged, f"a secret reached the logs: {secret[:6]}…"
