"""Browser fixtures: a real `oversight serve` on the demo database and Debian's headless Chromium.

The server runs in a subprocess on 127.0.0.1 and a free port for the whole session; the browser is
Debian's /usr/bin/chromium driven by playwright-python (never `playwright install`). Each test gets a
fresh page whose console errors and uncaught page errors are collected, so a test can assert that
none happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.live_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, stop_server, wait_until_serving

SERVER_START_TIMEOUT_S = 60.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests served from the full national demo are `slow` too (still run by `make test`): they
    check pages at real scale (153 authorities on the map, the full tables at 390 px, axe-core on them),
    which the small test database of the page and callback tests cannot show."""
    for item in items:
        if "server_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


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
        stop_server(process)


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


def _new_page(browser, base_url: str, width: int = 1366, height: int = 900, bypass_csp: bool = False,
              role: str = "national") -> tuple[object, object]:
    """A fresh context and page, signed in as `role` through the real sign-in page (e2e/signin.py);
    `page.errors` lists console errors and page errors."""
    from e2e.signin import storage_state

    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block",
                                  bypass_csp=bypass_csp, storage_state=storage_state(browser, base_url, role))
    page = context.new_page()
    errors = BrowserErrors()
    page.on("console", errors.on_console)
    page.on("pageerror", errors.on_page_error)
    page.errors = errors  # type: ignore[attr-defined]
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser, server_url) -> Iterator[object]:
    """A fresh page at desktop size, under the site's real Content-Security-Policy."""
    context, page = _new_page(browser, server_url)
    yield page
    context.close()


@pytest.fixture
def audit_page(browser, server_url) -> Iterator[object]:
    """A desktop page whose context bypasses the CSP, so the vendored axe-core can be injected."""
    context, page = _new_page(browser, server_url, bypass_csp=True)
    yield page
    context.close()


@pytest.fixture
def role_audit_page(browser, server_url) -> Iterator[Callable[[str], object]]:
    """A factory of axe-ready pages (CSP bypassed) signed in as a given role, at a given width."""
    contexts = []

    def make(role: str, width: int = 1366) -> object:
        context, page = _new_page(browser, server_url, width, bypass_csp=True, role=role)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sized_page(browser, server_url) -> Iterator[Callable[..., object]]:
    """A factory of pages at a given viewport size (phone, tablet, laptop), signed in as `role`."""
    contexts = []

    def make(width: int, height: int = 900, role: str = "national") -> object:
        context, page = _new_page(browser, server_url, width, height, role=role)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
