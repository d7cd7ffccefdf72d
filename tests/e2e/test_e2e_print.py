"""Printing the one-page authority report from Chromium: on paper it keeps the synthetic-data banner,
drops the navigation and buttons, and its spine chart uses the page's width with each measure named
above its own bar."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import settle

pytestmark = pytest.mark.e2e

A4_CONTENT_WIDTH = 703  # CSS pixels: 210 mm less the print stylesheet's 12 mm margins, at 96 per inch


def test_the_printed_report_keeps_the_banner_and_draws_its_chart_across_the_page(sized_page, server_url):
    page = sized_page(A4_CONTENT_WIDTH, 1000, "council")
    page.goto(server_url + "/authority/report")
    settle(page)
    page.emulate_media(media="print")
    assert "Synthetic demonstration data" in page.locator("#shell-synthetic-banner").inner_text()
    assert not page.locator("#shell-nav").is_visible() and not page.get_by_role("button", name="Print this report").is_visible()
    chart = page.locator("#authority-report-spine")
    # England's range spans the whole axis, so once the chart has fitted the printed page (it redraws on the
    # change of media) the bar is nearly the chart's width: a 280 px label margin left it half the page
    page.wait_for_function("""() => {
        const c = document.querySelector('#authority-report-spine');
        const bar = c && c.querySelector('.barlayer .trace:first-child .point path');
        return bar && bar.getBoundingClientRect().width >= 0.8 * c.getBoundingClientRect().width;
    }""", polling=100)
    # each measure's name sits just above its own bar (the k-th name from the top above the k-th bar)
    rows = chart.evaluate("""c => {
        const names = [...c.querySelectorAll('.annotation')].map(a => a.getBoundingClientRect())
            .filter(box => box.width > 0).sort((a, b) => a.top - b.top);
        const bars = [...c.querySelectorAll('.barlayer .trace:first-child .point path')]
            .map(p => p.getBoundingClientRect()).sort((a, b) => a.top - b.top);
        return {names: names.map(b => [b.top, b.bottom]), bars: bars.map(b => [b.top, b.bottom])};
    }""")
    bars, names = rows["bars"], rows["names"][:len(rows["bars"])]  # the last two names are the axis ends
    assert len(bars) >= 8 and len(names) == len(bars)
    assert all(name_bottom <= bar_top + 2 and bar_top - name_bottom < 20 for (_, name_bottom), (bar_top, _) in zip(names, bars))
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_a_printed_page_says_which_month_period_and_measure_it_shows(sized_page, server_url):
    """Drop-downs print as their chosen value under their label (hidden, they left bare labels)."""
    page = sized_page(A4_CONTENT_WIDTH, 1000)
    page.goto(server_url + "/regional?period=2026-10&window=rolling12")
    settle(page)
    page.emulate_media(media="print")
    for control in ("#regional-period", "#regional-window", "#regional-measure"):
        assert page.locator(control).is_visible(), control
    assert page.locator("#regional-period").inner_text().strip() == "October 2026"
    assert not page.locator("#regional-period .dash-dropdown-trigger-icon").is_visible()
