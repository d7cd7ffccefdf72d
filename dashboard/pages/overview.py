"""Page 1, National overview: headline figures for a month, a map of a chosen measure, the spread of
scores by region and the trend in each region against England.

The period, the period type (month or rolling 12 months) and the measure live in the URL
(`/?period=2026-10&window=rolling12&measure=composite`). Thin: data from `dashboard.queries`,
pictures from `dashboard.figures`; each callback validates its inputs first.
"""

from __future__ import annotations

from datetime import date

import dash
import polars as pl
from dash import Input, Output, callback, html

from dashboard import components, database, downloads, findings, ids, state, summaries
from dashboard.figures import overview as figures
from dashboard.queries import common, overview as queries
from dashboard.queries.geometry import boundaries_url, boundary_names
from etl.periods import add_months, format_period

dash.register_page(__name__, path="/", name="National overview", title="National overview", order=1)

URL_STORE = "overview-url"
DEFAULT_MEASURE = "composite"


def _periods() -> list[date]:
    return database.cached(("periods",), common.periods)


def _measures() -> list[str]:
    return database.cached(("measures",), common.measures)


def _inputs(period: object, window: object) -> tuple[date, str]:
    """Validate the controls' values (a crafted request gets InvalidInputError, shown as a message)."""
    return state.check_period(period, _periods()), state.check_window(window)


def _inputs_with_measure(period: object, window: object, measure: object) -> tuple[date, str, str]:
    """As `_inputs`, and the measure, which must be one on offer (None included: never a 500)."""
    checked_period, checked_window = _inputs(period, window)
    return checked_period, checked_window, state.check_choice(measure, _measures(), "measure")


# ---- sections (pure of Dash callbacks: tests and the benchmark call them directly) -------------------

def tiles_section(period: object, window: object) -> html.Div:
    p, w = _inputs(period, window)
    return database.cached(("overview.tiles", p, w), lambda con: _tiles(con, p, w))


def _tiles(con, period: date, window: str) -> html.Div:
    states = queries.returns_states(con, period)
    head = queries.headline(con, period, window)
    expected = sum(count for state_name, count in states.items() if state_name != "not_due")
    received = sum(states.get(s, 0) for s in ("accepted", "queried", "late"))
    composite, previous = head["composite"], head["previous_composite"]
    if composite is not None and previous is not None:
        change = composite - previous
        direction = "up" if change > 0.05 else "down" if change < -0.05 else "no change"
        change_text = (f"{direction} {abs(change):.1f} points on {components.month_label(add_months(period, -1))}"
                       if direction != "no change" else f"no change on {components.month_label(add_months(period, -1))}")
    else:
        change_text = "no earlier month to compare"
    label = components.month_label(period)
    flags_now = findings.findings(queries.flagged(con, period))
    flags_before = findings.findings(queries.flagged(con, add_months(period, -1)))
    low_names = findings.name_list(flags_now.filter(pl.col("flag_type") == "significantly_low")["name"].to_list())
    return html.Div(
        [
            html.H2(f"Returns for {label}", className="govuk-heading-m"),
            html.Div(
                [
                    components.tile("Returns expected", f"{expected:,}", "authorities owing a return"),
                    components.tile("Received and loaded", f"{received:,}",
                                    f"{states.get('queried', 0)} with queries, {states.get('late', 0)} late"),
                    components.tile("Late", f"{states.get('late', 0):,}", "received after the deadline"),
                    components.tile("Rejected or missing", f"{states.get('rejected', 0) + states.get('missing', 0):,}",
                                    f"{states.get('rejected', 0)} rejected, {states.get('missing', 0)} missing"),
                ],
                className="row",
            ),
            html.H2(f"Recording quality, {components.window_phrase(window, period)}", className="govuk-heading-m"),
            html.Div(
                [
                    components.tile("National composite score", "no score" if composite is None else f"{composite:.1f}",
                                    f"out of 100; {change_text}"),
                    components.tile("Authorities flagged low", f"{head['flagged_low'] or 0:,}",
                                    ("recording rate significantly below England (99.8% limit): " + low_names)
                                    if low_names else "recording rate significantly below England (99.8% limit)"),
                ],
                className="row",
            ),
            findings_list(flags_now, flags_before, period, window),
        ],
        id=ids.OVERVIEW_TILES + "-content",
    )


