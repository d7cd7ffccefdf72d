"""Figures for the authority benchmark: the spine chart, trends against comparators, points lost.

Pure functions of polars frames. Comparators differ by marker shape and line dash as well as colour:
authority = dark blue circle / solid, region = turquoise diamond / dashed, statistical neighbours =
orange square / dotted, England = grey line / dash-dot.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import (
    DARK_BLUE, FONT, GREY, LIGHT_BLUE, ORANGE, TURQUOISE, base_layout, empty_figure, labels_above_rows,
    narrow_screen_text,
)

SERIES_STYLE: dict[str, dict] = {
    "authority": {"colour": DARK_BLUE, "dash": "solid", "symbol": "circle", "width": 3},
    "region": {"colour": TURQUOISE, "dash": "dash", "symbol": "diamond", "width": 2},
    "neighbours": {"colour": ORANGE, "dash": "dot", "symbol": "square", "width": 2},
    "england": {"colour": GREY, "dash": "dashdot", "symbol": "line-ns-open", "width": 2},
}
SPINE_COLUMNS = ("measure", "label", "authority", "region", "neighbours", "england", "minimum", "q1", "q3", "maximum")


def _position(value: float | None, low: float | None, high: float | None) -> float | None:
    """Where a value sits on its row's England range, 0 (lowest) to 1 (highest)."""
    if value is None or low is None or high is None:
        return None
    if high == low:
        return 0.5
    return min(1.0, max(0.0, (value - low) / (high - low)))


def _fmt(value: float | None) -> str:
    return "no data" if value is None else f"{value:,.1f}"


def placeable(spine: pl.DataFrame) -> pl.DataFrame:
    """The spine's rows that have an England range to be placed on (none scored, or England's spread
    withheld from the viewer, and a row cannot be drawn)."""
    return spine.filter(pl.col("minimum").is_not_null() & pl.col("maximum").is_not_null())


SPINE_ROW_HEIGHT = 62  # pixels a row: its label above its bar (labels_above_rows needs about 50)
COMPACT_ROW_HEIGHT = 44  # the printed report's rows: the chart fits under the scores on an A4 page


@narrow_screen_text
def spine_figure(spine: pl.DataFrame, names: dict[str, str], row_height: int = SPINE_ROW_HEIGHT) -> go.Figure:
    """Fingertips-style spine chart: one row per measure on England's range, lowest left, highest right.

    `spine` has SPINE_COLUMNS (one row per measure). Each row shows the England range (light bar),
    the middle half of authorities (darker bar), England's value (a vertical tick), and markers for
    the authority, its region and its statistical neighbours. `names` gives the legend text for the
    keys authority, region and neighbours. Only the `placeable` rows are drawn, each `row_height` pixels.
    """
    spine = placeable(spine)
    if spine.is_empty():
        return empty_figure("No measures for this authority and period.")
    rows = spine.to_dicts()[::-1]  # first measure at the top
    labels = [row["label"] for row in rows]
    figure = go.Figure()
    figure.add_trace(go.Bar(
        y=labels, x=[1.0] * len(rows), base=[0.0] * len(rows), orientation="h", marker={"color": "#E5E5E5"},
        name="England range (lowest to highest)", hoverinfo="skip", width=0.55,
    ))
    q1 = [_position(r["q1"], r["minimum"], r["maximum"]) for r in rows]
    q3 = [_position(r["q3"], r["minimum"], r["maximum"]) for r in rows]
    figure.add_trace(go.Bar(
        y=labels, x=[(b or 0) - (a or 0) for a, b in zip(q1, q3)], base=[a or 0 for a in q1], orientation="h",
        marker={"color": LIGHT_BLUE, "opacity": 0.6}, name="Middle half of authorities (25th to 75th percentile)",
        width=0.55, hoverinfo="skip",
    ))
    figure.add_trace(go.Scatter(
        y=labels, x=[_position(r["england"], r["minimum"], r["maximum"]) for r in rows], mode="markers",
        name="England", marker={"symbol": "line-ns-open", "size": 22, "color": GREY, "line": {"width": 3}},
        customdata=[_fmt(r["england"]) for r in rows], hovertemplate="%{y}: England %{customdata}<extra></extra>",
    ))
    for key in ("neighbours", "region", "authority"):
        style = SERIES_STYLE[key]
        figure.add_trace(go.Scatter(
            y=labels, x=[_position(r[key], r["minimum"], r["maximum"]) for r in rows], mode="markers",
            name=names.get(key, key), marker={"symbol": style["symbol"], "color": style["colour"],
                                              "size": 14 if key == "authority" else 11,
                                              "line": {"color": "white", "width": 1}},
            customdata=[[_fmt(r[key]), _fmt(r["minimum"]), _fmt(r["maximum"])] for r in rows],
            hovertemplate="%{y}: " + names.get(key, key)
            + " %{customdata[0]} (England range %{customdata[1]} to %{customdata[2]})<extra></extra>",
        ))
    base_layout(figure, height=110 + row_height * len(rows), margin={"l": 10, "r": 10, "t": 90, "b": 50}, barmode="overlay")
    figure.update_xaxes(range=[-0.02, 1.02], showticklabels=False, showgrid=False)
    labels_above_rows(figure, labels)
    for x, text, anchor in ((0, "Lowest in England", "left"), (1, "Highest in England", "right")):
        figure.add_annotation(x=x, y=0, xref="x", yref="paper", yshift=-18, text=text, showarrow=False,
                              xanchor=anchor, font={"size": 13, "color": GREY})
    figure.update_layout(legend={"y": 1.0, "yanchor": "bottom", "font": {"size": 12, "family": FONT}})
    return figure



