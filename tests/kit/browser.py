"""The real app on a loopback port and Debian's Chromium driven by Playwright, for the browser tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn

from api.main import AppOptions, create_app
from core.db import get_async_engine

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = [pytest.mark.browser,
                  pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)")]


@asynccontextmanager
async def served_app(options: AppOptions) -> AsyncIterator[str]:
    """The app served by uvicorn on a random 127.0.0.1 port from the current event loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(options), log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # uvicorn offers a flag, not an event, for "started"
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)  # noqa: ASYNC110
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
        await get_async_engine().dispose()


@asynccontextmanager
async def phone_browser(base_url: str):  # noqa: ANN201 (a Playwright BrowserContext)
    """Headless Chromium with a phone-sized Vietnamese context pointed at `base_url`."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield await browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                            base_url=base_url)
        finally:
            await browser.close()
