"""Figures for the Returns page: pure functions of polars frames (no database, no callbacks).

`returns_grid_table` draws the authorities x months grid as an HTML table (each cell has a colour
AND a letter, and a title with the full state), `returns_state_figure` the national count of
returns in each state by month, `issue_counts_figure` how often each validation rule fired.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
from html import escape

from dash import dcc, html

from dashboard.figures.common import (
    DARK_BLUE, DARK_PINK, FONT, GREY, LIGHT_GREY, NO_VALUE, ORANGE, TURQUOISE, labels_above_rows,
    narrow_screen_text,
)
from etl.periods import format_period

# The one palette (dashboard.figures.common, Government Analysis Function, colour-blind safe); the
# letter carries the meaning too.
STATE_STYLE: dict[str, dict[str, str]] = {
    "accepted": {"letter": "A", "label": "Accepted", "colour": DARK_BLUE},
    "queried": {"letter": "Q", "label": "Queried", "colour": TURQUOISE},
    "late": {"letter": "L", "label": "Late", "colour": ORANGE},
    "rejected": {"letter": "R", "label": "Rejected", "colour": DARK_PINK},
    "missing": {"letter": "M", "label": "Missing", "colour": LIGHT_GREY},
    "not_due": {"letter": "·", "label": "Not yet due", "colour": NO_VALUE},
}
# The exceptions: drawn on their own scale, so a handful late or missing is not a sliver under 150 accepted.
EXCEPTIONS = ("queried", "late", "rejected", "missing")
SEVERITY_COLOUR = {"error": DARK_PINK, "query": DARK_BLUE}


def _month_label(period: date) -> str:
    from dashboard.components import month_label

    return month_label(period, short=True)


def _cell_title(row: dict) -> str:
    """Hover text and accessible description of one cell."""
    label = STATE_STYLE[row["state"]]["label"]
    text = f"{row['authority_name']}, {_month_label(row['period'])}: {label}"
    if row["state"] == "late" and row.get("days_late") is not None:
        text += f", {row['days_late']} days after the deadline"
        if row.get("return_status") == "queried":
            text += " (loaded with queries)"
    if row["state"] == "rejected":
        text += f" ({row['rejected_files']} rejected file{'s' if row['rejected_files'] != 1 else ''})"
    return text


def returns_legend() -> html.Ul:
    """The key to the grid: swatch with its letter, and the words."""
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(style["letter"], className=f"swatch cell-{state}", **{"aria-hidden": "true"}),
                    html.Span(f"{style['letter']} = {style['label']}"),
                ]
            )
            for state, style in STATE_STYLE.items()
        ],
        className="returns-legend",
        **{"aria-label": "Key to the returns grid"},
    )


# Dash 4 renders each html.* element through its own wrapper, so a table of ~2,000 cells takes
# seconds to appear; the grid is therefore HTML written here (every value escaped) and rendered by
# dcc.Markdown, which draws plain DOM (see dashboard.components.data_table).


def _cell(tag: str, text: str, **attrs: str) -> str:
    # Whitespace collapsed: a blank line in a value would end dcc.Markdown's HTML block (see components._th_td).
    one_line = lambda value: escape(" ".join(value.split()))  # noqa: E731
    rendered = "".join(f' {name.rstrip("_").replace("_", "-")}="{one_line(value)}"' for name, value in attrs.items())
    return f"<{tag}{rendered}>{one_line(text)}</{tag}>"


def grid_html(grid: pl.DataFrame) -> str:
    """The grid as an HTML table: a heading row per region, a row per authority, a cell per month.

    Every value (names, codes, titles) is escaped; the markup itself is fixed here.
    """
    periods = sorted(grid["period"].unique().to_list())
    column = {period: index for index, period in enumerate(periods)}
    parts = [
        '<table class="returns-grid"><caption class="visually-hidden">'
        + escape(f"Return state by authority and month, {_month_label(periods[0])} to {_month_label(periods[-1])}")
        + "</caption><thead><tr>"
        + _cell("th", "Authority", scope="col")
        + "".join(_cell("th", _month_label(p), scope="col") for p in periods)
        + "</tr></thead><tbody>"
    ]
    ordered = grid.sort("region_name", "authority_name", "authority_code", "period")
    region, code, name_cell, cells = None, None, "", []

    def flush() -> None:
        if code is not None:
            parts.append("<tr>" + name_cell + "".join(cells) + "</tr>")

    for row in ordered.iter_rows(named=True):
        if row["authority_code"] != code:
            flush()
            if row["region_name"] != region:
                region = row["region_name"]
                parts.append(
                    '<tr class="region-row">'
                    + _cell("th", region, colspan=str(len(periods) + 1), scope="rowgroup")
                    + "</tr>"
                )
            code = row["authority_code"]
            name_cell = _cell("th", row["authority_name"], scope="row", title=code)
            cells = [
                _cell("td", "", title=f"{row['authority_name']} did not exist in {_month_label(p)}") for p in periods
            ]
        style = STATE_STYLE[row["state"]]
        # Only cells with something to add get a title: 'A' says all there is about an accepted return.
        extra = {} if row["state"] == "accepted" else {"title": _cell_title(row)}
        cells[column[row["period"]]] = _cell("td", style["letter"], class_=f"cell-{row['state']}", **extra)
    flush()
    parts.append("</tbody></table>")
    return "".join(parts)


def returns_grid_table(grid: pl.DataFrame) -> dcc.Markdown | html.P:
    """Authorities (rows, grouped under a heading row per region) by months (columns).

    Expects the columns of `dashboard.queries.returns.returns_grid`. A month an authority did not
    exist in (before or after a reorganisation) is an empty cell.
    """
    if grid.is_empty():
        return html.P("No returns are owed in the months chosen.")
    # Safe: grid_html escapes every value; the only markup is the fixed table structure above.
    return dcc.Markdown(grid_html(grid), dangerously_allow_html=True)


def state_counts(grid: pl.DataFrame) -> pl.DataFrame:
    """Returns in each state by month: period (YYYY-MM), state, label, returns. Exactly what is drawn."""
    if grid.is_empty():
        return pl.DataFrame(schema={"period": pl.String, "state": pl.String, "label": pl.String, "returns": pl.UInt32})
    order = list(STATE_STYLE)
    counts = grid.group_by("period", "state").len("returns")
    return (
        counts.with_columns(
            pl.col("period").map_elements(format_period, return_dtype=pl.String),
            pl.col("state").replace_strict({s: STATE_STYLE[s]["label"] for s in order}).alias("label"),
            pl.col("state").replace_strict({s: i for i, s in enumerate(order)}).alias("_order"),
        )
        .sort("period", "_order")
        .select("period", "state", "label", "returns")
    )


@narrow_screen_text
def returns_state_figure(counts: pl.DataFrame) -> go.Figure:
    """Stacked bars of the exceptions each month: returns queried, late, rejected or missing (accepted
    returns, the large majority, are in the hover text and the table, not the bars, so a few exceptions
    are bars that can be seen rather than slivers)."""
    figure = go.Figure()
    accepted = dict(counts.filter(pl.col("state") == "accepted").select("period", "returns").iter_rows())
    months = sorted(counts["period"].unique().to_list()) if counts.height else []
    for state in EXCEPTIONS:
        style = STATE_STYLE[state]
        part = dict(counts.filter(pl.col("state") == state).select("period", "returns").iter_rows())
        if not part:
            continue
        figure.add_bar(
            x=months,
            y=[part.get(month, 0) for month in months],
            name=f"{style['letter']} {style['label']}",
            marker={"color": style["colour"], "line": {"color": "#0b0c0c", "width": 0.5}},
            customdata=[accepted.get(month, 0) for month in months],
            hovertemplate="%{x}: %{y} " + style["label"].lower() + " (%{customdata} accepted)<extra></extra>",
        )
    if not figure.data:
        figure.add_annotation(text="Every return owed in these months was accepted", showarrow=False,
                              font={"size": 16, "color": GREY}, xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_layout(
        barmode="stack",
        font={"family": FONT, "color": "#0b0c0c", "size": 14},
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        height=380,
        # above the plot, as on every other chart: below it, the entries ran over the months and the axis title
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        yaxis={"title": {"text": "Returns not accepted on time"}, "gridcolor": "#e5e6e7", "rangemode": "tozero",
               "dtick": 1 if max((sum(t.y) for t in figure.data), default=0) <= 10 else None},
        xaxis={"type": "category", "title": {"text": "Month"}},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )
    return figure


@narrow_screen_text
def issue_counts_figure(counts: pl.DataFrame, rule_titles: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars: issues per validation rule, most frequent at the top; each bar named by the
    rule's title in the standard (from `rule_titles`) with its id and severity."""
    figure = go.Figure()
    if counts.is_empty():
        figure.add_annotation(text="No validation issues in these months", showarrow=False, font={"size": 16})
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    else:
        ordered = counts.sort("issues")
        titles = rule_titles or {}
        labels = [f"{titles[rule]} ({rule}, {severity})" if rule in titles else f"{rule} ({severity})"
                  for rule, severity in zip(ordered["rule_id"], ordered["severity"])]
        figure.add_bar(
            x=ordered["issues"].to_list(),
            y=labels,
            orientation="h",
            marker={"color": [SEVERITY_COLOUR.get(s, "#505a5f") for s in ordered["severity"]]},
            text=ordered["issues"].to_list(),
            textposition="outside", cliponaxis=False, width=0.45,
            hovertemplate="%{y}: %{x} issues<extra></extra>",
        )
    figure.update_layout(
        font={"family": FONT, "color": "#0b0c0c", "size": 14},
        margin={"l": 10, "r": 40, "t": 30, "b": 40},
        height=max(240, 52 * counts.height + 80),
        xaxis={"title": {"text": "Issues"}, "gridcolor": "#e5e6e7"},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        showlegend=False,
    )
    if not counts.is_empty():
        labels_above_rows(figure, labels)  # after the height: long labels add to it
    return figure
