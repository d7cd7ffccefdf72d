"""Every page of the dashboard loads in Chromium without console errors, and is screenshotted."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import screenshot, settle, site_paths

pytestmark = pytest.mark.e2e


def test_every_page_loads_without_browser_errors(page, server_url):
    paths = site_paths(page, server_url)
    assert {"/returns", "/check", "/methodology"} <= set(paths)
    failures = {}
    for path in paths:
        page.errors.messages.clear()
        page.goto(server_url + path)
        settle(page)
        heading = page.locator("main h1").first.inner_text()
        assert heading, f"{path} has no h1"
        assert "404" not in heading
        screenshot(page, path.strip("/").replace("/", "-") or "overview")
        if page.errors.messages:
            failures[path] = page.errors.messages[:]
    assert failures == {}


def test_the_synthetic_data_banner_is_on_every_page(page, server_url):
    for path in site_paths(page, server_url):
        page.goto(server_url + path)
        settle(page)
        assert "Synthetic demonstration data" in page.locator("#shell-synthetic-banner").inner_text(), path


def test_a_browser_without_javascript_signs_in_and_is_told_the_dashboard_needs_it(browser, server_url):
    """The sign-in form works without scripts; the dashboard's pages then say why they cannot be drawn
    (they showed Dash's "Loading..." for ever)."""
    from e2e.signin import sign_in

    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, server_url, "national", next_path="/regional")
        assert page.url == server_url + "/regional"
        assert page.get_by_role("heading", name="This dashboard needs JavaScript").is_visible()
    finally:
        context.close()
