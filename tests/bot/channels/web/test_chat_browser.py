"""The web chat in headless Chromium against the app served by uvicorn on loopback."""

import asyncio
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
    await log.get_by_text("Về: Vay vốn cho hộ nghèo", exact=False).last.wait_for()
    assert await log.locator(".msg.user").last.inner_text() == "hộ nghèo được vay vốn bao nhiêu"
    await log.get_by_role("button", name="👍 Hữu ích").last.click()
    await log.get_by_text("Cảm ơn bạn!", exact=False).wait_for()
    assert await page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly


# Playwright replaces the browser's speech engine (not our code) to record what the page asks it to say.
SPEECH_STUB = """
window.__spoken = [];
const voices = %s;
window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; this.lang = ""; this.voice = null; } };
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  getVoices: () => voices, cancel: () => {}, addEventListener: () => {},
  speak: (u) => window.__spoken.push({lang: u.lang, text: u.text, voice: u.voice && u.voice.lang}),
}});
"""


async def spoken(page, count: int, within: float = 20.0) -> list[dict]:
    """What the page asked the speech engine to say, once there are `count` utterances (the page's strict CSP
    forbids wait_for_function's eval, so poll with evaluate, which the CSP does not apply to)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        said = await page.evaluate("window.__spoken")
        if len(said) >= count or asyncio.get_running_loop().time() > deadline:
            return said
        await asyncio.sleep(0.05)


async def ask(page, question: str) -> None:
    await page.locator("#message").fill(question)
    await page.keyboard.press("Enter")


async def skip_hamlet(page) -> None:
    log = page.locator("#log")
    await log.get_by_role("button", name="Bỏ qua").click()
    await log.get_by_text("Không sao.", exact=False).wait_for()


async def test_an_answer_shows_its_title_and_not_what_i_meant_offers_alternatives(page):
    log = page.locator("#log")
    await log.get_by_text("Bạn ở ấp nào?").wait_for()
    await skip_hamlet(page)
    await ask(page, "hộ nghèo được vay vốn bao nhiêu")
    answer = log.locator(".msg.bot").filter(has_text="Về: Vay vốn cho hộ nghèo").last
    await answer.wait_for()
    assert (await answer.locator(".text").inner_text()).startswith("Về: Vay vốn cho hộ nghèo")
    assert len(await answer.locator(".text").inner_text()) <= 450
    await answer.get_by_role("button", name="📖 Xem thêm").click()
    await log.get_by_text("Nguồn:", exact=False).last.wait_for()
    await answer.get_by_role("button", name="🤔 Không đúng ý tôi").click()
    sorry = log.locator(".msg.bot").filter(has_text="hiểu chưa đúng ý").last
    await sorry.wait_for()
    labels = await sorry.locator(".choice").all_inner_texts()
    assert len(labels) == 4 and labels[-2:] == ["Hỏi cán bộ", "☰ Menu"]
    await sorry.locator(".choice").first.click()  # the first alternative opens as an answer with its title
    await log.locator(".msg.bot").filter(has_text=f"Về: {labels[0].rstrip('…')}").last.wait_for()


@pytest.mark.parametrize("voices", ['[{lang: "vi-VN", name: "Tiếng Việt"}]'])
async def test_listen_reads_the_answer_with_a_vietnamese_voice(base_url, voices):
    async with phone_browser(base_url) as context:
        await context.add_init_script(SPEECH_STUB % voices)
        page = await context.new_page()
        await page.goto(base_url + "/")
        log = page.locator("#log")
        await log.get_by_text("Bạn ở ấp nào?").wait_for()
        await skip_hamlet(page)
        await ask(page, "hộ nghèo được vay vốn bao nhiêu")
        answer = log.locator(".msg.bot").filter(has_text="Về: Vay vốn cho hộ nghèo").last
        await answer.get_by_role("button", name="🔊 Nghe").click()
        [said] = await spoken(page, 1)
        assert said["lang"] == "vi-VN" and said["voice"] == "vi-VN"
        assert said["text"].startswith("Về: Vay vốn cho hộ nghèo")
        await ask(page, "đọc cho tôi nghe")  # typed: the last answer is read aloud as it arrives
        assert len(await spoken(page, 2)) == 2


async def test_a_phone_without_a_vietnamese_voice_is_told_so_in_vietnamese(base_url):
    async with phone_browser(base_url) as context:
        await context.add_init_script(SPEECH_STUB % '[{lang: "en-US", name: "English"}]')
        page = await context.new_page()
        await page.goto(base_url + "/")
        log = page.locator("#log")
        await log.get_by_text("Bạn ở ấp nào?").wait_for()
        await skip_hamlet(page)
        await ask(page, "hộ nghèo được vay vốn bao nhiêu")
        answer = log.locator(".msg.bot").filter(has_text="Về: Vay vốn cho hộ nghèo").last
        await answer.get_by_role("button", name="🔊 Nghe").click()
        await log.get_by_text("chưa có giọng đọc tiếng Việt", exact=False).wait_for()
        assert await page.evaluate("window.__spoken") == []


async def test_a_refusal_shows_the_servers_own_message(page):
    await page.locator("#log").get_by_text("Bạn ở ấp nào?").wait_for()
    await page.route("**/api/v1/chat", lambda route: route.fulfill(
        status=429, content_type="application/json",
        body='{"message": "Có quá nhiều lượt mở trò chuyện mới từ mạng này."}'))
    await ask(page, "vay vốn")
    await page.locator("#log").get_by_text("Có quá nhiều lượt mở trò chuyện mới", exact=False).wait_for()
    assert await page.locator("#log").get_by_text("chưa xử lý được").count() == 0


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
    # the conversation before the reload is still there (kept in the browser), buttons included
    assert await page.locator("#log .msg.user").first.inner_text() == "thanh an hoa tien"
    await page.locator("#log").get_by_text("Đã ghi nhận", exact=False).wait_for()


async def test_the_qr_code_link_asks_for_its_hamlet_and_one_tap_subscribes(base_url):
    async with phone_browser(base_url) as context:
        page = await context.new_page()
        await page.goto(base_url + "/?ap=31338-thanh-an")
        log = page.locator("#log")
        await log.get_by_text("Nhận bản tin Ấp Thạnh An, Xã Hỏa Lựu?").wait_for()
        assert page.url == base_url + "/"  # a reload does not ask again
        await log.get_by_role("button", name="Đồng ý").click()
        await log.get_by_text("Đã ghi nhận: bạn ở Ấp Thạnh An, Xã Hỏa Lựu").wait_for()
