"""Core pages (overview, regional, authority): callbacks called as functions with valid and crafted
inputs, layouts restored from the URL, and the app's HTTP surface (CSP, request size, banner), on the
small synthetic database (tests/small_demo.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from conftest import DEMO_END
from dash._utils import to_json

from dashboard import exports


@pytest.fixture(scope="module")
def app(small_db: Path):
    from dashboard.server import create_app

    return create_app(small_db)


@pytest.fixture(scope="module")
def pages(app):
    from dashboard.pages import authority, overview, regional

    return {"overview": overview, "regional": regional, "authority": authority}


def text_of(component) -> str:
    return to_json(component)


def is_message(component) -> bool:
    return getattr(component, "role", None) == "alert"


def find(component, component_id: str):
    """The component with `component_id` inside a layout tree (None when absent)."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


# ---- overview -----------------------------------------------------------------------------------------

def test_overview_tiles_show_the_months_returns_and_score(pages):
    tiles = text_of(pages["overview"].update_tiles(DEMO_END, "rolling12"))
    assert "Returns expected" in tiles and "National composite score" in tiles and "Authorities flagged low" in tiles


def test_overview_map_and_distribution_follow_the_measure(pages):
    map_card, distribution = pages["overview"].update_map(DEMO_END, "month", "timeliness")
    assert "Timeliness score by authority" in text_of(map_card)
    assert "Timeliness score: spread within each region" in text_of(distribution)


@pytest.mark.parametrize("period, window, measure", [
    ("2099-01", "rolling12", "composite"),
    ("not-a-month", "rolling12", "composite"),
    (DEMO_END, "weekly", "composite"),
    (DEMO_END, "rolling12", "composite; drop table score"),
    ({"__proto__": 1}, ["month"], None),
])
def test_overview_turns_crafted_inputs_into_a_message(pages, period, window, measure):
    for output in pages["overview"].update_map(period, window, measure):
        assert is_message(output)


@pytest.mark.parametrize("period, window", [("2099-01", "rolling12"), (DEMO_END, "weekly"), (["2026-10"], None)])
def test_overview_tiles_turn_a_crafted_period_into_a_message(pages, period, window):
    assert is_message(pages["overview"].update_tiles(period, window))


def test_overview_trend_refuses_an_unknown_measure(pages):
    assert is_message(pages["overview"].update_trend("rolling12", "../../etc/passwd"))


def test_overview_layout_restores_the_state_in_the_url(pages, app):
    from dashboard import ids

    with app.server.test_request_context("/"):
        layout = pages["overview"].layout(period="2026-01", window="month", measure="coverage")
    assert find(layout, ids.OVERVIEW_PERIOD).value == "2026-01"
    assert find(layout, ids.OVERVIEW_WINDOW).value == "month"
    assert find(layout, ids.OVERVIEW_MEASURE).value == "coverage"


def test_overview_layout_falls_back_to_defaults_for_a_bad_link(pages, app):
    from dashboard import ids

    with app.server.test_request_context("/"):
        layout = pages["overview"].layout(period="1900-01", window="<b>", measure="nope")
    assert find(layout, ids.OVERVIEW_PERIOD).value == DEMO_END
    assert find(layout, ids.OVERVIEW_WINDOW).value == "rolling12"
    assert find(layout, ids.OVERVIEW_MEASURE).value == "composite"


# ---- regional ---------------------------------------------------------------------------------------

def test_regional_sections_render_for_valid_inputs(pages):
    regional = pages["regional"]
    assert "by region" in text_of(regional.update_intervals(DEMO_END, "rolling12", "rate_total_per_10k"))
    assert "funnel plot" in text_of(regional.update_funnel(DEMO_END, "rate_total_per_10k", "E12000007", "none"))
    table = regional.update_table(DEMO_END, "rolling12", "E12000007", "composite", "asc")
    assert "Authorities in London" in text_of(table)


