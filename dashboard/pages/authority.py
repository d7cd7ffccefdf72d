"""Page 3, Authority benchmark: one authority against England, its region and its statistical neighbours.

Pick an authority by name, GSS code or DfE number; see every measure on a Fingertips-style spine
chart, trends against comparators, its score explained (points lost, largest first, and what to fix),
its returns with every validation issue, its transfer reconciliation with each counterpart, downloads
of all of it (CSV, Excel) and a printable one-page report (`/authority/report?code=...`).

State in the URL: `/authority?code=E06000001&period=2026-10&window=rolling12&measure=composite`.
"""

from __future__ import annotations

from datetime import date

import dash
import polars as pl
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import components, database, downloads, exports, findings, ids, state
from dashboard import context_panel  # issue 11: real published context (registers its callback)
from dashboard.disclosure import SUPPRESSED
from dashboard.figures import authority as figures
from dashboard.queries import authority as queries, common, findings as findings_queries
from dashboard.viewer import current_viewer
from etl.errors import OversightError
from etl.periods import format_period

dash.register_page(__name__, path="/authority", name="Authority benchmark", title="Authority benchmark", order=3)

URL_STORE = "authority-url"
REPORT_PATH = "/authority/report"
PRINT_BUTTON = ids.AUTHORITY_REPORT + "-print"
DEFAULT_MEASURE = "composite"
POINTS_SHOWN = 15  # causes listed on screen; the download has all of them
FLAG_TEXT = {
    "significantly_low": "Recording rate significantly low (below the 99.8% limit): possible under-recording",
    "significantly_high": "Recording rate significantly high (above the 99.8% limit)",
    "warning_low": "Recording rate low (below the 95% limit only)",
    "warning_high": "Recording rate high (above the 95% limit only)",
    "sudden_change": "Sudden change in recording",
    "nil_return_run": "A run of nil returns",
    "rejected_return": "The month's return was rejected",
}


def _periods() -> list[date]:
    return database.cached(("periods",), common.periods)


def _measures() -> list[str]:
    return database.cached(("measures",), common.measures)


def _authorities() -> pl.DataFrame:
    return database.cached(("authorities",), common.authorities)


def _authority_options() -> list[dict]:
    def label(row: dict) -> str:
        extra = f", DfE {row['dfe_code']}" if row["dfe_code"] else ""
        ended = f" (until {components.month_label(row['valid_to'])})" if row["valid_to"] else ""
        return f"{row['name']} ({row['gss_code']}{extra}){ended}"

    return [{"label": label(row), "value": row["gss_code"]} for row in _authorities().iter_rows(named=True)]


def _check(code: object, period: object, window: object) -> tuple[str, date, str]:
    checked_code = database.cached(("check_authority", str(code)[:40]), lambda con: common.check_authority(con, code))
    return checked_code, state.check_period(period, _periods()), state.check_window(window)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _flag_text(flag: dict) -> str:
    """'All concerns per 10,000 children: Significantly low: ...' (the detail already says what it means)."""
    what = common.measure_name(flag["measure"]) + ": " if flag.get("measure") else ""
    detail = flag.get("detail") or FLAG_TEXT.get(flag["flag_type"], flag["flag_type"].replace("_", " "))
    return what + detail


def _window_flag_text(flag: dict, window: str) -> str:
    """'Recording rate significantly low (All concerns per 10,000 children): in 3 of the months, latest
    October 2026. <detail>' (the month window names no count of months)."""
    what = flag["flag_label"] + (f" ({common.measure_name(flag['measure'])})" if flag.get("measure") else "")
    when = (f": in {flag['months']} of the 12 months, latest {components.month_label(flag['latest'])}. "
            if window == "rolling12" else ". ")
    return what + when + (flag.get("detail") or "")


def _names(profile: dict) -> dict[str, str]:
    return {"authority": profile["name"], "region": profile["region_name"],
            "neighbours": "Statistical neighbours (average of 10)", "england": "England"}


# ---- sections ---------------------------------------------------------------------------------------

