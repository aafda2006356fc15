"""`ZaloSender` against the fake OA/OAuth server and a real database: tokens, errors, splitting, buttons."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.channels.zalo import ZaloSender
from bot.channels.zalo.contacts import CHOICES_KEY
from bot.channels.zalo.tokens import TOKEN_NAME, replace_tokens
from bot.engine.types import Button, Reply
from core import clock
from core.db import session_scope
from core.models import ChannelToken, Contact
from core.settings import get_settings
from tests.kit.zalo_api import FIRST_ACCESS, FIRST_REFRESH


@pytest.fixture
async def sender(zalo):
    zalo_sender = ZaloSender()
    yield zalo_sender
    await zalo_sender.aclose()


async def stored_tokens() -> ChannelToken:
    async with session_scope() as session:
        row = await session.get(ChannelToken, TOKEN_NAME)
    assert row is not None
    return row


async def add_contact(user_id: str) -> None:
    async with session_scope() as session:
        session.add(Contact(channel="zalo", user_id=user_id, state={}))


async def contact(user_id: str) -> Contact:
    async with session_scope() as session:
        return (await session.exec(select(Contact).where(Contact.user_id == user_id))).one()


async def test_a_reply_reaches_the_oa_api_with_the_seeded_token(sender, zalo):
    result = await sender.send("u1", [Reply("Chào bà con")])
    assert result.status == "sent"
    assert zalo.messages == [{"user_id": "u1", "text": "Chào bà con", "buttons": [], "access_token": FIRST_ACCESS}]
    row = await stored_tokens()
    assert (row.access_token, row.refresh_token) == (FIRST_ACCESS, FIRST_REFRESH)


@pytest.mark.parametrize("code", [-216, -220])
async def test_a_rejected_token_is_refreshed_once_and_the_message_retried(sender, zalo, code):
    await sender.send("u1", [Reply("trước")])
    zalo.expire_access_tokens()
    if code == -220:
        zalo.fail_next(-220)
    result = await sender.send("u1", [Reply("sau")])
    assert result.status == "sent"
    assert zalo.refresh_calls == 1
    row = await stored_tokens()
    assert row.refresh_token == "fake-zalo-refresh-1-k2v" and row.access_token == "fake-zalo-access-1-q8x"
    assert row.expires_at is not None and row.expires_at > clock.now() + timedelta(hours=24)
    assert row.refresh_lock_until is None
    assert zalo.messages[-1] == {"user_id": "u1", "text": "sau", "buttons": [], "access_token": row.access_token}


async def test_a_token_still_refused_after_one_refresh_is_not_retried_again(sender, zalo):
    zalo.fail_next(-216, times=3)
    result = await sender.send("u1", [Reply("x")])
    assert result.status == "retry" and zalo.refresh_calls == 1 and zalo.attempts == 2


async def test_two_workers_needing_a_refresh_at_once_make_one_refresh_call(zalo):
    zalo.refresh_delay = 0.3
    first, second = ZaloSender(), ZaloSender()  # two workers: separate clients, tokens, sessions
    try:
        await first.send("u0", [Reply("mồi")])
        zalo.expire_access_tokens()
        results = await asyncio.gather(first.send("u1", [Reply("một")]), second.send("u2", [Reply("hai")]))
    finally:
        await first.aclose()
        await second.aclose()
    assert [r.status for r in results] == ["sent", "sent"]
    assert zalo.refresh_calls == 1
    assert (await stored_tokens()).refresh_token == "fake-zalo-refresh-1-k2v"


async def test_the_token_is_refreshed_ahead_of_its_expiry(sender, zalo):
    await sender.send("u1", [Reply("mồi")])
    async with session_scope() as session:
        row = await session.get(ChannelToken, TOKEN_NAME)
        row.expires_at = clock.now() + timedelta(minutes=5)
        session.add(row)
    assert (await sender.send("u1", [Reply("x")])).status == "sent"
    assert zalo.refresh_calls == 1 and zalo.attempts == 2  # no refused call: refreshed before sending
    assert zalo.messages[-1]["access_token"] == "fake-zalo-access-1-q8x"
    assert (await sender.send("u1", [Reply("y")])).status == "sent"
    assert zalo.refresh_calls == 1


async def test_a_refused_refresh_is_reported_as_retry_and_releases_the_lease(sender, zalo):
    await sender.send("u1", [Reply("mồi")])
    zalo.valid_refresh.clear()  # the stored refresh token was used elsewhere: Zalo refuses it
    zalo.expire_access_tokens()
    result = await sender.send("u1", [Reply("x")])
    assert result.status == "retry" and "refresh" in (result.error or "")
    assert (await stored_tokens()).refresh_lock_until is None


@pytest.mark.parametrize("code", [-230, -232])
async def test_outside_the_7_day_window_is_unreachable_recorded_and_not_retried(sender, zalo, code):
    await add_contact("u9")
    zalo.fail_next(code)
    result = await sender.send("u9", [Reply("bản tin")])
    assert result.status == "unreachable" and str(code) in (result.error or "")
    assert zalo.attempts == 1 and zalo.refresh_calls == 0
    assert (await contact("u9")).unreachable_since is not None


@pytest.mark.parametrize(("code", "status"), [(-213, "blocked"), (-227, "blocked"), (-32, "retry"),
                                              (-201, "failed"), (-211, "failed")])
async def test_zalo_error_codes_become_outcomes(sender, zalo, code, status):
    zalo.fail_next(code)
    result = await sender.send("u1", [Reply("x")])
    assert result.status == status and zalo.attempts == 1
    if code == -32:
        assert result.retry_after == get_settings().zalo_rate_limit_backoff_seconds


async def test_server_errors_and_an_unreachable_server_are_retried_later(sender, zalo):
    zalo.fail_http_next(503)
    assert (await sender.send("u1", [Reply("x")])).status == "retry"
    zalo.stop()
    result = await sender.send("u1", [Reply("x")])
    assert result.status == "retry" and result.retry_after


async def test_long_text_arrives_in_parts_of_at_most_2000_characters(sender, zalo):
    text = "\n\n".join(f"Mục {i}. " + "Hộ nghèo được vay vốn ưu đãi để làm ăn. " * 20 for i in range(6))
    assert len(text) > 4000
    assert (await sender.send("u1", [Reply(text)])).status == "sent"
    assert len(zalo.messages) >= 3 and all(len(m["text"]) <= 2000 for m in zalo.messages)


async def test_a_later_part_is_retried_here_so_the_first_is_not_sent_twice(sender, zalo):
    text = "Phần một. " * 150 + "\n\n" + "Phần hai. " * 150
    zalo.fail_next(-32, after=1)
    started = time.monotonic()
    result = await sender.send("u1", [Reply(text)])
    assert result.status == "sent" and len(zalo.messages) == 2
    assert zalo.messages[0]["text"].startswith("Phần một") and zalo.messages[1]["text"].startswith("Phần hai")
    assert time.monotonic() - started < 10


async def test_seven_buttons_degrade_and_typed_numbers_are_remembered(sender, zalo):
    await add_contact("u7")
    many = [[Button(f"Chủ đề {i}", f"t:g{i}")] for i in range(1, 8)]
    assert (await sender.send("u7", [Reply("Chọn chủ đề", many)])).status == "sent"
    [message] = zalo.messages
    assert [b["title"] for b in message["buttons"]] == ["Chủ đề 1", "Chủ đề 2", "Chủ đề 3", "Chủ đề 4"]
    assert message["text"].endswith("1. Chủ đề 5\n2. Chủ đề 6\n3. Chủ đề 7")
    assert (await contact("u7")).state[CHOICES_KEY] == {"1": "t:g5", "2": "t:g6", "3": "t:g7"}


async def test_the_configured_rate_spaces_the_calls(zalo, env):
    env.setenv("ZALO_RATE_PER_SECOND", "20")
    get_settings.cache_clear()
    limited = ZaloSender()
    try:
        started = time.monotonic()
        for _ in range(5):
            assert (await limited.send("u1", [Reply("x")])).status == "sent"
        assert time.monotonic() - started >= 0.19
    finally:
        await limited.aclose()


async def test_tokens_set_by_an_operator_are_used_and_then_refreshed(sender, zalo):
    await replace_tokens("operator-access", FIRST_REFRESH)
    zalo.valid_access.add("operator-access")
    assert (await sender.send("u1", [Reply("x")])).status == "sent"
    assert zalo.messages[-1]["access_token"] == "operator-access"
    zalo.expire_access_tokens()
    assert (await sender.send("u1", [Reply("y")])).status == "sent" and zalo.refresh_calls == 1
