"""An authority clicked in a chart or a table opens its benchmark page for the same month and period."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import settle

pytestmark = pytest.mark.e2e


def test_clicking_an_authority_in_the_funnel_plot_opens_its_benchmark_for_the_same_period(page, server_url):
    page.goto(server_url + "/regional?period=2026-09&window=month")
    settle(page)
    point = page.locator("#regional-funnel .scatterlayer .trace:last-child .point").first
    point.wait_for()
    point.click(force=True)
    page.wait_for_url("**/authority?code=*")
    assert "period=2026-09" in page.url and "window=month" in page.url
    settle(page)
    assert page.locator("#authority-code").inner_text().strip()


def test_an_authority_in_the_regional_table_links_to_its_benchmark(page, server_url):
    page.goto(server_url + "/regional?period=2026-09&window=rolling12")
    settle(page)
    link = page.locator("#regional-table tbody th a").first
    href = link.get_attribute("href")
    assert href.startswith("/authority?code=E") and "period=2026-09" in href and "window=rolling12" in href


def test_a_finding_on_the_overview_links_to_the_authority(page, server_url):
    page.goto(server_url + "/?period=2026-10&window=rolling12")
    settle(page)
    link = page.locator("#overview-findings tbody th a").first
    name = link.inner_text()
    link.click()
    page.wait_for_url("**/authority?code=*")
    settle(page)
    assert name in page.locator("#authority-code").inner_text()
