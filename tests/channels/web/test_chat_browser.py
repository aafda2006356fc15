"""The web chat in headless Chromium against the app served by uvicorn on loopback."""

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from api.main import AppOptions, create_app
from core.db import get_async_engine

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)")]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
async def base_url(places: None, app_options: AppOptions) -> AsyncIterator[str]:
    """The app on a random loopback port, served from this test's event loop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(app_options), log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # uvicorn offers a flag, not an event, for "started"
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)  # noqa: ASYNC110
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
    sock.close()
    await get_async_engine().dispose()


@pytest.fixture
async def page(base_url: str):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page = await context.new_page()
        await page.goto(base_url + "/")
        yield page
        await browser.close()


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
