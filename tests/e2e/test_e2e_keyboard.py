"""Keyboard use: Tab reaches the skip link first, the skip link moves focus to the content, then the nav."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import settle

pytestmark = pytest.mark.e2e


def _focused(page) -> dict:
    return page.evaluate(
        "() => ({text: document.activeElement.innerText, id: document.activeElement.id,"
        " href: document.activeElement.getAttribute('href'), outline: getComputedStyle(document.activeElement).outlineStyle,"
        " background: getComputedStyle(document.activeElement).backgroundColor})"
    )


def test_tab_reaches_the_skip_link_then_the_navigation(page, server_url):
    page.goto(server_url + "/returns")
    settle(page)
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["text"] == "Skip to main content"
    assert skip["background"] == "rgb(255, 221, 0)"  # the GOV.UK yellow focus state is visible
    hrefs = []
    for _ in range(8):
        page.keyboard.press("Tab")
        hrefs.append(_focused(page)["href"])
    assert "/returns" in hrefs and "/check" in hrefs and "/methodology" in hrefs


def test_the_skip_link_moves_focus_to_the_main_content(page, server_url):
    page.goto(server_url + "/check")
    settle(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main-content'")
