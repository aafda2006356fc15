"""The web chat in headless Chromium against the app served by uvicorn on loopback."""

from collections.abc import AsyncIterator

import pytest

from api.main import AppOptions
from tests.kit.browser import needs_chromium, phone_browser, served_app

pytestmark = needs_chromium


@pytest.fixture
async def base_url(places: None, app_options: AppOptions) -> AsyncIterator[str]:
    async with served_app(app_options) as url:
        yield url


@pytest.fixture
async def page(base_url: str):
    async with phone_browser(base_url) as context:
        page = await context.new_page()
        await page.goto(base_url + "/")
        yield page


async def test_a_household_chooses_its_hamlet_asks_and_rates_in_the_browser(page):
    log = page.locator("#log")
    await log.get_by_text("Bạn ở ấp nào?").wait_for()
    assert await page.title() == "giamngheo — hỏi đáp giảm nghèo"
    await log.get_by_role("button", name="Xã Hỏa Lựu").click()
    await log.get_by_role("button", name="Ấp Thạnh An").click()
    await log.get_by_text("Đã ghi nhận: bạn ở Ấp Thạnh An, Xã Hỏa Lựu").wait_for()
    await page.locator("#message").fill("hộ nghèo được vay vốn bao nhiêu")
    await page.keyboard.press("Enter")
    await log.get_by_text("Nguồn:", exact=False).last.wait_for()
    assert await log.locator(".msg.user").last.inner_text() == "hộ nghèo được vay vốn bao nhiêu"
    await log.get_by_role("button", name="👍 Hữu ích").last.click()
    await log.get_by_text("Cảm ơn bạn!", exact=False).wait_for()
    assert await page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly


async def test_the_page_fits_a_phone_and_keeps_the_conversation_after_reload(page):
    await page.locator("#log").get_by_text("Bạn ở ấp nào?").wait_for()
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    await page.locator("#message").fill("thanh an hoa tien")
    await page.get_by_role("button", name="Gửi").click()
    await page.locator("#log").get_by_text("Đã ghi nhận", exact=False).wait_for()
    await page.reload()
    await page.locator("#log").get_by_text("chọn một mục bên dưới", exact=False).wait_for()  # welcomed back, no re-ask
    assert await page.locator("#log").get_by_text("Bạn ở ấp nào?").count() == 0


async def test_the_qr_code_link_asks_for_its_hamlet_and_one_tap_subscribes(base_url):
    async with phone_browser(base_url) as context:
        page = await context.new_page()
        await page.goto(base_url + "/?ap=31338-thanh-an")
        log = page.locator("#log")
        await log.get_by_text("Nhận bản tin Ấp Thạnh An, Xã Hỏa Lựu?").wait_for()
        assert page.url == base_url + "/"  # a reload does not ask again
        await log.get_by_role("button", name="Đồng ý").click()
        await log.get_by_text("Đã ghi nhận: bạn ở Ấp Thạnh An, Xã Hỏa Lựu").wait_for()
