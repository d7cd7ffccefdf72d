"""Figure builders and the chart card: pure functions of tiny frames, checked for what they draw."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import plotly.graph_objects as go
import polars as pl
import pytest
from dash._utils import to_json

from dashboard import components
from dashboard.figures import authority, common, overview, regional

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
BOUNDARIES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"gss_code": code, "name": name}, "geometry": SQUARE}
        for code, name in (("E1", "Alpha"), ("E2", "Beta"), ("E3", "Gamma"))
    ],
}
NAMES = pl.DataFrame({"gss_code": ["E1", "E2", "E3"], "name": ["Alpha", "Beta", "Gamma"]})


def test_map_colours_authorities_with_values_and_greys_the_rest():
    values = pl.DataFrame({"authority_code": ["E1", "E2", "E3"], "name": ["Alpha", "Beta", "Gamma"],
                           "value": [80.0, None, 95.0]})
    figure = overview.map_figure(values, BOUNDARIES, NAMES, "Composite", "score out of 100")
    base, coloured = figure.data
    assert list(base.locations) == ["E1", "E2", "E3"]  # every authority drawn
    assert list(coloured.locations) == ["E1", "E3"] and list(coloured.z) == [80.0, 95.0]
    assert "Beta: no value" in base.text


def test_map_draws_london_again_in_an_inset_and_keeps_the_palest_colour_apart_from_no_value():
    names = pl.DataFrame({"gss_code": ["E1", "E09000001", "E09000002"], "name": ["Alpha", "City", "Barking"]})
    values = pl.DataFrame({"authority_code": ["E1", "E09000001", "E09000002"], "name": ["Alpha", "City", "Barking"],
                           "value": [10.0, 20.0, None]})
    figure = overview.map_figure(values, "/b.json", names, "m", "u")
    inset = [t for t in figure.data if t.geo == "geo2"]
    assert [list(t.locations) for t in inset] == [["E09000001", "E09000002"], ["E09000001"]]
    assert inset[1].zmin == 10.0 and inset[1].zmax == 20.0  # the same scale as England's map
    assert figure.layout.geo2.domain.x[1] <= 0.3
    palest, no_value = overview.SEQUENTIAL[0][1], inset[0].colorscale[0][1]
    assert palest.upper() != no_value.upper()


def test_map_leaves_out_authorities_not_valid_in_the_period():
    values = pl.DataFrame({"authority_code": ["E1", "E9"], "name": ["Alpha", "Old"], "value": [1.0, 2.0]})
    coloured = overview.map_figure(values, "/boundaries.json", NAMES, "m", "u").data[1]
    assert coloured.geojson == "/boundaries.json"  # a URL: the browser fetches the shapes once
    assert list(coloured.locations) == ["E1"]


def test_map_without_boundaries_says_so():
    empty = pl.DataFrame({"gss_code": [], "name": []}, schema={"gss_code": pl.String, "name": pl.String})
    figure = overview.map_figure(pl.DataFrame({"authority_code": [], "name": [], "value": []}), {"features": []}, empty, "m", "u")
    assert "No boundaries" in figure.layout.annotations[0].text


def test_distribution_draws_one_box_per_region_lowest_median_first():
    scores = pl.DataFrame({"region_name": ["North", "North", "South", "South"], "name": list("abcd"),
                           "value": [90.0, 92.0, 70.0, 72.0]})
    figure = overview.region_distribution_figure(scores, "Composite", "score")
    assert [trace.name for trace in figure.data] == ["South", "North"]
    assert all(trace.boxpoints == "all" for trace in figure.data)


def test_trend_has_a_panel_per_region_with_england_in_each():
    trend = pl.DataFrame({"region_name": ["A", "A", "B", "B"], "period": [date(2026, 9, 1), date(2026, 10, 1)] * 2,
                          "value": [1.0, 2.0, 3.0, 4.0]})
    england = pl.DataFrame({"period": [date(2026, 9, 1), date(2026, 10, 1)], "value": [2.0, 3.0]})
    figure = overview.region_trend_figure(trend, england, "m", "u")
    names = [trace.name for trace in figure.data]
    assert names.count("England") == 2 and names.count("Region") == 2
    assert [a.text for a in figure.layout.annotations][:2] == ["A", "B"]
    assert figure.layout.yaxis.range == figure.layout.yaxis2.range  # one scale for every panel


def test_region_intervals_draw_asymmetric_error_bars_and_england():
    regions = pl.DataFrame({"region_name": ["A", "B"], "value": [10.0, 20.0], "lower": [8.0, 19.0], "upper": [13.0, 22.0]})
    figure = regional.region_ci_figure(regions, 15.0, "Rate", "per 10,000")
    trace = figure.data[0]
    assert list(trace.y) == ["A", "B"]
    assert list(trace.error_x.array) == [3.0, 2.0] and list(trace.error_x.arrayminus) == [2.0, 1.0]
    assert figure.layout.shapes[0].x0 == 15.0


def _funnel_points() -> pl.DataFrame:
    return pl.DataFrame({
        "authority_code": ["E1", "E2", "E3"], "name": ["Alpha", "Beta", "Gamma"], "region_name": ["North", "South", "North"],
        "population": [1000.0, 5000.0, 20000.0], "rate": [2.0, 9.0, 30.0], "flag": ["low_998", "in_control", "high_95"],
    })


def test_funnel_marks_each_flag_with_its_own_shape_and_legend_entry():
    limits = pl.DataFrame({"population": [800.0, 30000.0], "lower95": [1.0, 7.0], "upper95": [20.0, 11.0],
                           "lower998": [0.0, 6.0], "upper998": [30.0, 12.0]})
    figure = regional.funnel_figure(_funnel_points(), limits, 9.0, "Rate", highlight_region="North")
    # plotly shows no legend entry for a trace without points: count only traces that draw something
    legend = {t.name: t.marker.symbol for t in figure.data if t.showlegend and t.mode == "markers" and len(t.x)}
    assert legend == {"Within the 95% limits": "circle", "Above the 95% limit": "triangle-up",
                      "Below the 99.8% limit": "diamond"}
    solid = {name for t in figure.data if t.mode == "markers" and t.marker.opacity == 1.0 for name in t.text}
    assert solid == {"Alpha", "Gamma"}  # the chosen region, drawn solid; Beta (South) faded


def test_a_flag_no_authority_of_the_chosen_region_has_is_still_in_the_legend():
    """South's only authority is within the limits: the faded diamond and triangle of the North's two
    still need their legend entries."""
    limits = pl.DataFrame({"population": [800.0, 30000.0], "lower95": [1.0, 7.0], "upper95": [20.0, 11.0],
                           "lower998": [0.0, 6.0], "upper998": [30.0, 12.0]})
    figure = regional.funnel_figure(_funnel_points(), limits, 9.0, "Rate", highlight_region="South")
    legend = {t.name: t.marker.opacity for t in figure.data if t.showlegend and t.mode == "markers" and len(t.x)}
    assert legend == {"Within the 95% limits": 1.0, "Above the 95% limit": 0.3, "Below the 99.8% limit": 0.3}


def test_funnel_draws_limits_only_over_the_populations_present():
    limits = pl.DataFrame({"population": [1.0, 1000.0, 20000.0, 10_000_000.0], "lower95": [0.0] * 4,
                           "upper95": [500.0, 20.0, 12.0, 9.1], "lower998": [0.0] * 4, "upper998": [900.0, 25.0, 13.0, 9.2]})
    figure = regional.funnel_figure(_funnel_points(), limits, 9.0, "Rate")
    curve = next(t for t in figure.data if t.name == "99.8% limits")
    assert list(curve.x) == [1000.0, 20000.0]


def _spine() -> pl.DataFrame:
    return pl.DataFrame({
        "measure": ["composite", "rate"], "label": ["Composite", "Rate"], "authority": [90.0, 5.0],
        "region": [95.0, None], "neighbours": [92.0, 6.0], "england": [94.0, 8.0], "minimum": [80.0, 0.0],
        "q1": [90.0, 4.0], "q3": [98.0, 10.0], "maximum": [100.0, 20.0],
    })


def test_spine_places_each_marker_on_its_rows_england_range():
    figure = authority.spine_figure(_spine(), {"authority": "Alpha", "region": "North", "neighbours": "Neighbours"})
    by_name = {t.name: t for t in figure.data}
    # rows are drawn bottom-up, so the first measure is last
    assert list(by_name["Alpha"].x) == [pytest.approx(0.25), pytest.approx(0.5)]
    assert list(by_name["North"].x) == [None, pytest.approx(0.75)]
    assert list(by_name["England"].x) == [pytest.approx(0.4), pytest.approx(0.7)]


def test_spine_leaves_out_a_measure_with_no_england_range_to_place_it_on():
    withheld = pl.concat([_spine(), pl.DataFrame({
        "measure": ["share"], "label": ["Share"], "authority": [12.0], "region": [8.0], "neighbours": [None],
        "england": [8.5], "minimum": [None], "q1": [None], "q3": [None], "maximum": [None],
    }, schema=_spine().schema)])
    figure = authority.spine_figure(withheld, {"authority": "Alpha", "region": "North", "neighbours": "Neighbours"})
    assert list(next(t for t in figure.data if t.name == "Alpha").hovertext) == ["Rate", "Composite"]
    assert authority.placeable(withheld)["measure"].to_list() == ["composite", "rate"]


def test_spine_distinguishes_comparators_by_shape():
    figure = authority.spine_figure(_spine(), {"authority": "Alpha", "region": "North", "neighbours": "Neighbours"})
    symbols = {t.name: t.marker.symbol for t in figure.data if t.type == "scatter"}
    assert len(set(symbols.values())) == len(symbols)


def test_comparison_trend_draws_a_line_per_series():
    trend = pl.DataFrame({"series": ["authority", "england", "region", "neighbours"], "period": [date(2026, 10, 1)] * 4,
                          "value": [1.0, 2.0, 3.0, 4.0]})
    figure = authority.comparison_trend_figure(trend, {"authority": "Alpha", "region": "North",
                                                       "neighbours": "Neighbours", "england": "England"}, "m", "u")
    assert {t.name: t.line.dash for t in figure.data} == {"England": "dashdot", "Neighbours": "dot", "North": "dash",
                                                          "Alpha": "solid"}


def test_points_lost_lists_causes_largest_at_the_top():
    causes = pl.DataFrame({"dimension": ["validity", "timeliness", "coverage"], "rule_id": ["V1", "T1", "C1"],
                           "points": [1.0, 3.0, 0.0]})
    bar = authority.points_lost_figure(causes).data[0]
    assert list(bar.hovertext) == ["Validity: V1", "Timeliness: T1"]  # plotly draws the last bar at the top


def test_points_lost_bars_are_labelled_with_the_cause_in_words():
    causes = pl.DataFrame({"dimension": ["completeness"], "rule_id": ["not_recorded.action"], "points": [2.5],
                           "cause": ["Action: recorded as 'not recorded'"]})
    bar = authority.points_lost_figure(causes).data[0]
    assert list(bar.hovertext) == ["Completeness: Action: recorded as 'not recorded'"] and list(bar.text) == ["2.50"]


@pytest.mark.parametrize("builder", [
    lambda: overview.region_distribution_figure(pl.DataFrame({"region_name": [], "name": [], "value": []}), "m", "u"),
    lambda: authority.points_lost_figure(pl.DataFrame({"dimension": [], "rule_id": [], "points": []})),
    lambda: regional.funnel_figure(pl.DataFrame(), pl.DataFrame(), None, "m"),
])
def test_a_chart_with_no_data_says_so(builder):
    figure = builder()
    assert isinstance(figure, go.Figure) and figure.layout.annotations[0].text.startswith("No ")


def test_chart_card_has_an_accessible_figure_a_table_and_a_download_of_the_data_drawn():
    from dashboard import downloads, exports

    frame = pl.DataFrame({"name": ["=evil()", "Beta"], "value": [1.5, 2.0], "hidden": [1, 2]})
    card = components.chart_card("test-card", title="Scores", caption="What it shows", figure=go.Figure(),
                                 table_frame=frame, summary="Beta is highest.", labels={"name": "Authority", "value": "Score"},
                                 filename="scores", synthetic=False, download={"period": date(2026, 10, 1), "window": "month"})
    text = json.dumps(json.loads(to_json(card)))
    assert '"role": "img"' in text and '"aria-describedby": "test-card-summary"' in text
    assert "Beta is highest." in text and "Show the data as a table" in text
    link = next(c for c in card.children if getattr(c, "id", None) == "test-card-csv")
    assert link.download == "scores.csv" and link.href == "/download/test-card.csv?period=2026-10&window=month"
    assert "base64" not in text and "data:" not in text  # the page holds the address, not the data
    payload = downloads.find(card, "test-card", "csv")
    rows = [r for r in csv.reader(io.StringIO(exports.file_bytes(payload.frame, "csv", payload.synthetic)
                                              .decode("utf-8-sig"))) if r]
    assert rows == [["name", "value"], ["'=evil()", "1.5"], ["Beta", "2.0"]]  # labelled columns only, formula made inert


def test_data_table_cuts_long_tables_and_says_so():
    table = components.data_table(pl.DataFrame({"a": list(range(10))}), "Numbers", row_limit=3)
    text = to_json(table)
    assert "Showing the first 3 of 10 rows" in text


def test_the_funnel_y_range_follows_the_authorities_not_the_tiny_population_limits():
    rates = [2.0, 5.0, 10.0, 4.0, None]
    top, clipped = regional.funnel_y_range(rates, [11.0] * 9 + [90.0], [200.0, 120.0, 40.0, 14.0, 12.0])
    assert top == pytest.approx(12.0) and clipped  # the smallest populations' limits are cut, and said
    top, clipped = regional.funnel_y_range([2.0, 5.0, 30.0], [12.0, 11.0, 10.0], [12.0, 11.0])
    assert top == pytest.approx(36.0) and not clipped  # every authority stays on the chart


def test_funnel_hover_gives_the_region_and_both_intervals():
    points = _funnel_points().with_columns(pl.lit(1.0).alias("lower95"), pl.lit(9.0).alias("upper95"),
                                           pl.lit(0.5).alias("lower998"), pl.lit(12.0).alias("upper998"))
    populations = [800.0 + 1000.0 * i for i in range(25)]
    limits = pl.DataFrame({"population": populations, "lower95": [0.0] * 25, "upper95": [30.0] + [9.0] * 24,
                           "lower998": [0.0] * 25, "upper998": [300.0] + [12.0] * 24})
    figure = regional.funnel_figure(points, limits, 9.0, "Rate")
    marker = next(t for t in figure.data if t.mode == "markers" and t.customdata)
    assert list(marker.customdata[0])[1:] == ["1.0", "9.0", "0.5", "12.0"]
    assert "95% limits" in marker.hovertemplate and "99.8% limits" in marker.hovertemplate
    assert figure.layout.yaxis.range[1] < 300


def test_the_chosen_authority_is_ringed_and_named_on_the_funnel_plot():
    limits = pl.DataFrame({"population": [800.0, 30000.0], "lower95": [1.0, 7.0], "upper95": [20.0, 11.0],
                           "lower998": [0.0, 6.0], "upper998": [30.0, 12.0]})
    figure = regional.funnel_figure(_funnel_points(), limits, 9.0, "Rate", highlight_code="E2")
    ring = figure.data[-1]
    assert list(ring.text) == ["Beta"] and ring.marker.symbol == "circle-open" and list(ring.ids) == ["E2"]
    plain = regional.funnel_figure(_funnel_points(), limits, 9.0, "Rate")
    assert not any(t.marker.symbol == "circle-open" for t in plain.data if t.mode and "markers" in t.mode)


# ---- chart text on a 320 px screen (WCAG 2.2 1.4.10): wrapped on the server, since plotly cuts it off ----

def test_text_width_adds_the_arial_advance_widths() -> None:
    # H 722 + i 222 = 944 thousandths of an em: 9.44 px at 10 px
    assert common.text_width("Hi", 10) == pytest.approx(9.44)
    assert common.text_width("W", 20) == pytest.approx(18.88)


def test_wrap_text_breaks_between_words_then_inside_a_code_too_long_for_a_line() -> None:
    # at 10 px: "aaaa" is 22.24 px, "aaaa aaaa" 47.26 px
    assert common.wrap_text("aaaa aaaa aaaa", 50, 10) == "aaaa aaaa<br>aaaa"
    # a code wider than the line breaks after its underscores, not between the letters
    wrapped = common.wrap_text("Flagged FAMILY_MEMBER_KNOWN_TO_PREVENT (%)", 120, 13)
    assert wrapped.split("<br>")[0] == "Flagged"
    assert wrapped.replace("<br>", "") == "FlaggedFAMILY_MEMBER_KNOWN_TO_PREVENT (%)"
    assert all(part.endswith("_") for part in wrapped.split("<br>")[1:-1])
    assert all(common.text_width(line, 13) <= 120 for line in wrapped.split("<br>"))
    # lines already broken stay broken; a line that fits is left as it is
    assert common.wrap_text("one<br>two", 200, 14) == "one<br>two"
    assert common.wrap_text("short", 200, 14) == "short"


def _builders() -> list:
    import inspect

    from dashboard.figures import context, returns

    return [(module.__name__, name, function) for module in (authority, context, overview, regional, returns)
            for name, function in inspect.getmembers(module, inspect.isfunction)
            if function.__module__ == module.__name__ and name.endswith("_figure")]


def test_every_figure_builder_wraps_its_text_for_a_narrow_screen() -> None:
    builders = _builders()
    assert len(builders) >= 10
    assert [f"{module}.{name}" for module, name, function in builders if not getattr(function, "fits_narrow_screens", False)] == []


def test_a_long_row_name_makes_only_its_own_row_taller_and_no_name_runs_into_the_bar_above() -> None:
    long = "Concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT in a very long measure name (%)"
    short_rows = pl.concat([_spine(), _spine().with_columns(pl.Series("measure", ["c2", "r2"]))])
    spine = short_rows.with_columns(pl.Series("label", ["Composite", long, "Three", "Four"]))
    names = {"authority": "Alpha", "region": "North", "neighbours": "Neighbours"}
    even = authority.spine_figure(short_rows.with_columns(pl.Series("label", ["A", "B", "C", "D"])), names)
    figure = authority.spine_figure(spine, names)
    bars = figure.data[0]
    notes = {note.y: note.text for note in figure.layout.annotations if note.yref == "y"}
    extra = common.wrap_text(long, common.NARROW_TEXT_WIDTH, 13).count("<br>")
    line = round(common.LINE_HEIGHT * 13)
    assert extra >= 1
    assert figure.layout.height - even.layout.height == extra * line  # one row's extra lines, not every row's
    assert bars.width == even.data[0].width  # the bars keep their thickness
    gaps = [b - a for a, b in zip(bars.y, bars.y[1:])]
    pitch = even.data[0].y[1] - even.data[0].y[0]
    # rows drawn bottom-up (Four, Three, the long one, Composite): its extra lines sit above its own bar
    assert gaps == [pitch, pitch, pitch + extra * line]
    room_at_the_top = figure.layout.yaxis.range[1] + figure.layout.margin.t  # the top name may use the margin
    for row, y in enumerate(bars.y):
        top = y + bars.width / 2
        next_bottom = bars.y[row + 1] - bars.width / 2 if row + 1 < len(bars.y) else room_at_the_top
        lines = notes[top].count("<br>") + 1
        assert top + 1 + lines * line <= next_bottom + 1e-9, notes[top]  # the name fits between its bar and the next


def test_no_line_of_chart_text_is_wider_than_a_phones_chart_and_long_row_labels_get_room() -> None:
    long = "Concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT in a very long measure name (%)"
    spine = _spine().with_columns(pl.Series("label", ["Composite", long]))
    names = {"authority": "An authority with a long name", "region": "North",
             "neighbours": "Statistical neighbours (average of 10)"}
    short = authority.spine_figure(_spine(), names)
    figure = authority.spine_figure(spine, names)
    size = figure.layout.font.size
    texts = [(note.text, note.font.size or size) for note in figure.layout.annotations]
    texts += [(trace.name, figure.layout.legend.font.size or size) for trace in figure.data if trace.name]
    assert any("<br>" in text for text, _ in texts)
    for text, font in texts:
        assert all(common.text_width(line, font) <= common.NARROW_TEXT_WIDTH for line in text.split("<br>")), text
    assert figure.layout.height > short.layout.height  # the rows grew for the label's extra lines
    # the data keep their full label: hover and the data table show it whole
    assert long in list(figure.data[0].hovertext)
    # axis titles too, and plotly may widen the margin for their lines
    limits = pl.DataFrame({"population": [800.0, 30000.0], "lower95": [1.0, 7.0], "upper95": [20.0, 11.0],
                           "lower998": [0.0, 6.0], "upper998": [30.0, 12.0]})
    funnel = regional.funnel_figure(_funnel_points(), limits, 9.0, "All concerns about children and young people")
    for axis in (funnel.layout.xaxis, funnel.layout.yaxis):
        assert axis.automargin and all(common.text_width(line, 14) <= common.AXIS_TITLE_WIDTH
                                       for line in axis.title.text.split("<br>"))