def summary_section(code: object, period: object, window: object) -> list:
    """Header facts, the spine chart and the score explained, for one authority and period."""
    c, p, w = _check(code, period, window)
    return database.cached(("authority.summary", c, p, w), lambda con: _summary(con, c, p, w))


def _summary(con, code: str, period: date, window: str) -> list:
    profile = queries.profile(con, code)
    neighbours = queries.neighbours(con, code)
    flags = _window_flags(con, code, period, window)
    spine = queries.spine(con, code, period, window)
    scores = queries.scores(con, code, period, window)
    parts = queries.components(con, code, period, window)
    benchmark = findings.benchmark_table(spine, findings_queries.rate_counts(con, code, period, window))
    return [_header(profile, neighbours, flags, scores, period, window, findings_queries.data_as_at(con)),
            _benchmark_table(benchmark, profile, period, window),
            _spine_card(spine, profile, period, window),
            _score_explained(scores, parts, profile, period, window)]


def _window_flags(con, code: str, period: date, window: str) -> pl.DataFrame:
    """The authority's flags over the window chosen, one row per kind, as the viewer may see them (flags
    on rates withheld by disclosure control dropped with them, texts quoting counts withheld)."""
    return findings.flags_for_window(findings_queries.authority_flags(con, code, period, window))


def _as_at(loaded_at) -> str:
    return f"Data as at {loaded_at:%d %B %Y, %H:%M} (the latest load)." if loaded_at else "No load has completed yet."


def _benchmark_table(table: pl.DataFrame, profile: dict, period: date, window: str) -> html.Section:
    """Fingertips-style: each measure with its 95% interval and whether it differs significantly from
    England, the region and the neighbours, marked by a shape and in words (never colour alone)."""
    caption = f"{profile['name']} against its comparators, {components.window_phrase(window, period)}"
    return html.Section([
        html.H2("Compared with England, its region and its neighbours", className="govuk-heading-m"),
        html.P("For each rate, the 95% interval is an exact Poisson interval on the authority's count of concerns; "
               "for each share (per cent), a Wilson score interval on its count out of its count, over the 12 months. "
               "▲ Higher or ▼ Lower (significant) means the comparator's value lies outside that interval; ● Similar "
               "means inside it. Scores are not counts, so they are not tested.", className="govuk-hint"),
        components.data_table(
            table, caption, ids.AUTHORITY_BENCHMARK_TABLE,
            labels={"label": "Measure", "authority": profile["name"], "lower": "95% interval, lower",
                    "upper": "95% interval, upper", "england": "England", "vs_england": "Compared with England",
                    "region": profile["region_name"], "vs_region": "Compared with the region",
                    "neighbours": "Neighbours' average", "vs_neighbours": "Compared with neighbours"}),
    ])


def _header(profile: dict, neighbours: pl.DataFrame, flags: pl.DataFrame, scores: pl.DataFrame,
            period: date, window: str, loaded_at=None) -> html.Div:
    composite = scores.filter(pl.col("dimension") == "composite")
    score_text = "no composite score"
    if composite.height and composite["score"][0] is not None:
        score_text = f"composite score {composite['score'][0]:.1f} out of 100 ({composite['band'][0] or 'no band'})"
    validity = ""
    if profile.get("valid_to"):
        validity = f" It was replaced after {components.month_label(profile['valid_to'])}."
    elif profile.get("valid_from"):
        validity = f" It has owed returns since {components.month_label(profile['valid_from'])}."
    flag_items = [html.Li(_window_flag_text(f, window)) for f in flags.iter_rows(named=True)]
    return html.Div(
        [
            html.H2(profile["name"], className="govuk-heading-l"),
            html.P(f"{profile['region_name']} region; GSS code {profile['gss_code']}"
                   + (f", DfE number {profile['dfe_code']}" if profile.get("dfe_code") else "")
                   + f". In {components.window_phrase(window, period)}: {score_text}.{validity}"),
            html.P(_as_at(loaded_at), className="govuk-hint", id=ids.AUTHORITY_DATA_AS_AT),
            html.H3(f"Flags in {components.window_phrase(window, period)}", className="govuk-heading-s"),
            html.Ul(flag_items) if flag_items else html.P(f"No flags raised in {components.window_phrase(window, period)}."),
            html.Details(
                [html.Summary("Its statistical neighbours"),
                 html.Ol([html.Li(f"{row['name']} ({row['authority_code']})") for row in neighbours.iter_rows(named=True)])
                 if neighbours.height else html.P("No statistical neighbours are listed for this authority.")],
                className="mb-3",
            ),
        ],
        id=ids.AUTHORITY_HEADER + "-content",
    )


