"""Context panels: real published DfE figures beside the synthetic returns, hooked into two pages.

- `authority_context_block()` (authority page): children in need and referrals per 10,000 children and
  the re-referral share, against region, England and statistical neighbours, latest year and trend,
  and whether the authority is a Prevent priority area.
- `referrals_funnel_block()` (regional page): recorded extremism concerns per 1,000 children's social
  care referrals as a funnel plot, by region, and within and outside the Prevent priority areas, with a
  filter to show priority areas only or the others only.
Each block owns its ids and callbacks (registered when this module is imported by the page); the pages
only place the block. Every callback input is checked on the server.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from dash import Input, Output, callback, html

from dashboard import components, database, downloads, ids, state
from dashboard.figures import context as figures
from dashboard.figures.regional import FUNNEL_FLAGS
from dashboard.queries import common, context as queries
from etl.context.tidy import SYMBOLS
from etl.periods import format_period

AUTHORITY_CONTEXT_SECTION = "authority-context-section"
REGIONAL_REFERRALS_SECTION = "regional-referrals-section"
REGIONAL_PRIORITY_FILTER = "regional-priority-filter"
PRIORITY_FILTERS = {"all": "All authorities", "priority": "Prevent priority areas only", "other": "Other authorities only"}
REAL_DATA_NOTE = ("Real published figures: DfE, Characteristics of children in need (children in need; referrals, "
                  "table C1), years ending 31 March; Open Government Licence v3.0. They are official statistics, unlike the "
                  "recording returns on this dashboard, which in this demonstration are synthetic.")
NO_CONTEXT = ("No published context data is loaded. Import DfE's files with `oversight import-context FILE...` "
              "(make run imports the children in need and referrals files).")


def _periods() -> list[date]:
    return database.cached(("periods",), common.periods)


def _regions() -> dict[str, str]:
    return dict(database.cached(("regions",), common.regions).iter_rows())


def _availability() -> queries.Availability:
    """What context the database holds: read once per database version (and viewer), not per query."""
    return database.cached(("context.availability",), queries.availability)


def _shown(value: float | None, symbol: str | None, unit: str) -> str:
    """A value as text, or its symbol's meaning (a suppressed figure is never shown as 0)."""
    if value is not None:
        return f"{value:,.1f}{'%' if unit.startswith('%') else ''}"
    if symbol:
        return f"{symbol} ({SYMBOLS.get(symbol, 'not published')})"
    return "-"


# ---- authority page ------------------------------------------------------------------------------------

def authority_context_block() -> html.Div:
    """The placeholder the authority page puts in its layout; `update_authority_context` fills it."""
    return html.Div([
        html.H2("Context: real published children's social care figures", className="govuk-heading-m"),
        html.Div(id=AUTHORITY_CONTEXT_SECTION, **{"aria-live": "polite"}),
    ])


def authority_context(code: object) -> object:
    c = database.cached(("check_authority", str(code)[:40]), lambda con: common.check_authority(con, code))
    return database.cached(("context.authority", c), lambda con: _authority_context(con, c))


def _authority_context(con, code: str) -> html.Div:
    known = _availability()
    if not known.context:
        return html.Div(components.message(NO_CONTEXT, kind="info"))
    profile = common.authorities(con).filter(pl.col("gss_code") == code).row(0, named=True)
    priority = queries.priority_areas(con, known).filter(pl.col("gss_code") == code)
    names = {"authority": profile["name"], "region": profile["region_name"],
             "neighbours": "Statistical neighbours (mean of 10)", "england": "England"}
    marker = (html.P(html.Strong(f"{profile['name']} is a Prevent priority area ({priority['financial_year'][0]})."),
                     className="context-priority")
              if priority.height else html.P(f"{profile['name']} is not on the Prevent priority areas list."))
    latest_rows, cards = [], []
    for measure, spec in queries.CONTEXT_MEASURES.items():
        series = queries.measure_series(con, code, measure)
        own = series.filter(pl.col("series") == "authority").sort("year")
        if own.is_empty():
            continue
        last = own.row(-1, named=True)
        at = {row["series"]: row for row in series.filter(pl.col("time_period") == last["time_period"]).iter_rows(named=True)}
        latest_rows.append({
            "measure": spec.label, "year": last["period_label"],
            "authority": _shown(last["value"], last["numerator_symbol"] or last["denominator_symbol"], spec.unit),
            "region": _shown(at.get("region", {}).get("value"), at.get("region", {}).get("numerator_symbol"), spec.unit),
            "neighbours": _shown(at.get("neighbours", {}).get("value"), None, spec.unit),
            "england": _shown(at.get("england", {}).get("value"), at.get("england", {}).get("numerator_symbol"), spec.unit),
        })
        wide = series.pivot(on="series", index="period_label", values="value", aggregate_function="first")
        cards.append(components.chart_card(
            f"context-{measure.replace('_', '-')}", title=f"{spec.label}, by year",
            caption=(f"{spec.unit.capitalize()}; DfE reporting years ending 31 March. {profile['name']} (solid), its region "
                     "(dashed), the mean of its statistical neighbours (dotted) and England (dash-dot). A gap is a "
                     "figure DfE did not publish (suppressed or not available), never a zero."),
            figure=figures.context_trend_figure(series, names, spec.label, spec.unit), table_frame=wide,
            summary=f"{profile['name']}, {last['period_label']}: {latest_rows[-1]['authority']}; England {latest_rows[-1]['england']}.",
            labels={"period_label": "Year", "authority": profile["name"], "region": profile["region_name"],
                    "neighbours": "Neighbours' mean", "england": "England"},
            filename=f"{code}-{measure}-published", synthetic=False, download={"code": code},
        ))
    if not latest_rows:
        return html.Div([html.P(REAL_DATA_NOTE, className="govuk-hint"), marker,
                         html.P("DfE publishes no children in need or referrals figures for this authority.")])
    table = pl.DataFrame(latest_rows)
    return html.Div([
        html.P(REAL_DATA_NOTE, className="govuk-hint context-real-data"),
        marker,
        components.data_table(table, f"{profile['name']}: latest published year against comparators", "context-latest-table",
                              labels={"measure": "Measure", "year": "Year", "authority": profile["name"],
                                      "region": profile["region_name"], "neighbours": "Neighbours' mean", "england": "England"}),
        html.Details([html.Summary("Trends by year"), *cards], className="mb-3"),
    ])


