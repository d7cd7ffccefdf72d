"""Page 2, Regional variation: a measure across the 9 regions with 95% intervals, the funnel plot of
recording rate against population, and a sortable table of the authorities in a chosen region.

State in the URL: `/regional?period=2026-10&window=rolling12&measure=composite&rate=rate_total_per_10k&region=E12000001
&sort=composite&order=asc`.
"""

from __future__ import annotations

from datetime import date

import dash
import polars as pl
from dash import Input, Output, callback, html

from dashboard import components, database, downloads, ids, state, summaries
from dashboard import context_panel  # issue 11: per-1,000-referrals funnel (registers its callback)
from dashboard.figures import regional as figures
from dashboard.figures.regional import FUNNEL_FLAGS
from dashboard.queries import common, regional as queries
from etl.periods import format_period

dash.register_page(__name__, path="/regional", name="Regional variation", title="Regional variation", order=2)

URL_STORE = "regional-url"
DEFAULT_MEASURE = "composite"
DEFAULT_RATE = "rate_total_per_10k"


def _periods() -> list[date]:
    return database.cached(("periods",), common.periods)


def _measures() -> list[str]:
    return database.cached(("measures",), common.measures)


def _rates() -> list[str]:
    return [m for m in _measures() if common.is_rate(m)]


def _regions() -> dict[str, str]:
    frame = database.cached(("regions",), common.regions)
    return dict(frame.iter_rows())


# ---- sections ---------------------------------------------------------------------------------------

def intervals_section(period: object, window: object, measure: object) -> html.Section:
    p = state.check_period(period, _periods())
    w = state.check_window(window)
    m = state.check_choice(measure, _measures(), "measure")
    return database.cached(("regional.ci", p, w, m), lambda con: _intervals(con, p, w, m))


def _intervals(con, period: date, window: str, measure: str) -> html.Section:
    regions = queries.region_intervals(con, period, window, measure)
    england = queries.england_value(con, period, window, measure)
    label, unit = common.measure_name(measure), common.unit(measure)
    summary = summaries.intervals_against_england(regions, england)
    method = ("exact Poisson interval on the region's count of concerns" if common.is_rate(measure)
              else "Wilson score interval on the region's count out of its count" if common.is_share(measure)
              else "t interval of the mean of the region's authority scores")
    return components.chart_card(
        "regional-ci", title=f"{label} by region, {components.window_phrase(window, period)}",
        caption=(f"Each dot is a region's value ({unit}); the bar is its 95% confidence interval ({method}). "
                 "The dashed line is England. A region whose bar does not cross the line differs from England by "
                 "more than chance alone would explain."),
        figure=figures.region_ci_figure(regions, england, label, unit),
        table_frame=regions.select("region_name", "value", "lower", "upper", "basis", "disclosure"),
        summary=summary, graph_id=ids.REGIONAL_CI,
        labels={"region_name": "Region", "value": label, "lower": "95% interval, lower", "upper": "95% interval, upper",
                "basis": "Based on"},
        filename=f"{measure}-by-region-{window}-{format_period(period)}",
        download={"period": period, "window": window, "measure": measure},
    )


NO_AUTHORITY = "none"  # the highlight control's "no authority" choice


def _authority_choices() -> dict[str, str]:
    """The highlight control's allow-list: 'none', then every authority by name (code -> label)."""
    frame = database.cached(("authorities",), common.authorities)
    return {NO_AUTHORITY: "No authority", **{row["gss_code"]: f"{row['name']} ({row['gss_code']})"
                                              for row in frame.iter_rows(named=True)}}


def funnel_section(period: object, rate: object, region: object, code: object = NO_AUTHORITY) -> html.Section:
    p = state.check_period(period, _periods())
    r = state.check_choice(rate, _rates(), "recording rate")
    g = state.check_choice(region, list(_regions()), "region")
    c = state.check_choice(code, list(_authority_choices()), "authority")
    return database.cached(("regional.funnel", p, r, g, c), lambda con: _funnel(con, p, r, g, c))


