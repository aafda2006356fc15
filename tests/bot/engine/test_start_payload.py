"""A printed QR code or link names a hamlet (`/start <code>`, `/?ap=<code>`): one tap on "Đồng ý" subscribes."""

from __future__ import annotations

import pytest

from bot.engine.types import Inbound
from tests.bot.engine.test_onboarding import stored


async def open_link(household, code: str):
    return await household.send(Inbound(household.channel, household.user_id, "start", text=f"/start {code}"))


async def test_a_hamlet_code_asks_once_and_one_tap_subscribes(household):
    replies = await open_link(household, "31338-thanh-an")
    assert "giamngheo" in replies[0].text  # a newcomer is still greeted
    assert replies[-1].text == "Nhận bản tin Ấp Thạnh An, Xã Hỏa Lựu?"
    assert [[b.label for b in row] for row in replies[-1].buttons] == [["Đồng ý", "Để sau"]]
    contact, subscriptions = await stored()
    assert subscriptions == [] and contact.hamlet_code is None  # nothing before the tap
    replies = await household.tap("Đồng ý")
    assert "Ấp Thạnh An, Xã Hỏa Lựu" in replies[0].text
    contact, subscriptions = await stored()
    assert contact.hamlet_code == "31338-thanh-an"
    assert [(s.area_code, s.active) for s in subscriptions] == [("31338-thanh-an", True)]


async def test_not_now_subscribes_nothing(household):
    await open_link(household, "31338-thanh-an")
    await household.tap("Để sau")
    assert (await stored())[1] == []


async def test_a_household_already_subscribed_is_told_so(household):
    await open_link(household, "31338-thanh-an")
    await household.tap("Đồng ý")
    replies = await open_link(household, "31338-thanh-an")
    assert "đang nhận bản tin của Ấp Thạnh An, Xã Hỏa Lựu rồi" in replies[0].text


async def test_a_commune_code_lists_its_hamlets_one_tap_away(household):
    replies = await open_link(household, "31338")
    assert "Ấp Thạnh An" in household.labels()
    await household.tap("Ấp Thạnh An")
    assert (await stored())[0].hamlet_code == "31338-thanh-an"
    assert replies


@pytest.mark.parametrize("code", ["khong-co-ap-nay", "31338 thanh an", "<script>", "x" * 80])
async def test_an_unknown_code_gets_a_polite_word_and_the_normal_welcome(household, code):
    replies = await open_link(household, code)
    assert "không còn đúng" in replies[0].text
    assert "Bạn ở ấp nào?" in replies[-1].text
    assert (await stored())[1] == []


async def test_a_typed_start_with_a_code_works_the_same(household):
    replies = await household.say("/start 31338-thanh-an")
    assert replies[-1].text == "Nhận bản tin Ấp Thạnh An, Xã Hỏa Lựu?"