@narrow_screen_text
def comparison_trend_figure(trend: pl.DataFrame, names: dict[str, str], label: str, unit: str) -> go.Figure:
    """The measure over time for the authority, its region, its neighbours' average and England.

    `trend`: series (authority | region | neighbours | england), period, value.
    """
    if trend.filter(pl.col("value").is_not_null()).is_empty():
        return empty_figure("No trend data for this authority and measure.")
    figure = go.Figure()
    for key in ("england", "neighbours", "region", "authority"):
        part = trend.filter(pl.col("series") == key).sort("period")
        if part.is_empty():
            continue
        style = SERIES_STYLE[key]
        figure.add_trace(go.Scatter(
            x=part["period"].to_list(), y=part["value"].to_list(), mode="lines", name=names.get(key, key),
            line={"color": style["colour"], "dash": style["dash"], "width": style["width"]},
            hovertemplate=names.get(key, key) + " %{x|%b %Y}: %{y:.1f}<extra></extra>",
        ))
    base_layout(figure, height=420)
    figure.update_yaxes(title_text=f"{label} ({unit})")
    figure.update_xaxes(tickformat="%b %Y")
    return figure


@narrow_screen_text
def points_lost_figure(components: pl.DataFrame) -> go.Figure:
    """Composite points lost by dimension and rule, largest at the top.

    `components`: dimension, rule_id, points (composite points lost; null where withheld from the viewer),
    and `cause` (the rule in words), which labels the bars when present.
    """
    data = components.filter(pl.col("points") > 0).sort("points")
    if data.is_empty():
        return empty_figure("The points lost are withheld (c): they would give back small counts."
                            if components["points"].null_count()
                            else "No points were lost in this period.")
    causes = data["cause"].to_list() if "cause" in data.columns else data["rule_id"].to_list()
    labels = [f"{d.replace('_', ' ').capitalize()}: {c}" for d, c in zip(data["dimension"], causes)]
    figure = go.Figure(go.Bar(
        x=data["points"].to_list(), y=labels, orientation="h", marker={"color": DARK_BLUE}, width=0.45,
        text=[f"{p:.2f}" for p in data["points"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.2f} points<extra></extra>",
    ))
    base_layout(figure, height=max(220, 80 + 52 * data.height), margin={"l": 10, "r": 50, "t": 30, "b": 50})
    labels_above_rows(figure, labels)
    figure.update_xaxes(title_text="Points of the composite score lost", rangemode="tozero")
    return figure
