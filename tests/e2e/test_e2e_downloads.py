"""Chart downloads in Chromium: the link is an ordinary, labelled link that the keyboard reaches and
Enter follows, and the browser saves the file the server builds (never a `data:` URL in the page)."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import settle
from dashboard.exports import SYNTHETIC_STAMP

pytestmark = pytest.mark.e2e


def test_a_chart_download_is_a_labelled_link_that_enter_follows_and_the_browser_saves(page, server_url):
    page.goto(server_url + "/")
    settle(page)
    link = page.locator("#overview-map-csv")
    link.wait_for()
    href = link.get_attribute("href")
    assert href.startswith("/download/overview-map.csv?period=") and "base64" not in href
    assert link.get_attribute("aria-label").startswith("Download this data (CSV): ")  # names the chart
    assert page.get_by_role("link", name=link.get_attribute("aria-label")).count() == 1
    link.focus()
    assert page.evaluate("() => document.activeElement.id") == "overview-map-csv"  # keyboard-reachable
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = download.value
    assert saved.suggested_filename.endswith(".csv")
    with open(saved.path(), encoding="utf-8-sig") as handle:
        assert handle.readline().strip() == SYNTHETIC_STAMP
        assert handle.readline().startswith("authority_code,name,region_name,")
    assert page.errors.messages == []
