"""Page 4, Returns: which authorities sent their monthly return, which did not, and why files failed.

A grid of authorities by month (accepted, queried, late, rejected, missing), the load-run history,
a filterable list of validation issues by rule, and the chase list for a month as a CSV or XLSX
download. The month and every filter live in the URL (?month=YYYY-MM&region=&rule=&severity=).
The page is thin: data from `dashboard.queries.returns`, pictures from `dashboard.figures.returns`,
every read through `dashboard.database` (sections cached per database version, viewer and, where a
return's state depends on the date, per day) and every input checked on the server before any query.
"""

from __future__ import annotations

from datetime import date

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboard import components, database, downloads, exports, ids, state
from dashboard.figures import returns as figures
from dashboard.queries import common, returns as queries
from etl.errors import OversightError
from etl.periods import add_months, format_period
from etl.settings import today
from etl.wording import plural

dash.register_page(__name__, path="/returns", name="Returns", title="Returns", order=4)

ALL = "all"
ISSUE_COLUMNS = {
    "period": "Month",
    "authority_name": "Authority",
    "file_name": "File",
    "rule_id": "Rule",
    "severity": "Severity",
    "row_number": "Row",
    "column_name": "Column",
    "value": "Value",
    "message": "Message",
}
CHASE_COLUMNS = {
    "region_name": "Region",
    "authority_code": "Code",
    "authority_name": "Authority",
    "state": "State",
    "deadline": "Deadline",
    "reason": "Reason",
}
RUN_COLUMNS = {
    "run_id": "Run",
    "command": "Command",
    "started_at": "Started",
    "status": "Status",
    "files_seen": "Files",
    "files_accepted": "Accepted",
    "files_queried": "Queried",
    "files_rejected": "Rejected",
    "files_unchanged": "Unchanged",
    "files_superseded": "Superseded",
    "duration_s": "Seconds",
}
COUNT_LABELS = {"month": "Month", "state_label": "State", "returns": "Returns"}
RULE_LABELS = {"rule_id": "Rule", "severity": "Severity", "issues": "Issues", "files": "Files", "authorities": "Authorities"}


month_label = components.month_label  # the one month label (dashboard.components)


def _window(period: date) -> tuple[date, date]:
    return add_months(period, -(queries.GRID_MONTHS - 1)), period


def _periods() -> list[date]:
    """Months with at least one return file (the month control's allow-list)."""
    return database.cached(("returns.periods",), queries.available_periods)


def _regions() -> dict[str, str]:
    return dict(database.cached(("regions",), common.regions).iter_rows())


def _rules() -> list[str]:
    return database.cached(("returns.rules",), queries.known_rules)


def _month(value: object) -> date:
    return state.check_period(value, _periods(), holding="returns")


def _region(value: object) -> str | None:
    return queries.check_region(value, _regions())


def _where(region_code: str | None) -> str:
    return _regions()[region_code] if region_code else "England"


# ---- what each callback computes (tests and the benchmark call them) -----------------------------
# Inputs are checked first; a section is then built once per database version, viewer and inputs (and
# day, where a return's state depends on it: late, missing or not yet due).

def grid_section(month: object, region: object) -> list:
    """The state chart, the key and the grid for the 12 months ending at `month`."""
    period, region_code, as_of = _month(month), _region(region), today()
    return database.cached(("returns.grid", period, region_code, as_of),
                           lambda con: _grid_section(con, period, region_code, as_of))


def _grid_section(con, period: date, region_code: str | None, as_of: date) -> list:
    grid = queries.returns_grid(con, period, region=region_code, as_of=as_of)
    counts = figures.state_counts(grid).rename({"period": "month", "label": "state_label"})
    start, end = _window(period)
    where = _where(region_code)
    title = f"Returns owed each month, {month_label(start)} to {month_label(end)}, {where}"
    return [
        components.chart_card(
            "returns-states",
            title=title,
            caption=(
                "The exceptions each month: returns owed that were queried (loaded with queries), late, rejected "
                "or missing, each named in the key. Accepted returns are in the hover text and the table."
            ),
            figure=figures.returns_state_figure(figures.state_counts(grid)),
            table_frame=counts,
            labels=COUNT_LABELS,
            summary=state_summary(grid.filter(pl.col("period") == period), month_label(period)),
            filename=f"returns-by-state-{format_period(start)}-to-{format_period(end)}",
            graph_id=ids.RETURNS_STATE_CHART, download={"month": period, "region": region_code or ALL},
        ),
        html.H3("Each authority, month by month", className="govuk-heading-s"),
        html.P(
            "Every cell shows a letter as well as a colour; hover over a cell for the date received or "
            "the number of rejected files. The download has the same detail for every cell.",
            className="govuk-hint",
        ),
        figures.returns_legend(),
        html.Div(
            figures.returns_grid_table(grid),
            className="returns-grid-scroll",
            tabIndex=0,
            role="region",
            id=ids.RETURNS_GRID,
            **{"aria-label": f"Returns grid, {where}, {month_label(start)} to {month_label(end)}"},
        ),
    ]


