"""Charts are drawn by the app's own partial plotly.js bundle (`assets/50-plotly-oversight.min.js`),
not the 4.8 MB full bundle dcc.Graph loads when `window.Plotly` is missing, and that bundle holds
every trace type the pages draw."""

from __future__ import annotations

import pytest

from e2e.e2e_helpers import settle

pytestmark = pytest.mark.e2e

CHART_PAGES = ["/", "/regional", "/authority", "/returns"]

# For every drawn chart: the trace types it asks for that the loaded plotly.js does not know.
UNKNOWN_TRACE_TYPES = """() => {
  const known = new Set(Object.keys(window.Plotly.PlotSchema.get().traces));
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return {
    charts: charts.length,
    unknown: charts.flatMap(gd => (gd.data || []).map(t => t.type || 'scatter').filter(t => !known.has(t))),
    undrawn: charts.filter(gd => !gd._fullLayout).length,
  };
}"""


def test_chart_pages_draw_with_the_partial_bundle_and_never_fetch_the_full_one(page, server_url):
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    for path in CHART_PAGES:
        page.errors.messages.clear()
        page.goto(server_url + path)
        settle(page)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 0", polling=50)
        assert page.evaluate("() => window.Plotly.version") == "4.1.1"
        found = page.evaluate(UNKNOWN_TRACE_TYPES)
        assert found["charts"] > 0, path
        assert found["unknown"] == [], f"{path} draws trace types missing from the bundle: {found['unknown']}"
        assert found["undrawn"] == 0, path
        assert page.errors.messages == [], path
    assert any("50-plotly-oversight.min.js" in url for url in scripts)
    assert not [url for url in scripts if url.split("?")[0].endswith("/plotly.min.js")]