def _funnel(con, period: date, rate: str, region: str, code: str = NO_AUTHORITY) -> html.Section:
    points = queries.funnel_points(con, period, rate)
    limits = queries.funnel_limits(con, period, rate)
    label = common.measure_label(rate)
    target = points["target_rate"].drop_nulls()
    target_rate = float(target[0]) if target.len() else None
    region_name = _regions()[region]
    counts = dict(points.group_by("flag").len().iter_rows())
    outside = [f"{counts[f]} {FUNNEL_FLAGS[f][0].lower()}" for f in FUNNEL_FLAGS if f != "in_control" and counts.get(f)]
    summary = (f"{points.height} authorities; " + (", ".join(outside) if outside else "all within the 95% limits")
               + ". " + _flag_names(points.filter(pl.col("region_name") == region_name), region_name))
    table = points.with_columns(
        pl.col("flag").replace_strict({k: v[0] for k, v in FUNNEL_FLAGS.items()}, default=pl.col("flag")).alias("flag_text")
    ).select("name", "authority_code", "region_name", "observed", "population", "rate", "lower95", "upper95",
             "lower998", "upper998", "flag_text", "disclosure")
    return components.chart_card(
        "regional-funnel", title=f"{label}: funnel plot, the 12 months to {components.month_label(period)}",
        caption=("Each marker is an authority: its recording rate against its population of children. The solid line "
                 "is England's rate; the dashed and dotted curves are the 95% and 99.8% control limits, which narrow "
                 "as population grows. Authorities outside the 99.8% limits (diamonds) differ from England by more than "
                 f"chance; below them may mean under-recording. Authorities in {region_name} are drawn solid, others faded. "
                 "The significantly low or high flags on the authority page compare an authority with authorities of "
                 "the same region and Prevent priority-area status, so they can differ from this chart; each flag's "
                 "text gives both rates (see Methodology)."),
        figure=figures.funnel_figure(points, limits, target_rate, label, highlight_region=region_name,
                                     highlight_code=None if code == NO_AUTHORITY else code),
        table_frame=table, summary=summary, graph_id=ids.REGIONAL_FUNNEL,
        labels={"name": "Authority", "authority_code": "Code", "region_name": "Region", "observed": "Concerns",
                "population": "Children-years", "rate": "Rate per 10,000", "lower95": "95% lower", "upper95": "95% upper",
                "lower998": "99.8% lower", "upper998": "99.8% upper", "flag_text": "Result"},
        filename=f"funnel-{rate}-{format_period(period)}",
        download={"period": period, "rate": rate, "region": region, "code": code},
    )


def _flag_names(points: pl.DataFrame, region_name: str) -> str:
    flagged = points.filter(pl.col("flag") != "in_control")
    if flagged.is_empty():
        return f"In {region_name} every authority is within the 95% limits."
    parts = [f"{row['name']} ({FUNNEL_FLAGS.get(row['flag'], (row['flag'],))[0].lower()})" for row in flagged.iter_rows(named=True)]
    return f"In {region_name}: " + "; ".join(parts) + "."


ORDERS = {"asc": "Lowest first", "desc": "Highest first"}
FIXED_COLUMNS = {"name": "Authority", "authority_code": "Code", "band": "Band", "funnel_flag": "Recording rate result"}


def sort_columns() -> dict[str, str]:
    """Columns the region table can be sorted by (the allow-list for `sort`), with their headings."""
    return {**FIXED_COLUMNS, **{m: common.measure_label(m) for m in _measures()}}


def table_section(period: object, window: object, region: object, sort: object = "composite",
                  order: object = "asc") -> html.Div:
    p = state.check_period(period, _periods())
    w = state.check_window(window)
    g = state.check_choice(region, list(_regions()), "region")
    column = state.check_choice(sort, list(sort_columns()), "sort column")
    direction = state.check_choice(order, list(ORDERS), "sort order")
    table = database.cached(("regional.table", p, w, g), lambda con: _table_frame(con, p, w, g))
    return _table(table, p, w, g, column, direction)


