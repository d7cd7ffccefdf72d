"""Browser fixtures: a real `oversight serve` on the demo database and Debian's headless Chromium.

The server runs in a subprocess on 127.0.0.1 and a free port for the whole session; the browser is
Debian's /usr/bin/chromium driven by playwright-python (never `playwright install`). Each test gets a
fresh page whose console errors and uncaught page errors are collected, so a test can assert that
none happened.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dashboard.live_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, wait_until_serving

SERVER_START_TIMEOUT_S = 60.0


@pytest.fixture(scope="session")
def server_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real dashboard server over the full demo database."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "serve.log"
    process = start_server(demo_db, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_serving(url + "/", process, SERVER_START_TIMEOUT_S)
        except RuntimeError as error:
            pytest.fail(f"{error}\n--- server log ---\n{log.read_text()}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class BrowserErrors:
    """Console errors and uncaught exceptions seen by one page."""

    messages: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text}")

    def on_page_error(self, error) -> None:
        self.messages.append(f"page error: {error}")


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh page at desktop size; `page.errors` lists console errors and page errors."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, service_workers="block")
    page = context.new_page()
    errors = BrowserErrors()
    page.on("console", errors.on_console)
    page.on("pageerror", errors.on_page_error)
    page.errors = errors  # type: ignore[attr-defined]
    page.set_default_timeout(15_000)
    yield page
    context.close()
