"""Figures for context measures (real published DfE figures) and the per-1,000-referrals funnel.

Pure functions of polars frames. Comparators keep the authority page's styles (dashboard.figures.authority
SERIES_STYLE): shape and dash as well as colour. In the funnel, Prevent priority areas carry a black ring
around their marker (and say so in hover text and the table), so the marker is never colour alone.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.authority import SERIES_STYLE
from dashboard.figures.common import GREY, base_layout, empty_figure, narrow_screen_text
from dashboard.figures.regional import FUNNEL_FLAGS, funnel_frame

PRIORITY_RING = "#0B0C0C"


@narrow_screen_text
def context_trend_figure(series: pl.DataFrame, names: dict[str, str], label: str, unit: str) -> go.Figure:
    """A context measure by published year for the authority, its region, its neighbours' mean and England.

    `series`: series, year, period_label, value (null where the published figure is a symbol).
    """
    data = series.filter(pl.col("value").is_not_null())
    if data.is_empty():
        return empty_figure("No published figures for this authority and measure.")
    figure = go.Figure()
    for key in ("england", "neighbours", "region", "authority"):
        part = series.filter(pl.col("series") == key).sort("year")
        if part.is_empty():
            continue
        style = SERIES_STYLE[key]
        figure.add_trace(go.Scatter(
            x=part["period_label"].to_list(), y=part["value"].to_list(), mode="lines+markers", name=names.get(key, key),
            line={"color": style["colour"], "dash": style["dash"], "width": style["width"]},
            marker={"symbol": style["symbol"], "size": 7, "color": style["colour"]},
            connectgaps=False, hovertemplate=names.get(key, key) + " %{x}: %{y:.1f}<extra></extra>",
        ))
    base_layout(figure, height=360)
    figure.update_yaxes(title_text=unit[:1].upper() + unit[1:], rangemode="tozero")  # the title above names the measure
    figure.update_xaxes(title_text="Year (DfE reporting year ending 31 March)", type="category")
    return figure


@narrow_screen_text
def referral_funnel_figure(points: pl.DataFrame, limits: pl.DataFrame, target_rate: float | None,
                           highlight_region: str | None = None) -> go.Figure:
    """Concerns per 1,000 referrals against referrals (the exposure), with England's rate and 95% / 99.8% limits.

    `points`: name, region_name, population (referrals x months reported / 12), rate, flag, is_priority.
    Priority areas get a ring; authorities in `highlight_region` are drawn solid, others faded.
    """
    if points.is_empty():
        return empty_figure("No authorities with both returns and published referrals for this choice.")
    figure, curves = funnel_frame(points, limits, target_rate, decimals=2)
    for flag, (text, colour, symbol) in FUNNEL_FLAGS.items():
        part = points.filter(pl.col("flag") == flag)
        if part.is_empty():
            continue
        solid_mask = (pl.col("region_name") == highlight_region) if highlight_region else pl.lit(True)
        subsets = [(s, solid) for s, solid in ((part.filter(solid_mask), True), (part.filter(~solid_mask), False)) if s.height]
        for index, (subset, solid) in enumerate(subsets):
            figure.add_trace(go.Scatter(
                x=subset["population"].to_list(), y=subset["rate"].to_list(), mode="markers", name=text,
                legendgroup=flag, showlegend=index == 0,  # one legend entry per result, whichever subset has it
                marker={"color": colour, "symbol": symbol, "size": 10 if solid else 8, "opacity": 1.0 if solid else 0.35,
                        "line": {"color": "white", "width": 0.5}},
                text=[f"{n}{' (Prevent priority area)' if p else ''}" for n, p in zip(subset["name"], subset["is_priority"])],
                customdata=subset["region_name"].to_list(),
                hovertemplate="%{text} (%{customdata}): %{y:.2f} per 1,000 referrals, %{x:,.0f} referrals<extra>" + text + "</extra>",
            ))
    ringed = points.filter(pl.col("is_priority"))
    if ringed.height:
        figure.add_trace(go.Scatter(
            x=ringed["population"].to_list(), y=ringed["rate"].to_list(), mode="markers", name="Prevent priority area (ring)",
            marker={"symbol": "circle-open", "size": 17, "color": PRIORITY_RING, "line": {"width": 2}},
            text=ringed["name"].to_list(), hovertemplate="%{text}: Prevent priority area<extra></extra>",
        ))
    top = max([v for v in points["rate"].to_list() if v is not None] + [v for v in curves["upper998"].to_list() if v is not None] + [0])
    base_layout(figure, height=520)
    figure.update_xaxes(title_text="Referrals to children's social care in the window (log scale)", type="log")
    figure.update_yaxes(title_text="Concerns per 1,000 referrals", range=[0, top * 1.05])
    return figure


@narrow_screen_text
def group_rate_figure(groups: pl.DataFrame, england: float | None, title: str) -> go.Figure:
    """Pooled rate per group (regions, or priority areas and others) with 95% intervals; England dashed.

    `groups`: group, rate, lower, upper.
    """
    data = groups.filter(pl.col("rate").is_not_null()).sort("rate")
    if data.is_empty():
        return empty_figure("No values for this choice.")
    figure = go.Figure(go.Scatter(
        x=data["rate"].to_list(), y=data["group"].to_list(), mode="markers", name=title,
        marker={"color": SERIES_STYLE["authority"]["colour"], "size": 11},
        error_x={"type": "data", "symmetric": False, "array": (data["upper"] - data["rate"]).to_list(),
                 "arrayminus": (data["rate"] - data["lower"]).to_list(), "thickness": 2, "width": 6},
        hovertemplate="%{y}: %{x:.2f} per 1,000 referrals<extra></extra>",
    ))
    if england is not None:
        figure.add_vline(x=england, line={"color": GREY, "dash": "dash", "width": 2},
                         annotation_text=f"England {england:.2f}", annotation_position="top")
    base_layout(figure, height=120 + 32 * data.height, margin={"l": 220, "r": 30, "t": 40, "b": 60})
    figure.update_xaxes(title_text="Concerns per 1,000 referrals (95% interval)", rangemode="tozero")
    return figure