def _spine_summary(spine: pl.DataFrame, profile: dict) -> str:
    """The spine chart in words: each measure's value and whether it is above or below England."""
    lines = []
    for row in spine.iter_rows(named=True):
        if row["authority"] is None:
            continue
        position = ("above England" if row["england"] is not None and row["authority"] > row["england"]
                    else "below England" if row["england"] is not None and row["authority"] < row["england"] else "level with England")
        lines.append(f"{row['label']}: {row['authority']:.1f}, {position}")
    return (f"{profile['name']} against England: " + "; ".join(lines) + ".") if lines else "No measures for this period."


def _spine_card(spine: pl.DataFrame, profile: dict, period: date, window: str) -> html.Section:
    names = _names(profile)
    summary = _spine_summary(spine, profile)
    table = spine.select("label", "authority", "region", "neighbours", "england", "minimum", "q1", "median", "q3",
                         "maximum", "authority_rank", "authorities", "disclosure")
    return components.chart_card(
        "authority-spine", title=f"Every measure against England, {components.window_phrase(window, period)}",
        caption=("One row per measure. The grey bar spans England's lowest to highest authority and the blue band the "
                 "middle half; the grey tick is England's value. Markers: circle = this authority, diamond = its region, "
                 "square = the average of its statistical neighbours. Higher scores are better; for the rates, neither "
                 "end is better in itself, but a low rate can mean under-recording. The shares (per cent) show recording "
                 "practice: a low share flagged or received, or a high share with no type or typed OTHER or MIXED, can "
                 "mean incomplete recording. A measure with no England range to show is in the table only."),
        figure=figures.spine_figure(spine, names), table_frame=table, summary=summary, graph_id=ids.AUTHORITY_SPINE,
        labels={"label": "Measure", "authority": profile["name"], "region": profile["region_name"],
                "neighbours": "Neighbours' average", "england": "England", "minimum": "Lowest", "q1": "25th percentile",
                "median": "Median", "q3": "75th percentile", "maximum": "Highest", "authority_rank": "Rank (1 = highest)",
                "authorities": "Authorities ranked"},
        filename=f"{profile['gss_code']}-measures-{window}-{format_period(period)}",
        download={"code": profile["gss_code"], "period": period, "window": window},
    )


def _score_explained(scores: pl.DataFrame, parts: pl.DataFrame, profile: dict, period: date, window: str) -> html.Section:
    by_cause = _points_by_cause(parts)
    score_rows = scores.with_columns(pl.col("dimension").replace_strict(common.MEASURE_LABELS, default=pl.col("dimension")))
    detail = _with_causes(parts).select("dimension", "cause", "composite_points", "points_lost", "detail", "fix",
                                        "source_period", "file_name", "row_number", "disclosure")
    return html.Section(
        [
            html.H2("Its score explained", className="govuk-heading-m"),
            components.data_table(score_rows, f"Scores of {profile['name']}, {components.window_phrase(window, period)}",
                                  "authority-scores-table", labels={"dimension": "Dimension", "score": "Score (0-100)", "band": "Band"}),
            components.chart_card(
                "authority-points", title="Points lost, by cause", caption=(
                    "Points of the composite score lost to each rule, largest first: fixing the top causes raises the "
                    "score most. The table under the chart says what to fix."),
                figure=figures.points_lost_figure(by_cause.head(POINTS_SHOWN)), table_frame=by_cause,
                summary=_points_summary(by_cause), labels={"dimension": "Dimension", "cause": "Cause", "points": "Composite points lost",
                                         "occurrences": "Times", "fix": "What to fix"},
                filename=f"{profile['gss_code']}-points-lost-{window}-{format_period(period)}",
                download={"code": profile["gss_code"], "period": period, "window": window},
            ),
            html.Details(
                [html.Summary(f"Every cause ({parts.height}), with the return and row"),
                 components.data_table(detail, "Every cause of lost points", "authority-components-table",
                                       labels={"dimension": "Dimension", "cause": "Cause", "composite_points": "Composite points",
                                               "points_lost": "Dimension points", "detail": "What was found", "fix": "What to fix",
                                               "source_period": "Return month", "file_name": "File", "row_number": "Row"})],
            ),
        ],
    )


