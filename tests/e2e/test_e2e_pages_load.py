"""Every page of the dashboard loads in Chromium without console errors, and is screenshotted."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import screenshot, settle

pytestmark = pytest.mark.e2e

EXTRA_PAGES = ["/accessibility"]  # linked from the footer rather than the main navigation


def _nav_paths(page, server_url: str) -> list[str]:
    page.goto(server_url + "/")
    settle(page)
    hrefs = page.eval_on_selector_all("#shell-nav a", "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys([h for h in hrefs if h.startswith("/")] + EXTRA_PAGES))


def test_every_page_loads_without_browser_errors(page, server_url):
    paths = _nav_paths(page, server_url)
    assert {"/returns", "/check", "/methodology"} <= set(paths)
    failures = {}
    for path in paths:
        page.errors.messages.clear()
        page.goto(server_url + path)
        settle(page)
        heading = page.locator("main h1").first.inner_text()
        assert heading, f"{path} has no h1"
        assert "404" not in heading
        screenshot(page, path.strip("/") or "overview")
        if page.errors.messages:
            failures[path] = page.errors.messages[:]
    assert failures == {}


def test_the_synthetic_data_banner_is_on_every_page(page, server_url):
    for path in _nav_paths(page, server_url):
        page.goto(server_url + path)
        settle(page)
        assert "Synthetic demonstration data" in page.locator("#shell-synthetic-banner").inner_text(), path