def findings_list(flags_now: pl.DataFrame, flags_before: pl.DataFrame, period: date, window: str) -> html.Section:
    """The flags that suggest incomplete recording, each naming the authority (a link to its benchmark
    for the same period), the flag in words and the number behind it; then what changed since last month."""
    concerning = findings.concerning(flags_now)
    raised, cleared = findings.changes(findings.concerning(flags_now), findings.concerning(flags_before))
    changed = findings.changes_sentence(raised, cleared, components.month_label(add_months(period, -1)))
    heading_id = ids.OVERVIEW_FINDINGS + "-title"
    if concerning.is_empty():
        body = [html.P(f"No authority has a flag suggesting incomplete recording in {components.month_label(period)}.")]
    else:
        table = concerning.with_columns(
            (pl.col("flag_label") + pl.when(pl.col("measure").is_not_null()).then(
                pl.lit(" (") + pl.col("measure").replace_strict(
                    {m: common.measure_name(m) for m in concerning["measure"].drop_nulls().unique().to_list()},
                    default=pl.col("measure")) + pl.lit(")")).otherwise(pl.lit(""))).alias("flag_text"),
            pl.coalesce(pl.col("detail"), pl.col("value").cast(pl.String)).alias("number"),
        )
        links = [state.build_href("/authority", {"code": code, "period": period, "window": window})
                 for code in table["authority_code"].to_list()]
        caption = f"Flags suggesting incomplete recording, {components.month_label(period)}"
        body = [components.data_table(table, caption, ids.OVERVIEW_FINDINGS + "-table", links=links, labels={
            "name": "Authority", "region_name": "Region", "flag_text": "Flag", "number": "The number behind it"})]
    return html.Section(
        [html.H2("Findings", id=heading_id, className="govuk-heading-m"),
         html.P(f"{concerning.height} flags suggest incomplete recording in {components.month_label(period)}. {changed}"),
         *body],
        id=ids.OVERVIEW_FINDINGS, **{"aria-labelledby": heading_id},
    )


def map_section(period: object, window: object, measure: object) -> html.Section:
    p, w, m = _inputs_with_measure(period, window, measure)
    return database.cached(("overview.map", p, w, m), lambda con: _map(con, p, w, m))


def _map(con, period: date, window: str, measure: str) -> html.Section:
    values = queries.authority_values(con, period, window, measure)
    label, unit = common.measure_name(measure), common.unit(measure)
    summary = summaries.extremes(values)
    return components.chart_card(
        "overview-map", title=f"{label} by authority, {components.window_phrase(window, period)}",
        caption=(f"Each of England's authorities shaded by its {label[:1].lower() + label[1:]} ({unit}); darker blue is higher. "
                 "Authorities drawn in pale grey have no value for this period. London's boroughs are drawn again, "
                 "enlarged, top left. Boundaries are those in force in "
                 f"{components.month_label(period)}."),
        figure=figures.map_figure(values, boundaries_url(period), boundary_names(period), label, unit),
        table_frame=values.rename({"value": measure}), summary=summary, graph_id=ids.OVERVIEW_MAP,
        labels={"name": "Authority", "authority_code": "Code", "region_name": "Region", measure: label},
        filename=f"{measure}-by-authority-{window}-{format_period(period)}",
        download={"period": period, "window": window, "measure": measure},
    )


def distribution_section(period: object, window: object, measure: object) -> html.Section:
    p, w, m = _inputs_with_measure(period, window, measure)
    return database.cached(("overview.distribution", p, w, m), lambda con: _distribution(con, p, w, m))


def _distribution(con, period: date, window: str, measure: str) -> html.Section:
    values = queries.authority_values(con, period, window, measure).filter(pl.col("value").is_not_null())
    label, unit = common.measure_name(measure), common.unit(measure)
    summary = summaries.spread(values)
    return components.chart_card(
        "overview-distribution", title=f"{label}: spread within each region, {components.window_phrase(window, period)}",
        caption=("Each dot is an authority. The box spans the middle half of the region's authorities and the line "
                 "inside it is the median. Regions are ordered by their median, lowest at the bottom."),
        figure=figures.region_distribution_figure(values, label, unit),
        table_frame=values.select("region_name", "name", "authority_code", "value").sort("region_name", "value"),
        summary=summary, graph_id=ids.OVERVIEW_DISTRIBUTION,
        labels={"region_name": "Region", "name": "Authority", "authority_code": "Code", "value": label},
        filename=f"{measure}-distribution-by-region-{window}-{format_period(period)}",
        download={"period": period, "window": window, "measure": measure},
    )


def trend_section(window: object, measure: object) -> html.Section:
    w = state.check_window(window)
    m = state.check_choice(measure, _measures(), "measure")
    return database.cached(("overview.trend", w, m), lambda con: _trend(con, w, m))


