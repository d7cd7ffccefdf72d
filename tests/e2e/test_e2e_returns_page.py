"""Returns page in the browser: the month drives the grid and chase list, and a shared link restores the view."""

from __future__ import annotations

import re

import pytest

from e2e.e2e_helpers import choose, screenshot, settle

pytestmark = pytest.mark.e2e


def test_choosing_a_month_updates_the_chase_list_grid_and_address(page, server_url):
    page.goto(server_url + "/returns")
    settle(page)
    latest_caption = page.locator("#returns-chase-section").inner_text()
    choose(page, "returns-month", "April 2024")
    page.wait_for_function(
        "() => document.querySelector('#returns-chase-section').innerText.includes('April 2024')"
    )
    settle(page)
    assert page.locator("#returns-chase-section").inner_text() != latest_caption
    assert "May 2023 to April 2024" in page.locator("#returns-grid").get_attribute("aria-label")
    assert "month=2024-04" in page.url
    assert page.errors.messages == []


def _a_london_rule(demo_db) -> tuple[str, str]:
    """A rule (and its severity) that fired in a London return between July 2024 and June 2025."""
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return con.execute(
            "select i.rule_id, i.severity from validation_issue i join submission s using (submission_id) "
            "join ref_authority a on a.gss_code = s.authority_code "
            "where a.region_code = 'E12000007' and s.period between date '2024-07-01' and date '2025-06-01' "
            "group by all order by count(*) desc limit 1"
        ).fetchone()
    finally:
        con.close()


def test_a_shared_link_restores_month_region_and_rule(page, server_url, demo_db):
    rule, severity = _a_london_rule(demo_db)
    page.goto(server_url + f"/returns?month=2025-06&region=E12000007&rule={rule}&severity={severity}")
    settle(page)
    assert page.locator("#returns-month").inner_text().strip() == "June 2025"
    assert page.locator("#returns-region").inner_text().strip() == "London"
    assert page.locator("#returns-rule").inner_text().strip() == rule
    grid_label = page.locator("#returns-grid").get_attribute("aria-label")
    assert grid_label == "Returns grid, London, July 2024 to June 2025"
    rows = page.locator("#returns-grid tbody tr th[scope=row]").all_inner_texts()
    assert "Camden" in rows and "Leeds" not in rows
    rules_listed = page.locator("#returns-issues-table td:nth-child(4)").all_inner_texts()
    assert rules_listed and set(rules_listed) == {rule}
    assert f"rule={rule}" in page.url and "region=E12000007" in page.url
    screenshot(page, "returns-shared-link")
    assert page.errors.messages == []


def test_a_crafted_month_in_the_link_falls_back_to_the_latest(page, server_url):
    page.goto(server_url + "/returns?month=2099-01&region=nowhere")
    settle(page)
    assert re.fullmatch(r"\w+ \d{4}", page.locator("#returns-month").inner_text().strip())
    assert page.locator("#returns-region").inner_text().strip() == "All of England"
    assert page.errors.messages == []