def state_summary(month_rows: pl.DataFrame, label: str) -> str:
    """The chosen month in one sentence (the chart's text alternative)."""
    if month_rows.is_empty():
        return f"No returns were owed in {label}."
    counts = dict(month_rows.group_by("state").len().iter_rows())
    parts = [
        f"{counts[s]} {figures.STATE_STYLE[s]['label'].lower()}" for s in figures.STATE_STYLE if counts.get(s)
    ]
    return f"In {label}, of {month_rows.height} returns owed: " + ", ".join(parts) + "."


def chase_section(month: object, region: object) -> list:
    """The chase list for one month: missing, late and rejected returns, with what to do."""
    period, region_code, as_of = _month(month), _region(region), today()
    return database.cached(("returns.chase", period, region_code, as_of),
                           lambda con: _chase_section(con, period, region_code, as_of))


def _chase_section(con, period: date, region_code: str | None, as_of: date) -> list:
    chase = queries.chase_list(con, period, region=region_code, as_of=as_of)
    if chase.is_empty():
        return [html.P(f"Every return owed for {month_label(period)} was received on time and loaded.")]
    counts = dict(chase.group_by("state").len().iter_rows())
    summary = ", ".join(f"{counts[s]} {s}" for s in queries.CHASE_STATES if counts.get(s))
    return [
        html.P(f"{chase.height} authorities to chase for {month_label(period)}: {summary}."),
        components.plain_table(chase, CHASE_COLUMNS, f"Chase list for {month_label(period)}", ids.RETURNS_CHASE_TABLE),
    ]


def issues_section(month: object, region: object, rule: object, severity: object) -> list:
    """Issues per rule (chart) and the filtered list of issues (table) for the 12 months to `month`."""
    period, region_code = _month(month), _region(region)
    rule_id, severity_value = queries.check_rule(rule, _rules()), queries.check_severity(severity)
    return database.cached(("returns.issues", period, region_code, rule_id, severity_value),
                           lambda con: _issues_section(con, period, region_code, rule_id, severity_value))


def _issues_section(con, period: date, region_code: str | None, rule_id: str | None,
                    severity_value: str | None) -> list:
    start, end = _window(period)
    counts = queries.issue_counts(con, start, end, region=region_code)
    issues = queries.validation_issues(con, start, end, rule=rule_id, severity=severity_value, region=region_code)
    issues = issues.with_columns(pl.col("period").map_elements(format_period, return_dtype=pl.String))
    top = counts.row(0, named=True) if counts.height else None
    summary = (
        f"The most frequent was {top['rule_id']} ({top['severity']}): {plural(top['issues'], 'issue')} in "
        f"{plural(top['files'], 'file')} from {plural(top['authorities'], 'authority', 'authorities')}."
        if top else "No validation issues in these months."
    )
    what = " and ".join(filter(None, [f"rule {rule_id}" if rule_id else None, f"{severity_value}s" if severity_value else None]))
    return [
        components.chart_card(
            "returns-rules",
            title=f"Validation issues by rule, {month_label(start)} to {month_label(end)}, {_where(region_code)}",
            caption=(
                "How often each validation rule was broken in the returns for these months. Errors reject a "
                "file; queries load it but cost recording-quality points. The severity is in each bar's label."
            ),
            figure=figures.issue_counts_figure(counts, _rule_titles()),
            table_frame=counts,
            labels=RULE_LABELS,
            summary=summary,
            filename=f"validation-issues-by-rule-{format_period(start)}-to-{format_period(end)}",
            graph_id=ids.RETURNS_ISSUES_CHART,
            download={"month": period, "region": region_code or ALL, "rule": rule_id or ALL, "severity": severity_value or ALL},
        ),
        issue_list(issues, what),
    ]


# Each chart's "download this data" link asks the server for the section again (dashboard.downloads).
downloads.register("returns-states", grid_section, "month", "region")
downloads.register("returns-rules", issues_section, "month", "region", "rule", "severity")


def _rule_titles() -> dict[str, str]:
    from etl.spec import load_standard

    return {rule.id: rule.title for rule in load_standard().rules.values()}