def _table_frame(con, period: date, window: str, region: str) -> pl.DataFrame:
    table = queries.region_table(con, period, window, region, _measures())
    return table.with_columns(
        pl.col("funnel_flag").replace_strict({k: v[0] for k, v in FUNNEL_FLAGS.items()}, default=pl.col("funnel_flag"))
    )


def _table(table: pl.DataFrame, period: date, window: str, region: str, column: str, direction: str) -> html.Div:
    """A plain HTML table sorted server-side: keyboard and screen-reader friendly (aria-sort on the
    sorted column), unlike a grid whose sort arrows cannot be reached with the Tab key; each authority's
    name links to its benchmark page for the same period."""
    ordered = table.sort(column, descending=direction == "desc", nulls_last=True)
    headings = sort_columns()
    region_name = _regions()[region]
    caption = (f"Authorities in {region_name}, {components.window_phrase(window, period)}, "
               f"sorted by {headings[column].lower()}, {ORDERS[direction].lower()}")
    links = [state.build_href("/authority", {"code": code, "period": period, "window": window})
             for code in ordered["authority_code"].to_list()]
    table = components.data_table(ordered.select([*headings, *[c for c in ('disclosure',) if c in ordered.columns]]), caption, ids.REGIONAL_TABLE, labels=headings, links=links,
                                  sort=(column, "ascending" if direction == "asc" else "descending"))
    return html.Div(
        [
            html.H3(f"Authorities in {region_name}, {components.window_phrase(window, period)}", className="govuk-heading-s"),
            html.P("Scores are out of 100; rates are per 10,000 children a year. Use 'Sort the table by' to reorder it.",
                   className="govuk-hint"),
            table,
            components.download_buttons(ordered, f"authorities-{components.slug(region_name)}-{window}-{format_period(period)}",
                                        "this table", name="regional-table",
                                        params={"period": period, "window": window, "region": region,
                                                "sort": column, "order": direction}),
        ]
    )


# Each chart's and the table's download links ask the server for the section again (dashboard.downloads).
downloads.register("regional-ci", intervals_section, "period", "window", "measure")
downloads.register("regional-funnel", funnel_section, "period", "rate", "region", "code")
downloads.register("regional-table", table_section, "period", "window", "region", "sort", "order")


# ---- layout -----------------------------------------------------------------------------------------

