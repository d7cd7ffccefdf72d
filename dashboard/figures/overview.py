"""Figures for the national overview: the map, scores by region, the national trend by region.

Pure functions of polars frames (and, for the map, a GeoJSON collection): no database, no Dash.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import (
    AUTHORITY_LINK, DARK_BLUE, FONT, GREY, NO_VALUE, SEQUENTIAL, axis_title, base_layout, empty_figure,
    labels_above_rows, narrow_screen_text, wrap_text,
)

# px a small-multiple panel's title may take ('Yorkshire and<br>The Humber'): titles never run together
PANEL_TITLE_WIDTH = 90
LONDON_PREFIX = "E09"  # GSS codes of the London boroughs and the City


def _fmt(value: float | None) -> str:
    return "no data" if value is None or value != value else f"{value:,.1f}"


@narrow_screen_text
def map_figure(values: pl.DataFrame, geojson: dict | str, features: pl.DataFrame, label: str, unit: str) -> go.Figure:
    """England's authorities coloured by `value` (sequential blues; darker = higher).

    `values`: authority_code, name, value (null = no data, drawn grey). `geojson`: the boundaries valid
    in the period, keyed by `properties.gss_code`, as a FeatureCollection or the URL plotly.js fetches
    it from (the app passes a URL, so ~600 kB of shapes is not resent with every callback).
    `features`: gss_code, name of those boundaries (one row per authority drawn).
    """
    if features.is_empty():
        return empty_figure("No boundaries are available for this period.")
    codes = features["gss_code"].to_list()
    drawn = values.filter(pl.col("authority_code").is_in(codes) & pl.col("value").is_not_null())
    london = [code for code in codes if code.startswith(LONDON_PREFIX)]
    figure = go.Figure()
    # England, then London again in an inset (its 33 boroughs are specks at England's scale).
    for geo, shown_codes in (("geo", codes), ("geo2", london)):
        if not shown_codes:
            continue
        names = dict(zip(features["gss_code"].to_list(), features["name"].to_list()))
        # Base layer: every authority in grey, so one without data is visible and says so on hover.
        figure.add_trace(go.Choropleth(
            geojson=geojson, featureidkey="properties.gss_code", geo=geo,
            locations=shown_codes, z=[0] * len(shown_codes),
            colorscale=[[0, NO_VALUE], [1, NO_VALUE]], showscale=False,
            marker={"line": {"color": GREY, "width": 0.5}},
            text=[f"{names[code]}: no value" for code in shown_codes], hoverinfo="text", name="No value",
            meta=AUTHORITY_LINK,
        ))
        part = drawn if geo == "geo" else drawn.filter(pl.col("authority_code").str.starts_with(LONDON_PREFIX))
        if part.height:
            figure.add_trace(go.Choropleth(
                geojson=geojson, featureidkey="properties.gss_code", geo=geo,
                locations=part["authority_code"].to_list(), z=part["value"].to_list(),
                colorscale=SEQUENTIAL, zmin=drawn["value"].min(), zmax=drawn["value"].max(), showscale=geo == "geo",
                colorbar={"title": {"text": axis_title(label, unit).replace(" (", "<br>("), "side": "right"},
                          "thickness": 14, "len": 0.8},
                marker={"line": {"color": "white", "width": 0.5}},
                text=[f"{n}: {_fmt(v)}" for n, v in zip(part["name"], part["value"])],
                hoverinfo="text", name=label, meta=AUTHORITY_LINK,
            ))
    geo_settings = {"fitbounds": "locations", "visible": False, "projection_type": "mercator", "bgcolor": "white"}
    layout: dict = {"geo": {**geo_settings, "domain": {"x": [0, 1], "y": [0, 1]}}}
    if london:
        layout["geo2"] = {**geo_settings, "domain": {"x": [0.0, 0.3], "y": [0.62, 1.0]}, "bgcolor": "white"}
        layout["annotations"] = [{"text": "London", "x": 0.15, "y": 1.0, "xref": "paper", "yref": "paper",
                                  "showarrow": False, "font": {"size": 13, "family": FONT}, "yanchor": "bottom"}]
        layout["shapes"] = [{"type": "rect", "xref": "paper", "yref": "paper", "x0": 0.0, "x1": 0.3, "y0": 0.62,
                             "y1": 1.0, "line": {"color": GREY, "width": 1}}]
    figure.update_layout(
        height=620, margin={"l": 0, "r": 0, "t": 24, "b": 0}, font={"family": FONT, "size": 14},
        paper_bgcolor="white", **layout,
    )
    return figure


@narrow_screen_text
def region_distribution_figure(scores: pl.DataFrame, label: str, unit: str) -> go.Figure:
    """One box (quartiles) per region with every authority as a dot; regions ordered by median.

    `scores`: region_name, name, value.
    """
    data = scores.filter(pl.col("value").is_not_null())
    if data.is_empty():
        return empty_figure("No scores for this period.")
    order = (
        data.group_by("region_name").agg(pl.col("value").median().alias("median"))
        .sort("median", descending=False)["region_name"].to_list()
    )
    figure = go.Figure()
    for region in order:
        part = data.filter(pl.col("region_name") == region)
        figure.add_trace(
            go.Box(
                x=part["value"].to_list(), y=[region] * part.height, name=region, orientation="h",
                boxpoints="all", jitter=0.4, pointpos=0, text=part["name"].to_list(),
                ids=part["authority_code"].to_list() if "authority_code" in part.columns else None,
                meta=AUTHORITY_LINK if "authority_code" in part.columns else None,
                hovertemplate="%{text}: %{x:.1f}<extra>" + region + "</extra>",
                marker={"color": DARK_BLUE, "size": 5, "opacity": 0.7},
                line={"color": DARK_BLUE, "width": 1.5}, fillcolor="rgba(107,172,230,0.25)",
                showlegend=False,
            )
        )
    base_layout(figure, height=80 + 58 * len(order), margin={"l": 10, "r": 20, "t": 30, "b": 60})
    figure.update_xaxes(title_text=axis_title(label, unit))
    labels_above_rows(figure, order)
    return figure


def _panel_axes(index: int, rows: int, columns: int, gap_x: float = 0.04, gap_y: float = 0.14) -> tuple[dict, dict]:
    """Domains of panel `index` (row-major) in a rows x columns grid."""
    row, col = divmod(index, columns)
    width = (1 - gap_x * (columns - 1)) / columns
    height = (1 - gap_y * (rows - 1)) / rows
    x0 = col * (width + gap_x)
    y1 = 1 - row * (height + gap_y)
    clamp = lambda v: min(1.0, max(0.0, round(v, 6)))  # noqa: E731 (float error must not leave [0, 1])
    return {"domain": [clamp(x0), clamp(x0 + width)]}, {"domain": [clamp(y1 - height), clamp(y1)]}


@narrow_screen_text
def region_trend_figure(trend: pl.DataFrame, england: pl.DataFrame, label: str, unit: str) -> go.Figure:
    """Small multiples, one panel per region: the region's line (solid blue) against England (dashed grey).

    `trend`: region_name, period, value. `england`: period, value. One panel each keeps nine lines
    readable without nine colours; every panel has the same scales. (The grid is laid out by hand:
    `make_subplots` costs ~90 ms a call, most of a callback's budget.)
    """
    if trend.is_empty():
        return empty_figure("No trend data for this choice.")
    regions = sorted(trend["region_name"].unique().to_list())
    columns = 3
    rows = math.ceil(len(regions) / columns)
    values = [v for v in trend["value"].to_list() + england["value"].to_list() if v is not None]
    pad = ((max(values) - min(values)) * 0.05 or 1.0) if values else 1.0
    y_range = [min(values) - pad, max(values) + pad] if values else None
    england_sorted = england.sort("period")
    england_x, england_y = england_sorted["period"].to_list(), england_sorted["value"].to_list()
    traces, layout, titles = [], {}, []
    for index, region in enumerate(regions):
        suffix = "" if index == 0 else str(index + 1)
        x_axis, y_axis = _panel_axes(index, rows, columns)
        last_row = index // columns == rows - 1 or index + columns >= len(regions)
        layout[f"xaxis{suffix}"] = {**x_axis, "anchor": f"y{suffix}", "tickformat": "%Y", "tickfont": {"size": 11},
                                    "showticklabels": last_row, "showline": True, "linecolor": GREY,
                                    "gridcolor": "#E5E5E5", **({"matches": "x"} if index else {})}
        layout[f"yaxis{suffix}"] = {**y_axis, "anchor": f"x{suffix}", "range": y_range, "tickfont": {"size": 11},
                                    "showticklabels": index % columns == 0, "showline": True, "linecolor": GREY,
                                    "gridcolor": "#E5E5E5"}
        titles.append({"text": wrap_text(region, PANEL_TITLE_WIDTH, 13), "x": sum(x_axis["domain"]) / 2, "y": y_axis["domain"][1], "xref": "paper",
                       "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                       "font": {"size": 13, "family": FONT}})
        part = trend.filter(pl.col("region_name") == region).sort("period")
        traces.append(go.Scatter(x=england_x, y=england_y, mode="lines", name="England", legendgroup="england",
                                 showlegend=index == 0, xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                                 line={"color": GREY, "width": 1.5, "dash": "dash"},
                                 hovertemplate="England %{x|%b %Y}: %{y:.1f}<extra></extra>"))
        traces.append(go.Scatter(x=part["period"].to_list(), y=part["value"].to_list(), mode="lines", name="Region",
                                 legendgroup="region", showlegend=index == 0, xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                                 line={"color": DARK_BLUE, "width": 2.5},
                                 hovertemplate=region + " %{x|%b %Y}: %{y:.1f}<extra></extra>"))
    titles.append({"text": axis_title(label, unit), "xref": "paper", "yref": "paper", "x": -0.05, "y": 0.5,
                   "textangle": -90, "showarrow": False, "font": {"size": 12}})
    figure = go.Figure(data=traces, layout={**layout, "annotations": titles})
    base_layout(figure, height=240 * rows + 80, margin={"l": 60, "r": 20, "t": 80, "b": 40})
    figure.update_layout(legend={"y": 1.06})
    return figure
