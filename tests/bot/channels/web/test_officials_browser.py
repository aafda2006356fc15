"""The officials' page in headless Chromium against the app served by uvicorn on loopback, with the in-process
scheduler and delivery worker sending into the fake Bot API: sign in, write and send a bulletin, watch the report."""

from collections.abc import AsyncIterator

import pytest

from api.main import AppOptions
from core.db import get_async_engine, reset_engines, session_scope
from core.settings import get_settings
from tests.kit.browser import needs_chromium, phone_browser, served_app
from tests.kit.bulletin_world import AP_HAI, AP_MOT, add_households, seed_map, seed_staff
from tests.kit.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI

pytestmark = needs_chromium
FAST = {"DELIVERY_POLL_SECONDS": "0.05", "SCHEDULER_SYNC_SECONDS": "0.2"}


@pytest.fixture
async def editor_token(database: str, env: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The small map with five Telegram households in xã Tân Hòa, the fake Bot API, and the editor's token."""
    with FakeTelegramAPI() as fake:
        for key, value in {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url, **FAST}.items():
            env.setenv(key, value)
        get_settings.cache_clear()
        async with session_scope() as session:
            await seed_map(session)
            await add_households(session, AP_MOT, 3, first_user=100)
            await add_households(session, AP_HAI, 2, first_user=200)
            tokens = (await seed_staff(session)).tokens
        await get_async_engine().dispose()
        reset_engines()
        env.fake_telegram = fake  # type: ignore[attr-defined]
        yield tokens["editor"]


@pytest.fixture
async def base_url(editor_token: str) -> AsyncIterator[str]:
    """The app with its scheduler and one delivery worker, on a random loopback port, in this test's loop."""
    async with served_app(AppOptions(channels=False, scheduler=True, worker=True, prepare_database=False)) as url:
        yield url


@pytest.fixture
async def page(base_url: str):
    async with phone_browser(base_url) as context:
        yield await context.new_page()


async def test_an_official_signs_in_sends_a_bulletin_and_watches_the_report_fill_in(page, editor_token, env):
    from playwright.async_api import expect

    await page.goto("/officials")
    await page.get_by_label("Mã truy cập").fill(editor_token)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_text("Xin chào Cán bộ Tân Hòa").wait_for()

    await page.get_by_role("link", name="Viết bản tin").first.click()
    await page.get_by_label("Tiêu đề").fill("Họp dân bình xét hộ nghèo")
    await page.get_by_label("Nội dung").fill("Mời bà con dự họp lúc 19:00 tối thứ Sáu tại nhà văn hóa ấp.")
    assert await page.locator("#body-counter").inner_text() == "59/3.500 ký tự"
    await page.get_by_label("Cả xã").check()
    assert await page.locator("input[data-hamlet]:checked").count() == 3  # "cả xã" ticks every hamlet
    await page.locator("#reach").get_by_text("Sẽ gửi tới 5 hộ").wait_for()
    assert await page.locator("#send_date").is_hidden()  # only the chosen "when" shows its fields
    await page.get_by_label("Tin khẩn").check()  # urgent: not held by quiet hours, whenever the test runs
    await page.get_by_role("button", name="Gửi bản tin").click()

    await page.get_by_text("Đã lưu bản tin số").wait_for()
    await page.evaluate("window.sameDocument = true")
    await expect(page.locator("#counts [data-status=sent] .count-number")).to_have_text("5", timeout=20_000)
    assert await page.evaluate("window.sameDocument === true")  # filled in by the poll, not by reloading
    assert await page.locator("#chart svg rect.bar").count() == 3  # Ấp Ba, Ấp Hai, Ấp Một
    await page.locator("#report-status").get_by_text("Đã gửi").wait_for()
    assert await page.locator("#cancel-form").count() == 0  # nothing left to cancel once all went
    texts = [call.text for call in env.fake_telegram.calls("sendMessage")]
    assert len(texts) == 5 and all("Họp dân bình xét hộ nghèo" in text for text in texts)
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # fits a phone