for _measure in queries.CONTEXT_MEASURES:  # each card's download asks the server again (dashboard.downloads)
    downloads.register(f"context-{_measure.replace('_', '-')}", authority_context, "code")


@callback(Output(AUTHORITY_CONTEXT_SECTION, "children"), Input(ids.AUTHORITY_CODE, "value"))
def update_authority_context(code: object) -> object:
    return components.guarded(authority_context, code)


# ---- regional page -------------------------------------------------------------------------------------

def referrals_funnel_block(priority: str | None = None) -> html.Div:
    """The placeholder and the priority-area filter the regional page puts in its layout."""
    return html.Div([
        html.H2("Concerns per 1,000 children's social care referrals", className="govuk-heading-m"),
        html.P("An alternative recording rate: extremism concerns recorded in the returns for every 1,000 referrals to "
               "children's social care that DfE published for the authority (real figures). It asks whether an "
               "authority records fewer concerns than its volume of safeguarding work would lead one to expect. "
               "Prevent priority areas are expected to record more; compare them with each other and the rest separately.",
               className="govuk-hint"),
        components.control("Prevent priority areas", REGIONAL_PRIORITY_FILTER,
                           [{"label": label, "value": value} for value, label in PRIORITY_FILTERS.items()],
                           state.pick(priority, PRIORITY_FILTERS, "all"), width="col-12 col-md-4 no-print"),
        html.Div(id=REGIONAL_REFERRALS_SECTION),
    ])


def referrals_section(period: object, region: object, priority: object) -> object:
    p = state.check_period(period, _periods())
    g = state.check_choice(region, list(_regions()), "region")
    f = state.check_choice(priority, list(PRIORITY_FILTERS), "priority-area filter")
    return database.cached(("context.referrals", p, g, f), lambda con: _referrals(con, p, g, f))