def _trend(con, window: str, measure: str) -> html.Section:
    regions = queries.region_trend(con, window, measure)
    england = queries.england_trend(con, window, measure)
    label, unit = common.measure_name(measure), common.unit(measure)
    summary = summaries.regions_against_england(regions, england)
    table = pl.concat([regions, england.with_columns(pl.lit("England").alias("region_name")).select(regions.columns)])
    return components.chart_card(
        "overview-trend", title=f"{label} over time, each region against England",
        caption=("One panel per region: the region's value (solid blue line) against England's (dashed grey line), "
                 f"{'each point the 12 months ending in that month' if window == 'rolling12' else 'month by month'}."),
        figure=figures.region_trend_figure(regions, england, label, unit),
        table_frame=table.sort("region_name", "period"), summary=summary, graph_id=ids.OVERVIEW_TREND,
        labels={"region_name": "Region", "period": "Month", "value": label},
        filename=f"{measure}-trend-by-region-{window}",
        download={"window": window, "measure": measure},
    )


# Each chart's "download this data" link asks the server for the section again (dashboard.downloads).
downloads.register("overview-map", map_section, "period", "window", "measure")
downloads.register("overview-distribution", distribution_section, "period", "window", "measure")
downloads.register("overview-trend", trend_section, "window", "measure")


# ---- layout -----------------------------------------------------------------------------------------

def layout(period: str | None = None, window: str | None = None, measure: str | None = None, **_other: str) -> html.Div:
    """The page for the state in the URL; values not on offer fall back to the defaults."""
    periods = _periods()
    measures = _measures()
    chosen_period = state.pick_period(period, periods)
    return components.page_body(
        "National overview", not periods or not measures, ids.OVERVIEW_MESSAGE,
        [
            html.P("How completely, accurately and promptly England's local authorities record safeguarding concerns "
                   "relating to extremism, from their monthly returns.", className="lead"),
            html.Div(
                [
                    components.control("Month", ids.OVERVIEW_PERIOD, components.period_options(periods),
                                       format_period(chosen_period) if chosen_period else None, searchable=True),
                    components.control("Period", ids.OVERVIEW_WINDOW, components.window_options(),
                                       state.pick(window, state.WINDOWS, state.DEFAULT_WINDOW)),
                    components.control("Measure for the map and charts", ids.OVERVIEW_MEASURE,
                                       [{"label": common.measure_label(m), "value": m} for m in measures],
                                       state.pick(measure, measures, components.default_choice(measures, DEFAULT_MEASURE)), width="col-12 col-md-6"),
                ],
                className="row no-print", role="group", **{"aria-label": "Choose the month, period and measure"},
            ),
            state.url_store(URL_STORE),
            html.Div(id=ids.OVERVIEW_TILES, **{"aria-live": "polite"}),
            html.H2("Map", className="govuk-heading-m"),
            html.Div(id=ids.OVERVIEW_MAP_SECTION),
            html.H2("Regions", className="govuk-heading-m"),
            html.Div(id=ids.OVERVIEW_DISTRIBUTION_SECTION),
            html.Div(id=ids.OVERVIEW_TREND_SECTION),
        ]
    )


state.sync_url(URL_STORE, {"period": ids.OVERVIEW_PERIOD, "window": ids.OVERVIEW_WINDOW, "measure": ids.OVERVIEW_MEASURE})


# ---- callbacks --------------------------------------------------------------------------------------

@callback(Output(ids.OVERVIEW_TILES, "children"), Input(ids.OVERVIEW_PERIOD, "value"), Input(ids.OVERVIEW_WINDOW, "value"))
def update_tiles(period: object, window: object) -> object:
    return components.guarded(tiles_section, period, window)


@callback(
    Output(ids.OVERVIEW_MAP_SECTION, "children"),
    Output(ids.OVERVIEW_DISTRIBUTION_SECTION, "children"),
    Input(ids.OVERVIEW_PERIOD, "value"),
    Input(ids.OVERVIEW_WINDOW, "value"),
    Input(ids.OVERVIEW_MEASURE, "value"),
)
def update_map(period: object, window: object, measure: object) -> tuple[object, object]:
    return (components.guarded(map_section, period, window, measure),
            components.guarded(distribution_section, period, window, measure))


@callback(Output(ids.OVERVIEW_TREND_SECTION, "children"), Input(ids.OVERVIEW_WINDOW, "value"), Input(ids.OVERVIEW_MEASURE, "value"))
def update_trend(window: object, measure: object) -> object:
    return components.guarded(trend_section, window, measure)