def issue_list(issues: pl.DataFrame, what: str) -> html.Div:
    """The filtered issues, newest first, or a sentence saying there are none."""
    if issues.is_empty():
        return html.P("No validation issues match" + (f" {what}" if what else "") + " in these months.",
                      id=ids.RETURNS_ISSUES_SUMMARY)
    limited = issues.height == queries.ISSUE_LIST_LIMIT
    return html.Div(
        [
            html.P(
                (f"The latest {queries.ISSUE_LIST_LIMIT} issues" if limited else f"All {plural(issues.height, 'issue')}")
                + (f" for {what}" if what else "") + ", newest month first."
                + (" The download has every issue." if limited else ""),
                id=ids.RETURNS_ISSUES_SUMMARY,
            ),
            components.plain_table(issues, ISSUE_COLUMNS, "Validation issues", ids.RETURNS_ISSUES_TABLE),
        ]
    )


def runs_section() -> html.Div | html.P:
    return database.cached(("returns.runs",), _runs_section)


def _runs_section(con) -> html.Div | html.P:
    runs = queries.load_runs(con)
    if runs.is_empty():
        return html.P("No load runs recorded yet.")
    return components.plain_table(runs, RUN_COLUMNS, "Latest load runs, newest first", ids.RETURNS_RUNS_TABLE)


def download(which: str, month: object, region: object, rule: object = None, severity: object = None) -> dict:
    """A dcc.Download payload: the grid (CSV), the chase list (CSV or XLSX) or the issues (CSV).

    Inputs checked as the sections check them; read once, uncached (a file can be large and is rarely
    asked for twice)."""
    period, region_code = _month(month), _region(region)
    rule_id = severity_value = None
    if which == "issues":
        rule_id, severity_value = queries.check_rule(rule, _rules()), queries.check_severity(severity)
    return database.read(lambda con: _download(con, which, period, region_code, rule_id, severity_value))


def _download(con, which: str, period: date, region_code: str | None, rule_id: str | None,
              severity_value: str | None) -> dict:
    start, end = _window(period)
    if which == "grid":
        grid = queries.returns_grid(con, period, region=region_code)
        frame = grid.with_columns(pl.col("period").map_elements(format_period, return_dtype=pl.String)).drop("region_code")
        return exports.download(frame, f"returns-grid-{format_period(start)}-to-{format_period(end)}", "csv")
    if which in ("chase-csv", "chase-xlsx"):
        chase = queries.chase_list(con, period, region=region_code)
        return exports.download(chase, f"chase-list-{format_period(period)}", which.removeprefix("chase-"))
    if which == "issues":
        issues = queries.validation_issues(
            con, start, end, rule=rule_id, severity=severity_value, region=region_code, limit=queries.ISSUE_DOWNLOAD_LIMIT,
        )
        return exports.download(issues, f"validation-issues-{format_period(start)}-to-{format_period(end)}", "csv")
    raise ValueError(f"unknown download {which!r}")


# ---- layout -------------------------------------------------------------------------------------

def _options() -> dict[str, list[dict]]:
    return {
        "month": [{"label": month_label(p), "value": format_period(p)} for p in reversed(_periods())],
        "region": [{"label": "All of England", "value": ALL}]
        + [{"label": name, "value": code} for code, name in _regions().items()],
        "rule": [{"label": "All rules", "value": ALL}] + [{"label": r, "value": r} for r in _rules()],
        "severity": [
            {"label": "Errors and queries", "value": ALL},
            {"label": "Errors (file rejected)", "value": "error"},
            {"label": "Queries (file loaded)", "value": "query"},
        ],
    }


def _values(options: list[dict]) -> list[str]:
    return [option["value"] for option in options]


URL_STATE = state.sync_url(
    ids.RETURNS_URL_STATE,
    {"month": ids.RETURNS_MONTH, "region": ids.RETURNS_REGION, "rule": ids.RETURNS_RULE, "severity": ids.RETURNS_SEVERITY},
)


def _button(label: str, button_id: str) -> html.Button:
    return html.Button(label, id=button_id, n_clicks=0, className="btn btn-secondary btn-sm me-2 mb-2")