def _referrals(con, period: date, region: str, priority: str) -> html.Div:
    known = _availability()
    if not known.context:
        return components.message(NO_CONTEXT, kind="info")
    funnel = queries.referral_funnel(con, period, known=known)
    if funnel.referral_year is None:
        return html.P(f"No published referrals for the year to March {funnel.wanted_year} or earlier.")
    region_name = _regions()[region]
    year_text = f"{funnel.referral_year - 1}-{str(funnel.referral_year)[2:]}"
    stale = (f" Referrals for {funnel.wanted_year - 1}-{str(funnel.wanted_year)[2:]} are not published yet, so "
             f"{year_text}'s are used." if funnel.referral_year != funnel.wanted_year else "")
    points = funnel.points
    shown = points.filter(pl.col("is_priority")) if priority == "priority" else \
        points.filter(~pl.col("is_priority")) if priority == "other" else points
    flags = {k: v[0] for k, v in FUNNEL_FLAGS.items()}
    table = shown.with_columns(pl.col("flag").replace_strict(flags, default=pl.col("flag")).alias("result")).select(
        "name", "authority_code", "region_name", "is_priority", "observed", "referrals", "population", "rate",
        "lower95", "upper95", "lower998", "upper998", "result").sort("rate")
    counts = dict(shown.group_by("flag").len().iter_rows())
    outside = [f"{counts[f]} {flags[f].lower()}" for f in FUNNEL_FLAGS if f != "in_control" and counts.get(f)]
    summary = (f"{shown.height} authorities shown ({PRIORITY_FILTERS[priority].lower()}); England "
               f"{funnel.target_rate:.2f} concerns per 1,000 referrals; " + (", ".join(outside) if outside else "all within the 95% limits") + ".")
    excluded = (f" Left out: {funnel.excluded.height} authorities ("
                + "; ".join(f"{n}: {r}" for n, r in funnel.excluded.select('name', 'reason').head(8).iter_rows())
                + ("..." if funnel.excluded.height > 8 else "") + ")." if funnel.excluded.height else "")
    funnel_card = components.chart_card(
        "regional-referrals-funnel", title=f"Concerns per 1,000 referrals: funnel plot, the 12 months to {components.month_label(period)}",
        caption=(f"Each marker is an authority: concerns in its returns (synthetic in this demonstration) per 1,000 of the "
                 f"referrals DfE published for it in {year_text} (real), scaled to the months it reported.{stale} The solid "
                 "line is England's rate; dashed and dotted curves are the 95% and 99.8% limits. A black ring marks a Prevent "
                 f"priority area. Authorities in {region_name} are drawn solid.{excluded}"),
        figure=figures.referral_funnel_figure(shown, funnel.limits, funnel.target_rate, highlight_region=region_name),
        table_frame=table, summary=summary,
        labels={"name": "Authority", "authority_code": "Code", "region_name": "Region", "is_priority": "Prevent priority area",
                "observed": "Concerns", "referrals": f"Referrals {year_text}", "population": "Referrals in the window",
                "rate": "Per 1,000 referrals", "lower95": "95% lower", "upper95": "95% upper", "lower998": "99.8% lower",
                "upper998": "99.8% upper", "result": "Result"},
        filename=f"funnel-per-1000-referrals-{format_period(period)}",
        download={"period": period, "region": region, "priority": priority},
    )
    by_region = queries.group_rates(points, "region_name")
    region_card = _group_card(
        "regional-referrals-regions", "Concerns per 1,000 referrals by region",
        ("Each region's concerns over its referrals (all authorities with both), with an exact Poisson 95% "
         "interval on the count. The dashed line is England."),
        by_region, funnel.target_rate, "Region", f"per-1000-referrals-by-region-{format_period(period)}",
        download={"period": period, "region": region, "priority": priority},
    )
    by_priority = queries.group_rates(points, "is_priority").with_columns(
        pl.col("group").replace_strict({"true": "Prevent priority areas", "false": "Other authorities"}, default=pl.col("group")))
    priority_card = _group_card(
        "regional-referrals-priority", "Within and outside the Prevent priority areas",
        ("Priority areas are expected to record more concerns: compare each group with its own interval, "
         "not with England alone."),
        by_priority, funnel.target_rate, "Group", f"per-1000-referrals-priority-areas-{format_period(period)}",
        download={"period": period, "region": region, "priority": priority},
    )
    return html.Div([funnel_card, region_card, priority_card])


def _group_card(card_id: str, title: str, caption: str, groups: pl.DataFrame, england: float | None,
                group_label: str, filename: str, download: dict | None = None) -> html.Div:
    """A card of pooled concerns per 1,000 referrals by group (regions, or priority areas and others)."""
    return components.chart_card(
        card_id, title=title, caption=caption,
        figure=figures.group_rate_figure(groups, england, group_label), table_frame=groups,
        summary=_group_summary(groups, england),
        labels={"group": group_label, "authorities": "Authorities", "concerns": "Concerns", "referrals": "Referrals in the window",
                "rate": "Per 1,000 referrals", "lower": "95% lower", "upper": "95% upper"},
        filename=filename, download=download,
    )


def _group_summary(groups: pl.DataFrame, england: float | None) -> str:
    if groups.is_empty():
        return "No values."
    parts = [f"{row['group']} {row['rate']:.2f} ({row['lower']:.2f} to {row['upper']:.2f})" for row in groups.sort("rate").iter_rows(named=True)]
    return "Concerns per 1,000 referrals (95% interval): " + "; ".join(parts) + (f". England {england:.2f}." if england is not None else ".")


for _card in ("regional-referrals-funnel", "regional-referrals-regions", "regional-referrals-priority"):
    downloads.register(_card, referrals_section, "period", "region", "priority")


@callback(Output(REGIONAL_REFERRALS_SECTION, "children"), Input(ids.REGIONAL_PERIOD, "value"),
          Input(ids.REGIONAL_REGION, "value"), Input(REGIONAL_PRIORITY_FILTER, "value"))
def update_referrals(period: object, region: object, priority: object) -> object:
    return components.guarded(referrals_section, period, region, priority)
