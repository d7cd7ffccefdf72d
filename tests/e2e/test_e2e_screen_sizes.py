"""Every page works at 320 px (WCAG 2.2 1.4.10 Reflow: a 1280 px screen zoomed to 400%, or a small
phone), on a tablet (768 px) and a laptop (1366 px): nothing pushes the page wider than the screen (wide
tables scroll inside their own region), every chart is drawn at a usable width, no control's label or
chosen value and no chart's title, axis title, tick label, legend entry or note is cut off, and a screenshot of each page at each width is saved for review. At 320 px every
role's pages are checked: the council officer's submission history and the administrator's tables are
seen by no one else."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import screenshot, settle, site_paths

pytestmark = pytest.mark.e2e

# (width, role): every role at the reflow width, the analyst's pages at the wider ones.
SIZES = ((320, "national"), (320, "council"), (320, "national_admin"), (768, "national"), (1366, "national"))
MIN_CHART_WIDTH = 0.6  # of the chart's width: a plot squeezed beside its labels (a 300 px margin) fails

# Elements wider than the screen that are not inside a scrolling region, and charts' plot areas narrower
# than MIN_CHART_WIDTH of the content column.
_LAYOUT_PROBLEMS = """(minChart) => {
    const width = document.documentElement.clientWidth;
    const overflowing = [];
    document.querySelectorAll('body *').forEach(element => {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 1) { return; }
        for (let parent = element.parentElement; parent; parent = parent.parentElement) {
            const overflow = getComputedStyle(parent).overflowX;
            if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') { return; }
        }
        overflowing.push((element.id || element.tagName) + ' right edge ' + Math.round(box.right));
    });
    const narrow = [...document.querySelectorAll('.js-plotly-plot')].filter(chart => {
        // The span of its plot areas (small multiples count together), against the chart's own width:
        // labels and margins must not take most of it.
        const column = chart.getBoundingClientRect().width;
        const areas = [...chart.querySelectorAll('.nsewdrag')].map(a => a.getBoundingClientRect()).filter(b => b.width > 0);
        if (!areas.length) { return false; }
        const span = Math.max(...areas.map(b => b.right)) - Math.min(...areas.map(b => b.left));
        return span < minChart * column;
    }).map(chart => chart.parentElement.id || 'chart');
    const truncated = [...document.querySelectorAll('.dash-dropdown-value, .dash-dropdown-value-item, main label')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.slice(0, 40));
    // Chart text drawn outside its own chart (plotly does not wrap or shrink titles and labels, it lets the
    // svg cut them off): axis and chart titles, tick labels, legend entries and annotations.
    const clipped = [...document.querySelectorAll('.js-plotly-plot')].flatMap(chart => {
        const svg = chart.querySelector('.main-svg');
        if (!svg) { return []; }
        const edge = svg.getBoundingClientRect();
        const texts = chart.querySelectorAll('.gtitle, [class^="g-"][class$="title"] text, .xtick text, .ytick text, .legendtext, .annotation-text');
        return [...texts].filter(t => {
            const box = t.getBoundingClientRect();
            return box.width > 0 && (box.left < edge.left - 1 || box.right > edge.right + 1
                                     || box.top < edge.top - 1 || box.bottom > edge.bottom + 1);
        }).map(t => (chart.parentElement.id || 'chart') + ': ' + t.textContent.slice(0, 50));
    });
    return {pageWidth: document.documentElement.scrollWidth, width, overflowing: overflowing.slice(0, 5), narrow, truncated,
            clipped: clipped.slice(0, 10)};
}"""


# Charts resize to their container after the first draw (responsive): wait until each has.
_CHARTS_FITTED = """() => [...document.querySelectorAll('.js-plotly-plot')].every(chart => {
    const svg = chart.querySelector('.main-svg');
    return svg && Math.abs(svg.getBoundingClientRect().width - chart.getBoundingClientRect().width) <= 2;
})"""


@pytest.mark.parametrize(("width", "role"), SIZES)
def test_every_page_fits_the_screen_and_is_screenshotted(sized_page, server_url, width, role):
    page = sized_page(width, 850, role)
    problems = {}
    for path in site_paths(page, server_url):
        page.goto(server_url + path)
        settle(page)
        page.wait_for_function(_CHARTS_FITTED, polling=100)
        found = page.evaluate(_LAYOUT_PROBLEMS, MIN_CHART_WIDTH)
        screenshot(page, f"{width}px-{role}-{path.strip('/').replace('/', '-') or 'overview'}")
        if (found["pageWidth"] > found["width"] + 1 or found["overflowing"] or found["narrow"] or found["truncated"]
                or found["clipped"]):
            problems[path] = {key: value for key, value in found.items() if value and key != "width"}
    assert problems == {}, "\n".join(f"{width} px, {path}: {found}" for path, found in problems.items())


def test_a_wide_table_scrolls_inside_its_region_with_the_first_column_kept_in_view(sized_page, server_url):
    page = sized_page(390, 850)
    page.goto(server_url + "/regional?period=2026-10&window=rolling12&region=E12000007")
    settle(page)
    region = page.locator("#regional-table")
    sizes = region.evaluate("r => ({scroll: r.scrollWidth, client: r.clientWidth, role: r.getAttribute('role')})")
    assert sizes["role"] == "region" and sizes["scroll"] > sizes["client"]  # 13 columns scroll sideways
    first = page.locator("#regional-table tbody th").first
    before = first.bounding_box()["x"]
    region.evaluate("r => { r.scrollLeft = 400; }")
    assert abs(first.bounding_box()["x"] - before) < 2  # the authority's name stays in view