def layout(month: str | None = None, region: str | None = None, rule: str | None = None,
           severity: str | None = None, **_other: str) -> html.Div:
    """The page for the state in the URL; a value not on offer falls back to its default."""
    options = _options()
    # With no returns loaded the controls and sections are still laid out (hidden, by page_body), so
    # every id the callbacks name exists and the browser logs no "ID not found in layout".
    empty = not options["month"]
    default_month = options["month"][0]["value"] if options["month"] else None
    runs = runs_section()
    return components.page_body(
        "Returns",
        empty,
        ids.RETURNS_MESSAGE,
        [
            html.P(
                "Which authorities sent their monthly return, which were late, rejected or missing, and the "
                "validation issues found in the files. The grid shows the 12 months up to the month chosen.",
                className="lead",
            ),
            URL_STATE,
            html.Div(
                [
                    components.control("Month", ids.RETURNS_MONTH, options["month"],
                                       state.pick(month, _values(options["month"]), default_month), searchable=True),
                    components.control("Region", ids.RETURNS_REGION, options["region"],
                                       state.pick(region, _values(options["region"]), ALL)),
                    components.control("Validation rule", ids.RETURNS_RULE, options["rule"],
                                       state.pick(rule, _values(options["rule"]), ALL), searchable=True),
                    components.control("Severity", ids.RETURNS_SEVERITY, options["severity"],
                                       state.pick(severity, _values(options["severity"]), ALL)),
                ],
                className="row no-print",
                role="group",
                **{"aria-label": "Month and filters"},
            ),
            html.H2("Returns by authority and month", className="govuk-heading-m"),
            dcc.Loading(html.Div(id=ids.RETURNS_GRID_SECTION)),
            html.Div(_button("Download the grid (CSV)", ids.RETURNS_GRID_CSV_BUTTON), className="no-print"),
            html.H2("Chase list", className="govuk-heading-m"),
            html.P("Authorities whose return for the month chosen is missing, late or rejected, and why."),
            dcc.Loading(html.Div(id=ids.RETURNS_CHASE_SECTION)),
            html.Div(
                [
                    _button("Download the chase list (CSV)", ids.RETURNS_CHASE_CSV_BUTTON),
                    _button("Download the chase list (Excel)", ids.RETURNS_CHASE_XLSX_BUTTON),
                ],
                className="no-print",
            ),
            html.H2("Validation issues", className="govuk-heading-m"),
            dcc.Loading(html.Div(id=ids.RETURNS_ISSUES_SECTION)),
            html.Div(_button("Download these issues (CSV)", ids.RETURNS_ISSUES_CSV_BUTTON), className="no-print"),
            html.H2("Load runs", className="govuk-heading-m"),
            html.P("Each time returns were loaded: the files seen and what became of them."),
            runs,
            dcc.Download(id=ids.RETURNS_CHASE_DOWNLOAD),
        ],
    )


# ---- callbacks (a crafted or stale input becomes a clear message, not a traceback) -----------------

@callback(
    Output(ids.RETURNS_GRID_SECTION, "children"),
    Output(ids.RETURNS_CHASE_SECTION, "children"),
    Input(ids.RETURNS_MONTH, "value"),
    Input(ids.RETURNS_REGION, "value"),
)
def update_returns(month: object, region: object) -> tuple[list, list]:
    """The grid and the chase list follow the month and the region."""
    return components.guarded(grid_section, month, region), components.guarded(chase_section, month, region)


@callback(
    Output(ids.RETURNS_ISSUES_SECTION, "children"),
    Input(ids.RETURNS_MONTH, "value"),
    Input(ids.RETURNS_REGION, "value"),
    Input(ids.RETURNS_RULE, "value"),
    Input(ids.RETURNS_SEVERITY, "value"),
)
def update_issues(month: object, region: object, rule: object, severity: object) -> list:
    """The issue chart and list follow the month, region, rule and severity."""
    return components.guarded(issues_section, month, region, rule, severity)


DOWNLOAD_BUTTONS = {
    ids.RETURNS_GRID_CSV_BUTTON: "grid",
    ids.RETURNS_CHASE_CSV_BUTTON: "chase-csv",
    ids.RETURNS_CHASE_XLSX_BUTTON: "chase-xlsx",
    ids.RETURNS_ISSUES_CSV_BUTTON: "issues",
}


@callback(
    Output(ids.RETURNS_CHASE_DOWNLOAD, "data"),
    *[Input(button, "n_clicks") for button in DOWNLOAD_BUTTONS],
    State(ids.RETURNS_MONTH, "value"),
    State(ids.RETURNS_REGION, "value"),
    State(ids.RETURNS_RULE, "value"),
    State(ids.RETURNS_SEVERITY, "value"),
    prevent_initial_call=True,
)
def download_file(*args: object) -> dict | None:
    """The download asked for (formulas neutralised, synthetic data stamped by `exports`)."""
    month, region, rule, severity = args[-4:]
    which = DOWNLOAD_BUTTONS.get(dash.ctx.triggered_id)
    if which is None:
        return None
    try:
        return download(which, month, region, rule, severity)
    except OversightError:
        return None  # the sections already show the message for a bad month, region or rule