def _points_by_cause(parts: pl.DataFrame) -> pl.DataFrame:
    """Composite points lost to each rule over the window, largest first: dimension, rule_id, points, fix,
    occurrences, disclosure, cause. A rule with points withheld from the viewer (`c`, see
    `queries.components`) has no total: a sum of what is shown would read as the whole."""
    withheld = pl.col("composite_points").is_null().any()
    return _with_causes(
        parts.group_by("dimension", "rule_id")
        .agg(pl.when(withheld).then(None).otherwise(pl.col("composite_points").sum()).alias("points"),
             pl.col("fix").first(), pl.len().alias("occurrences"),
             pl.when(withheld).then(pl.lit(SUPPRESSED)).otherwise(None).alias("disclosure"))
        .sort("points", "dimension", "rule_id", descending=[True, False, False], nulls_last=True)
    )


def _points_summary(by_cause: pl.DataFrame) -> str:
    """The chart's one-sentence summary: points lost and the largest cause, and what is withheld."""
    if by_cause.is_empty():
        return "No points were lost: nothing to fix for this period."
    shown = by_cause.filter(pl.col("points").is_not_null())
    withheld = by_cause.height - shown.height
    sentences = []
    if shown.height:
        top = shown.row(0, named=True)
        lost, largest = ("were lost to the causes shown", "the largest") if withheld else ("were lost", "the largest cause")
        sentences.append(f"{shown['points'].sum():.1f} points of the composite score {lost}; {largest} was "
                         f"{top['cause'].lower()} ({top['points']:.1f} points).")
    if withheld:
        sentences.append(f"The points lost to {withheld} cause{'s' if withheld > 1 else ''} of completeness or transfers "
                         "are withheld (c): with the published count of concerns they would give back small counts.")
    return " ".join(sentences)


def _rule_titles() -> dict[str, str]:
    from etl.spec import load_standard

    return {rule.id: rule.title for rule in load_standard().rules.values()}


def _with_causes(parts: pl.DataFrame) -> pl.DataFrame:
    """Adds `cause`: each rule id in words (dashboard.findings.cause_label); the id stays in the table."""
    if parts.is_empty():
        return parts.with_columns(pl.lit(None, pl.String).alias("cause"))
    titles = _rule_titles()
    words = {rule: findings.cause_label(rule, titles) for rule in parts["rule_id"].unique().to_list()}
    return parts.with_columns(pl.col("rule_id").replace_strict(words, return_dtype=pl.String).alias("cause"))


def returns_section(code: object) -> html.Div:
    c = database.cached(("check_authority", str(code)[:40]), lambda con: common.check_authority(con, code))
    return database.cached(("authority.returns", c), lambda con: _returns(con, c))


