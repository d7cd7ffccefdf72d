"""Figures for regional variation: a measure across the 9 regions with intervals, and the funnel plot.

Pure functions of polars frames. Flags in the funnel plot differ by marker shape as well as colour,
and their names are in the legend and hover text.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import (
    AUTHORITY_LINK, DARK_BLUE, DARK_PINK, GREY, ORANGE, axis_title, base_layout, empty_figure, labels_above_rows,
    narrow_screen_text, wrap_text,
)

# flag -> (legend text, colour, marker symbol): shape carries the meaning as well as colour.
FUNNEL_FLAGS: dict[str, tuple[str, str, str]] = {
    "in_control": ("Within the 95% limits", DARK_BLUE, "circle"),
    "low_95": ("Below the 95% limit", ORANGE, "triangle-down"),
    "high_95": ("Above the 95% limit", ORANGE, "triangle-up"),
    "low_998": ("Below the 99.8% limit", DARK_PINK, "diamond"),
    "high_998": ("Above the 99.8% limit", DARK_PINK, "diamond-tall"),
}


@narrow_screen_text
def region_ci_figure(regions: pl.DataFrame, england: float | None, label: str, unit: str) -> go.Figure:
    """Each region's value (dot) with its 95% confidence interval (bar); England as a dashed line.

    `regions`: region_name, value, lower, upper (interval may be null when it cannot be computed).
    """
    data = regions.filter(pl.col("value").is_not_null()).sort("value")
    if data.is_empty():
        return empty_figure("No regional values for this choice.")
    lower = [v - lo if lo is not None else 0 for v, lo in zip(data["value"], data["lower"])]
    upper = [hi - v if hi is not None else 0 for v, hi in zip(data["value"], data["upper"])]
    figure = go.Figure(
        go.Scatter(
            x=data["value"].to_list(), y=data["region_name"].to_list(), mode="markers", name="Region (95% interval)",
            marker={"color": DARK_BLUE, "size": 11, "symbol": "circle"},
            error_x={"type": "data", "symmetric": False, "array": upper, "arrayminus": lower,
                     "color": DARK_BLUE, "thickness": 2, "width": 6},
            customdata=list(zip(data["lower"].to_list(), data["upper"].to_list())),
            hovertemplate="%{y}: %{x:.1f} (95% interval %{customdata[0]:.1f} to %{customdata[1]:.1f})<extra></extra>",
        )
    )
    if england is not None:
        figure.add_vline(x=england, line={"color": GREY, "dash": "dash", "width": 2},
                         annotation_text=f"England {england:.1f}", annotation_position="top")
    base_layout(figure, height=100 + 52 * data.height, margin={"l": 10, "r": 30, "t": 40, "b": 60})
    figure.update_xaxes(title_text=axis_title(label, unit))
    labels_above_rows(figure, data["region_name"].to_list())
    return figure


def _limit_text(value: object) -> str:
    return "-" if value is None else f"{value:.1f}"


def _hover_data(points: pl.DataFrame) -> list[list[str]]:
    """Per point: region, then its 95% and 99.8% limits as text (columns absent or null give '-')."""
    columns = ["lower95", "upper95", "lower998", "upper998"]
    values = {c: points[c].to_list() if c in points.columns else [None] * points.height for c in columns}
    return [[region] + [_limit_text(values[c][i]) for c in columns] for i, region in enumerate(points["region_name"].to_list())]


def funnel_y_range(rates: list[float | None], point_limits: list[float | None],
                   curve_limits: list[float | None]) -> tuple[float, bool]:
    """The top of the funnel plot's y axis, from the data, and whether the limit curves are cut by it.

    The top is 20% above the highest authority's rate (every authority stays on the chart) and at least
    the 99.8% upper limit at the population of nine authorities in ten (`point_limits`, one per
    authority), so the funnel's shape shows. The curves for the very smallest populations, which shoot
    up towards 200, are cut: `clipped` says so, for a note on the chart.
    """
    shown = [r for r in rates if r is not None]
    limits = sorted(u for u in point_limits if u is not None)
    top_rate = max(shown) * 1.2 if shown else 1.0
    typical_limit = limits[int(0.9 * (len(limits) - 1))] if limits else 0.0
    top = max(top_rate, typical_limit, 1.0)
    curve = [u for u in curve_limits if u is not None]
    return top, bool(curve) and max(curve) > top


def funnel_frame(points: pl.DataFrame, limits: pl.DataFrame, target_rate: float | None,
                 decimals: int) -> tuple[go.Figure, pl.DataFrame]:
    """A funnel plot's frame, shared by every funnel: the limit curves and England's line (when known);
    returns the figure and the curves drawn."""
    figure = go.Figure()
    curves = add_limit_curves(figure, points, limits)
    if target_rate is not None:
        figure.add_hline(y=target_rate, line={"color": GREY, "width": 2},
                         annotation_text=f"England {target_rate:.{decimals}f}", annotation_position="top left")
    return figure, curves


def add_limit_curves(figure: go.Figure, points: pl.DataFrame, limits: pl.DataFrame) -> pl.DataFrame:
    """Draw the 95% and 99.8% limit curves on a funnel plot; return the curves drawn.

    Only over the populations there are: the curves shoot up for tiny populations and would squash
    every authority against the axis.
    """
    low_pop, high_pop = points["population"].min() / 1.3, points["population"].max() * 1.3
    curves = limits.filter(pl.col("population").is_between(low_pop, high_pop)).sort("population")
    population = curves["population"].to_list()
    for column, name, dash in (("upper998", "99.8% limits", "dot"), ("lower998", None, "dot"),
                               ("upper95", "95% limits", "dash"), ("lower95", None, "dash")):
        figure.add_trace(go.Scatter(
            x=population, y=curves[column].to_list(), mode="lines", name=name or "", showlegend=name is not None,
            legendgroup=column[-3:], line={"color": GREY, "width": 1.5, "dash": dash}, hoverinfo="skip",
        ))
    return curves


@narrow_screen_text
def funnel_figure(points: pl.DataFrame, limits: pl.DataFrame, target_rate: float | None, label: str,
                  highlight_region: str | None = None, highlight_code: str | None = None) -> go.Figure:
    """Recording rate against population, with the England rate and 95% / 99.8% control limits.

    `points`: authority_code, name, region_name, population, rate, flag. `limits`: population,
    lower95, upper95, lower998, upper998 (the curves). Authorities in `highlight_region` are drawn
    solid and labelled in hover; the others faded, so a region stands out without a new colour. The
    authority `highlight_code` is ringed in black and named beside its marker.
    """
    if points.is_empty():
        return empty_figure("No funnel plot data for this period.")
    figure, curves = funnel_frame(points, limits, target_rate, decimals=1)
    for flag, (text, colour, symbol) in FUNNEL_FLAGS.items():
        part = points.filter(pl.col("flag") == flag)
        if part.is_empty():
            continue
        in_region = part.filter(pl.col("region_name") == highlight_region) if highlight_region else part
        others = part.filter(pl.col("region_name") != highlight_region) if highlight_region else part.clear()
        for subset, solid in ((others, False), (in_region, True)):
            if subset.is_empty():
                continue
            # One legend entry per flag: on the solid markers, or on the faded ones when the region has none
            # (plotly draws no legend entry for a trace without points, so the faded diamonds went unexplained).
            figure.add_trace(go.Scatter(
                x=subset["population"].to_list(), y=subset["rate"].to_list(), mode="markers", name=text,
                legendgroup=flag, showlegend=solid or in_region.is_empty(),
                marker={"color": colour, "symbol": symbol, "size": 10 if solid else 8, "opacity": 1.0 if solid else 0.3,
                        "line": {"color": "white", "width": 0.5}},
                text=subset["name"].to_list(), customdata=_hover_data(subset),
                ids=subset["authority_code"].to_list(), meta=AUTHORITY_LINK,
                hovertemplate=("<b>%{text}</b> (%{customdata[0]})<br>%{y:.1f} per 10,000 a year, population %{x:,.0f}"
                               "<br>95% limits %{customdata[1]} to %{customdata[2]}"
                               "<br>99.8% limits %{customdata[3]} to %{customdata[4]}<extra>" + text + "</extra>"),
            ))
    chosen = points.filter(pl.col("authority_code") == highlight_code) if highlight_code else points.clear()
    for row in chosen.iter_rows(named=True):
        figure.add_trace(go.Scatter(
            x=[row["population"]], y=[row["rate"]], mode="markers+text", name=row["name"], text=[row["name"]],
            textposition="top center", textfont={"size": 13, "color": "#0B0C0C"}, hoverinfo="skip",
            marker={"symbol": "circle-open", "size": 22, "color": "#0B0C0C", "line": {"width": 3}},
            ids=[row["authority_code"]], meta=AUTHORITY_LINK,
        ))
    point_limits = points["upper998"].to_list() if "upper998" in points.columns else []
    top, clipped = funnel_y_range(points["rate"].to_list(), point_limits, curves["upper998"].to_list())
    base_layout(figure, height=520)
    figure.update_xaxes(title_text="Children aged 0 to 17 (population, log scale)", type="log")
    figure.update_yaxes(title_text=axis_title(label, "per 10,000 children a year"), range=[0, top])
    if clipped:
        figure.add_annotation(x=1, y=1, xref="paper", yref="paper", xanchor="right", yanchor="top", showarrow=False,
                              # narrow enough to stay inside the plot's top right corner on a phone
                              text=wrap_text("The 99.8% limits rise above the top of the chart for the smallest populations",
                                             150, 12),
                              align="right", font={"size": 12, "color": GREY})
    return figure