def _first_column(region) -> list[str]:
    """The authority names heading each row of a table drawn by components.data_table (each a link)."""
    import html
    import re

    markup = region.children.children  # the scrolling region holds the dcc.Markdown of the table
    return [html.unescape(name) for name in re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>', markup)]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_regional_table_sorts_by_the_chosen_column(pages, order):
    from dashboard import ids

    section = pages["regional"].update_table(DEMO_END, "rolling12", "E12000007", "name", order)
    names = _first_column(find(section, ids.REGIONAL_TABLE))
    assert len(names) > 1 and names == sorted(names, reverse=order == "desc")
    assert f'aria-sort=\\"{"ascending" if order == "asc" else "descending"}\\"' in text_of(section)


@pytest.mark.parametrize("sort, order", [("1; drop table score", "asc"), ("composite", "sideways")])
def test_regional_table_refuses_a_crafted_sort(pages, sort, order):
    assert is_message(pages["regional"].update_table(DEMO_END, "rolling12", "E12000007", sort, order))


@pytest.mark.parametrize("rate, region", [("composite", "E12000007"), ("rate_total_per_10k", "E12999999"),
                                          ("rate_total_per_10k", None)])
def test_regional_funnel_refuses_a_crafted_rate_or_region(pages, rate, region):
    assert is_message(pages["regional"].update_funnel(DEMO_END, rate, region, "none"))


# ---- authority --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def code(small_db: Path) -> str:
    import duckdb

    con = duckdb.connect(str(small_db), read_only=True)
    try:
        return con.sql("select authority_code from score_component group by 1 order by count(*) desc limit 1").fetchall()[0][0]
    finally:
        con.close()


def test_authority_summary_has_the_spine_and_its_score_explained(pages, code):
    sections, href = pages["authority"].update_summary(code, DEMO_END, "rolling12")
    text = text_of(sections)
    assert "Every measure against England" in text and "Its score explained" in text and "What to fix" in text
    assert href == f"/authority/report?code={code}&period={DEMO_END}&window=rolling12"


def test_authority_can_be_chosen_by_dfe_number(pages, small_db):
    import duckdb

    con = duckdb.connect(str(small_db), read_only=True)
    gss, dfe, name = con.sql("select gss_code, dfe_code, name from ref_authority where dfe_code is not null limit 1").fetchall()[0]
    con.close()
    sections, _ = pages["authority"].update_summary(dfe, DEMO_END, "month")
    assert name in text_of(sections) and gss in text_of(sections)


@pytest.mark.parametrize("crafted", ["E99999999", "<script>alert(1)</script>", None, {"code": "x"}])
def test_authority_callbacks_turn_an_unknown_authority_into_a_message(pages, crafted):
    authority = pages["authority"]
    sections, href = authority.update_summary(crafted, DEMO_END, "rolling12")
    assert is_message(sections) and "choose an authority" in str(sections.children)
    assert is_message(authority.update_trend(crafted, "rolling12", "composite"))
    assert is_message(authority.update_returns(crafted))
    assert is_message(authority.update_transfers(crafted, DEMO_END))
    assert "script" not in href


def test_authority_sections_render_returns_transfers_and_trend(pages, code):
    authority = pages["authority"]
    assert "files received" in text_of(authority.update_returns(code))
    transfers = text_of(authority.update_transfers(code, DEMO_END))
    # either the table of transfers or the sentence saying there were none (depends on the demo's authority)
    assert "12 months to" in transfers or "Transfers with each counterpart authority" in transfers
    assert "against comparators" in text_of(authority.update_trend(code, "month", "timeliness"))


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_authority_download_holds_its_data_stamped_as_synthetic(pages, app, code, file_format):
    with app.server.test_request_context("/"):
        data = pages["authority"].download(code, DEMO_END, "rolling12", file_format)
    content = base64.b64decode(data["content"])
    assert data["filename"].endswith(f".{file_format}") and code in data["filename"]
    if file_format == "csv":
        assert content.decode("utf-8-sig").startswith(exports.SYNTHETIC_STAMP)
    else:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        assert "measures" in book.sheetnames and "validation issues" in book.sheetnames
        assert next(book["measures"].iter_rows(values_only=True))[0] == exports.SYNTHETIC_STAMP


def test_printable_report_shows_the_authority_and_refuses_a_crafted_code(pages, code):
    report = pages["authority"].report_layout(code=code, period=DEMO_END, window="rolling12")
    assert "recording quality report" in text_of(report)
    assert "choose an authority" in text_of(pages["authority"].report_layout(code="nope"))


def test_the_printed_reports_spine_chart_names_each_row_above_its_own_bar(pages, code):
    """The report kept a 280 px label margin and 34 px rows from when labels sat beside the bars: the plot
    was squeezed into the right half and each label sat beside the row below its own."""
    from dashboard import ids

    report = pages["authority"].report_layout(code=code, period=DEMO_END, window="rolling12")
    figure = find(report, ids.AUTHORITY_REPORT_SPINE).figure
    bars = figure.data[0]  # England's range: a bar on every row
    rows = list(bars.hovertext)
    labels = [a for a in figure.layout.annotations if a.yref == "y"]
    assert [a.y for a in labels] == [pytest.approx(y + bars.width / 2) for y in bars.y]  # on its own bar's top
    # naming it (on more lines where a phone needs them)
    assert [a.text.replace("<br>", "").replace(" ", "") for a in labels] == [row.replace(" ", "") for row in rows]
    layout = figure.layout
    assert layout.margin.l <= 20  # the plot keeps the page's width
    assert (layout.height - layout.margin.t - layout.margin.b) / len(rows) >= 40  # room for a label above each bar
    words = text_of(find(report, f"{ids.AUTHORITY_REPORT_SPINE}-summary"))  # its text alternative
    assert "against England: Composite recording-quality score:" in words


# ---- the HTTP surface -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(app):
    from auth_helpers import signed_in_client

    return signed_in_client(app, "national")


def test_every_core_page_is_served(client):
    for path in ("/", "/regional", "/authority", "/authority/report"):
        assert client.get(path).status_code == 200, path


def test_the_content_security_policy_allows_no_other_origin(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "http" not in policy and "unsafe-eval" not in policy
    assert "'sha256-" in policy  # Dash's own inline scripts, by hash


def test_the_synthetic_banner_is_in_the_page_shell(client):
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Synthetic demonstration data" in layout


def test_an_oversized_request_is_refused_before_any_callback(app, client):
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    response = client.post("/_dash-update-component", data=b"x" * (limit + 1), content_type="application/json")
    assert response.status_code == 413


def test_a_crafted_callback_request_gets_a_message_not_a_traceback(client):
    body = {
        "output": "overview-tiles.children",
        "outputs": {"id": "overview-tiles", "property": "children"},
        "inputs": [{"id": "overview-period", "property": "value", "value": "2099-13"},
                   {"id": "overview-window", "property": "value", "value": "rolling12"}],
        "changedPropIds": ["overview-period.value"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    payload = json.loads(response.get_data(as_text=True))
    tiles = payload["response"]["overview-tiles"]["children"]
    assert tiles["props"]["role"] == "alert" and "YYYY-MM" in tiles["props"]["children"]


def test_the_wsgi_entry_serves_the_database_named_by_oversight_db(small_db, tmp_path):
    import os
    import subprocess
    import sys

    probe = ("from dashboard import wsgi, database; "
             "print(database.db_path()); print(wsgi.server.test_client().get('/sign-in').status_code)")
    env = {**os.environ, "OVERSIGHT_DB": str(small_db)}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == [str(small_db.resolve()), "200"], result.stderr[-2000:]
    missing = subprocess.run([sys.executable, "-c", probe], env={**env, "OVERSIGHT_DB": str(tmp_path / "none.duckdb")},
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode != 0 and "oversight refresh" in missing.stderr