def layout(period: str | None = None, window: str | None = None, measure: str | None = None,
           rate: str | None = None, region: str | None = None, sort: str | None = None, order: str | None = None,
           code: str | None = None, **_other: str) -> html.Div:
    periods = _periods()
    measures, rates, regions = _measures(), _rates(), _regions()
    chosen_period = state.pick_period(period, periods)
    return components.page_body(
        "Regional variation", not periods or not measures, ids.REGIONAL_MESSAGE,
        [
            html.P("How recording quality and recording rates differ between England's nine regions, and which "
                   "authorities stand out.", className="lead"),
            html.Div(
                [
                    components.control("Month", ids.REGIONAL_PERIOD, components.period_options(periods),
                                       format_period(chosen_period) if chosen_period else None, searchable=True),
                    components.control("Period", ids.REGIONAL_WINDOW, components.window_options(),
                                       state.pick(window, state.WINDOWS, state.DEFAULT_WINDOW)),
                    components.control("Measure to compare", ids.REGIONAL_MEASURE,
                                       [{"label": common.measure_label(m), "value": m} for m in measures],
                                       state.pick(measure, measures, components.default_choice(measures, DEFAULT_MEASURE)),
                                       width="col-12 col-md-6"),
                ],
                className="row no-print", role="group", **{"aria-label": "Choose the month, period and measure"},
            ),
            html.H2("The regions compared", className="govuk-heading-m"),
            html.Div(id=ids.REGIONAL_CI_SECTION),
            html.H2("Recording rate against population", className="govuk-heading-m"),
            html.Div(
                [
                    components.control("Recording rate", ids.REGIONAL_FUNNEL_MEASURE,
                                       [{"label": common.measure_label(m), "value": m} for m in rates],
                                       state.pick(rate, rates, components.default_choice(rates, DEFAULT_RATE)),
                                       width="col-12 col-md-6"),
                    components.control("Region", ids.REGIONAL_REGION,
                                       [{"label": name, "value": code} for code, name in regions.items()],
                                       state.pick(region, regions, next(iter(regions), None)), searchable=True),
                    components.control("Authority to mark (type a name or code)", ids.REGIONAL_AUTHORITY,
                                       [{"label": label, "value": value} for value, label in _authority_choices().items()],
                                       state.pick(code, _authority_choices(), NO_AUTHORITY), searchable=True,
                                       width="col-12 col-md-6"),
                ],
                className="row no-print", role="group", **{"aria-label": "Choose the rate, the region and an authority to mark"},
            ),
            state.url_store(URL_STORE),
            html.Div(id=ids.REGIONAL_FUNNEL_SECTION),
            context_panel.referrals_funnel_block(_other.get("priority")),  # issue 11: concerns per 1,000 referrals, priority areas
            html.H2("Authorities in the region", className="govuk-heading-m"),
            html.Div(
                [
                    components.control("Sort the table by", ids.REGIONAL_SORT,
                                       [{"label": label, "value": name} for name, label in sort_columns().items()],
                                       state.pick(sort, sort_columns(), components.default_choice(measures, "composite") or "name"),
                                       width="col-12 col-md-6"),
                    components.control("Order", ids.REGIONAL_ORDER,
                                       [{"label": label, "value": value} for value, label in ORDERS.items()],
                                       state.pick(order, ORDERS, "asc")),
                ],
                className="row no-print", role="group", **{"aria-label": "Sort the table"},
            ),
            html.Div(id=ids.REGIONAL_TABLE_SECTION),
        ]
    )


state.sync_url(URL_STORE, {"period": ids.REGIONAL_PERIOD, "window": ids.REGIONAL_WINDOW, "measure": ids.REGIONAL_MEASURE, "rate": ids.REGIONAL_FUNNEL_MEASURE, "region": ids.REGIONAL_REGION, "code": ids.REGIONAL_AUTHORITY, "sort": ids.REGIONAL_SORT, "order": ids.REGIONAL_ORDER,
                          "priority": context_panel.REGIONAL_PRIORITY_FILTER})  # issue 11: the priority-area filter in the link


# ---- callbacks --------------------------------------------------------------------------------------

@callback(Output(ids.REGIONAL_CI_SECTION, "children"), Input(ids.REGIONAL_PERIOD, "value"),
          Input(ids.REGIONAL_WINDOW, "value"), Input(ids.REGIONAL_MEASURE, "value"))
def update_intervals(period: object, window: object, measure: object) -> object:
    return components.guarded(intervals_section, period, window, measure)


@callback(Output(ids.REGIONAL_FUNNEL_SECTION, "children"), Input(ids.REGIONAL_PERIOD, "value"),
          Input(ids.REGIONAL_FUNNEL_MEASURE, "value"), Input(ids.REGIONAL_REGION, "value"),
          Input(ids.REGIONAL_AUTHORITY, "value"))
def update_funnel(period: object, rate: object, region: object, code: object) -> object:
    return components.guarded(funnel_section, period, rate, region, code)


@callback(Output(ids.REGIONAL_TABLE_SECTION, "children"), Input(ids.REGIONAL_PERIOD, "value"),
          Input(ids.REGIONAL_WINDOW, "value"), Input(ids.REGIONAL_REGION, "value"),
          Input(ids.REGIONAL_SORT, "value"), Input(ids.REGIONAL_ORDER, "value"))
def update_table(period: object, window: object, region: object, sort: object, order: object) -> object:
    return components.guarded(table_section, period, window, region, sort, order)