def _returns(con, code: str) -> html.Div:
    history = queries.returns_history(con, code)
    issues = queries.issues(con, code)
    counts = dict(history.group_by("status").len().iter_rows()) if history.height else {}
    text = (f"{history.height} files received: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            + f"; {issues.height} validation issues in all.") if history.height else "No return files have been received."
    return html.Div(
        [
            html.P(text),
            html.Details([
                html.Summary(f"Every return file ({history.height}), newest month first"),
                components.data_table(
                    history.drop("submission_id"), "Every return file, newest month first", "authority-returns-table",
                    labels={"period": "Month", "file_name": "File", "received_at": "Received", "version": "Version",
                            "status": "Status", "is_current": "Current", "errors": "Errors", "queries": "Queries"}),
            ], open=history.height <= 12, className="mb-3"),
            html.H3("Validation issues", className="govuk-heading-s"),
            components.data_table(
                issues, "Every validation issue in its files", "authority-issues-table",
                labels={"period": "Month", "file_name": "File", "file_status": "File status", "rule_id": "Rule",
                        "severity": "Severity", "row_number": "Row", "column_name": "Column", "value": "Value",
                        "message": "Message", "hint": "How to fix"})
            if issues.height else html.P("No validation issues in any of its files."),
        ]
    )


def transfers_section(code: object, period: object) -> html.Div:
    c, p, _ = _check(code, period, state.DEFAULT_WINDOW)
    return database.cached(("authority.transfers", c, p), lambda con: _transfers(con, c, p))


def _transfers(con, code: str, period: date) -> html.Div:
    rows = queries.transfers(con, code, period)
    if rows.is_empty():
        return html.P(f"No transfers to or from other authorities in the 12 months to {components.month_label(period)}.")
    per_counterpart = (
        rows.group_by("counterpart_code", "counterpart_name")
        .agg(pl.len().alias("transfers"), (pl.col("status") == "matched").sum().alias("matched"),
             (pl.col("status") == "unmatched").sum().alias("unmatched"), (pl.col("status") == "disputed").sum().alias("disputed"))
        .sort("counterpart_name")
    )
    return html.Div(
        [
            html.P("Cases sent to another authority should appear in that authority's return as received, and the other "
                   "way round. Matched: both sides agree; disputed: the counts differ; unmatched: one side did not report."),
            components.data_table(per_counterpart, "Transfers with each counterpart authority", "authority-transfers-summary",
                                  labels={"counterpart_name": "Counterpart", "counterpart_code": "Code", "transfers": "Months with transfers",
                                          "matched": "Matched", "unmatched": "Unmatched", "disputed": "Disputed"}),
            html.Details([
                html.Summary("Every transfer, month by month"),
                components.data_table(rows, "Every transfer", "authority-transfers-table",
                                      labels={"period": "Month", "direction": "Direction", "counterpart_name": "Counterpart",
                                              "counterpart_code": "Code", "sent": "Sent", "received": "Received",
                                              "difference": "Difference", "status": "Status", "pending": "Awaiting next return"}),
            ]),
        ]
    )


def trend_section(code: object, window: object, measure: object) -> html.Section:
    c = database.cached(("check_authority", str(code)[:40]), lambda con: common.check_authority(con, code))
    w = state.check_window(window)
    m = state.check_choice(measure, _measures(), "measure")
    return database.cached(("authority.trend", c, w, m), lambda con: _trend(con, c, w, m))


def _trend(con, code: str, window: str, measure: str) -> html.Section:
    profile = queries.profile(con, code)
    data = queries.trend(con, code, window, measure)
    names = _names(profile)
    label, unit = common.measure_name(measure), common.unit(measure)
    wide = data.pivot(on="series", index="period", values="value", aggregate_function="first").sort("period")
    if "disclosure" in data.columns:  # a month with any value withheld is marked, so its table row reads c
        withheld = data.group_by("period").agg((pl.col("disclosure") == "c").any().alias("_c"))
        wide = wide.join(withheld, on="period", how="left").with_columns(
            pl.when(pl.col("_c")).then(pl.lit("c")).otherwise(pl.lit(None, dtype=pl.String)).alias("disclosure")).drop("_c")
    summary = "No trend data."
    if wide.height and "authority" in wide.columns:
        last = wide.drop_nulls("authority").tail(1)
        if last.height:
            row = last.row(0, named=True)
            summary = (f"In {components.month_label(row['period'])} {profile['name']} was at {row['authority']:.1f}"
                       + (f", England {row['england']:.1f}" if row.get("england") is not None else "")
                       + (f", its region {row['region']:.1f}" if row.get("region") is not None else "")
                       + (f" and its neighbours {row['neighbours']:.1f}" if row.get("neighbours") is not None else "") + ".")
    return components.chart_card(
        "authority-trend", title=f"{label} over time against comparators",
        caption=("The authority (solid blue), its region (dashed turquoise), the average of its statistical neighbours "
                 f"(dotted orange) and England (dash-dot grey); {unit}, "
                 f"{'each point the 12 months ending in that month' if window == 'rolling12' else 'month by month'}."),
        figure=figures.comparison_trend_figure(data, names, label, unit), table_frame=wide, summary=summary,
        graph_id=ids.AUTHORITY_TREND,
        labels={"period": "Month", "authority": profile["name"], "region": profile["region_name"],
                "neighbours": "Neighbours' average", "england": "England"},
        filename=f"{code}-{measure}-trend-{window}",
        download={"code": code, "window": window, "measure": measure},
    )


# Each chart's "download this data" link asks the server for the section again (dashboard.downloads).
downloads.register("authority-spine", summary_section, "code", "period", "window")
downloads.register("authority-points", summary_section, "code", "period", "window")
downloads.register("authority-trend", trend_section, "code", "window", "measure")


def download(code: object, period: object, window: object, file_format: str) -> dict:
    """Everything on the page for the authority as one workbook (a sheet per table) or a stacked CSV."""
    c, p, w = _check(code, period, window)
    sheets = database.read(lambda con: {
        "measures": queries.spine(con, c, p, w),
        "scores": queries.scores(con, c, p, w),
        "points lost": queries.components(con, c, p, w),
        "flags": queries.flags(con, c, p),
        "returns": queries.returns_history(con, c),
        "validation issues": queries.issues(con, c),
        "transfers": queries.transfers(con, c, p),
    })
    return exports.download(sheets, f"{c}-benchmark-{w}-{format_period(p)}", file_format)


# ---- layout -----------------------------------------------------------------------------------------

def _default_code(code: object) -> str | None:
    """The authority asked for (a GSS code, DfE number or other alias); else a council officer's own
    authority; else the first by name."""
    codes = _authorities()["gss_code"].to_list()
    if isinstance(code, str) and code.strip().upper() in codes:
        return code.strip().upper()
    if code is not None:
        try:
            return database.cached(("check_authority", str(code)[:40]), lambda con: common.check_authority(con, code))
        except OversightError:
            pass
    own = current_viewer().authority_code
    if own in codes:
        return own
    return codes[0] if codes else None


def layout(code: str | None = None, period: str | None = None, window: str | None = None,
           measure: str | None = None, **_other: str) -> html.Div:
    periods = _periods()
    measures = _measures()
    chosen_period = state.pick_period(period, periods)
    return components.page_body(
        "Authority benchmark", not periods or not measures, ids.AUTHORITY_MESSAGE,
        [
            html.P("One authority's recording quality against England, its region and its statistical neighbours, "
                   "with what cost it points and how to fix it.", className="lead"),
            html.Div(
                [
                    components.control("Authority (type a name, GSS code or DfE number)", ids.AUTHORITY_CODE,
                                       _authority_options(), _default_code(code), searchable=True, width="col-12 col-md-6"),
                    components.control("Month", ids.AUTHORITY_PERIOD, components.period_options(periods),
                                       format_period(chosen_period) if chosen_period else None, searchable=True),
                    components.control("Period", ids.AUTHORITY_WINDOW, components.window_options(),
                                       state.pick(window, state.WINDOWS, state.DEFAULT_WINDOW)),
                ],
                className="row no-print", role="group", **{"aria-label": "Choose the authority, month and period"},
            ),
            html.Div(
                [
                    html.Button("Download its data (CSV)", id=ids.AUTHORITY_CSV_BUTTON, className="btn btn-secondary me-2", n_clicks=0),
                    html.Button("Download its data (Excel)", id=ids.AUTHORITY_XLSX_BUTTON, className="btn btn-secondary me-2", n_clicks=0),
                    dcc.Link("Printable one-page report", id=ids.AUTHORITY_PRINT_LINK, href=REPORT_PATH, className="btn btn-link"),
                    dcc.Download(id=ids.AUTHORITY_DOWNLOAD),
                ],
                id=ids.AUTHORITY_DOWNLOADS, className="mb-3 no-print",
            ),
            html.Div(id=ids.AUTHORITY_SPINE_SECTION, **{"aria-live": "polite"}),
            html.H2("Trends", className="govuk-heading-m"),
            components.control("Measure", ids.AUTHORITY_TREND_MEASURE,
                               [{"label": common.measure_label(m), "value": m} for m in measures],
                               state.pick(measure, measures, components.default_choice(measures, DEFAULT_MEASURE)),
                               width="col-12 col-md-6 no-print"),
            html.Div(id=ids.AUTHORITY_TREND_SECTION),
            context_panel.authority_context_block(),  # issue 11: context panel (DfE children in need, referrals)
            html.H2("Returns and validation issues", className="govuk-heading-m"),
            html.Div(id=ids.AUTHORITY_RETURNS_SECTION),
            html.H2("Transfers with other authorities", className="govuk-heading-m"),
            html.Div(id=ids.AUTHORITY_TRANSFERS_SECTION),
            state.url_store(URL_STORE),
        ]
    )


state.sync_url(URL_STORE, {"code": ids.AUTHORITY_CODE, "period": ids.AUTHORITY_PERIOD, "window": ids.AUTHORITY_WINDOW, "measure": ids.AUTHORITY_TREND_MEASURE})


# ---- callbacks --------------------------------------------------------------------------------------

@callback(
    Output(ids.AUTHORITY_SPINE_SECTION, "children"),
    Output(ids.AUTHORITY_PRINT_LINK, "href"),
    Input(ids.AUTHORITY_CODE, "value"),
    Input(ids.AUTHORITY_PERIOD, "value"),
    Input(ids.AUTHORITY_WINDOW, "value"),
)
def update_summary(code: object, period: object, window: object) -> tuple[object, str]:
    try:  # the report link carries only validated values
        checked_code, checked_period, checked_window = _check(code, period, window)
        href = state.build_href(REPORT_PATH, {"code": checked_code, "period": checked_period, "window": checked_window})
    except OversightError:
        href = REPORT_PATH
    return components.guarded(summary_section, code, period, window), href


@callback(Output(ids.AUTHORITY_TREND_SECTION, "children"), Input(ids.AUTHORITY_CODE, "value"),
          Input(ids.AUTHORITY_WINDOW, "value"), Input(ids.AUTHORITY_TREND_MEASURE, "value"))
def update_trend(code: object, window: object, measure: object) -> object:
    return components.guarded(trend_section, code, window, measure)


@callback(Output(ids.AUTHORITY_RETURNS_SECTION, "children"), Input(ids.AUTHORITY_CODE, "value"))
def update_returns(code: object) -> object:
    return components.guarded(returns_section, code)


@callback(Output(ids.AUTHORITY_TRANSFERS_SECTION, "children"), Input(ids.AUTHORITY_CODE, "value"),
          Input(ids.AUTHORITY_PERIOD, "value"))
def update_transfers(code: object, period: object) -> object:
    return components.guarded(transfers_section, code, period)


@callback(
    Output(ids.AUTHORITY_DOWNLOAD, "data"),
    Input(ids.AUTHORITY_CSV_BUTTON, "n_clicks"),
    Input(ids.AUTHORITY_XLSX_BUTTON, "n_clicks"),
    State(ids.AUTHORITY_CODE, "value"),
    State(ids.AUTHORITY_PERIOD, "value"),
    State(ids.AUTHORITY_WINDOW, "value"),
    prevent_initial_call=True,
)
def download_data(_csv: object, _xlsx: object, code: object, period: object, window: object) -> dict | None:
    file_format = "xlsx" if dash.ctx.triggered_id == ids.AUTHORITY_XLSX_BUTTON else "csv"
    try:
        return download(code, period, window, file_format)
    except OversightError:
        return None  # the sections already show the message for a bad authority or period


# ---- the printable one-page report --------------------------------------------------------------------

def report_layout(code: str | None = None, period: str | None = None, window: str | None = None, **_other: str) -> html.Div:
    """A static, one-page summary for printing (assets/20-print.css hides the navigation and controls)."""
    periods = _periods()
    if not periods:
        return components.page_body("Authority report", True, ids.AUTHORITY_MESSAGE,
                                    [html.Button("Print this report", id=PRINT_BUTTON, n_clicks=0)])
    try:
        c, p, w = _check(code if code is not None else _default_code(None),
                         period if period is not None else format_period(periods[-1]), window or state.DEFAULT_WINDOW)
    except OversightError as error:
        return html.Div([html.H1("Authority report"), components.message(str(error), ids.AUTHORITY_MESSAGE),
                         dcc.Link("Choose an authority", href="/authority")])
    return database.cached(("authority.report", c, p, w), lambda con: _report(con, c, p, w))


SPINE_HEADING = "Every measure against England"  # the printed report's chart


def _report(con, code: str, period: date, window: str) -> html.Div:
    profile = queries.profile(con, code)
    spine = queries.spine(con, code, period, window)
    scores = queries.scores(con, code, period, window)
    parts = queries.components(con, code, period, window)
    flags = _window_flags(con, code, period, window)
    by_cause = _points_by_cause(parts).head(8).with_columns(pl.col("points").round(2))
    # Its own layout (labels above the rows), only more compact: a 280 px label margin and 34 px rows, left
    # from when labels sat beside the bars, squeezed the plot and put each label beside the wrong row.
    figure = figures.spine_figure(spine, _names(profile), row_height=figures.COMPACT_ROW_HEIGHT)
    return html.Div(
        [
            html.Div([
                html.Button("Print this report", id=PRINT_BUTTON, className="btn btn-primary me-2", n_clicks=0),
                dcc.Link("Back to the benchmark", href=state.build_href("/authority", {"code": code, "period": period, "window": window})),
            ], className="no-print mb-3"),
            html.H1(f"{profile['name']}: recording quality report"),
            html.P(f"{profile['region_name']} region; GSS code {profile['gss_code']}. "
                   f"{_sentence(components.window_phrase(window, period))}. Printed from the Prevent recording oversight dashboard. "
                   + _as_at(findings_queries.data_as_at(con))),
            components.data_table(scores.with_columns(pl.col("dimension").replace_strict(common.MEASURE_LABELS, default=pl.col("dimension"))),
                                  "Scores", labels={"dimension": "Dimension", "score": "Score (0-100)", "band": "Band"}),
            html.H2(SPINE_HEADING, className="govuk-heading-s"),
            # described by the same words as the benchmark page's chart
            components.described_graph(dcc.Graph(figure=figure, config={"staticPlot": True, "displayModeBar": False},
                                                 id=ids.AUTHORITY_REPORT_SPINE),
                                       SPINE_HEADING, f"{ids.AUTHORITY_REPORT_SPINE}-summary"),
            html.P(_spine_summary(spine, profile), id=f"{ids.AUTHORITY_REPORT_SPINE}-summary"),
            html.H2("Largest causes of lost points, and what to fix", className="govuk-heading-s"),
            components.data_table(by_cause, "Largest causes of lost points", labels={"cause": "Cause", "points": "Points", "fix": "What to fix"})
            if by_cause.height else html.P("No points were lost."),
            html.H2("Flags", className="govuk-heading-s"),
            html.Ul([html.Li(_window_flag_text(f, window)) for f in flags.iter_rows(named=True)])
            if flags.height else html.P(f"No flags raised in {components.window_phrase(window, period)}."),
        ],
        id=ids.AUTHORITY_REPORT, className="print-report",
    )


dash.register_page(
    "dashboard.pages.authority_report", path=REPORT_PATH, name="Authority report", title="Authority report",
    order=95, layout=report_layout, description="A printable one-page report of one authority",
)

clientside_callback(
    "function(n) { if (n) { window.print(); } return n; }",
    Output(PRINT_BUTTON, "n_clicks"),
    Input(PRINT_BUTTON, "n_clicks"),
    prevent_initial_call=True,
)
