"""Returns page: the grid states, chase list, issue lists and load runs, their figures, and input checks."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import polars as pl
import pytest
from returns_fixtures import AS_OF, build_returns_db

from dashboard import state
from dashboard.figures import returns as figures
from dashboard.queries import common, returns as queries
from etl.errors import InvalidInputError
from etl.settings import fixed_today


@pytest.fixture(scope="module")
def returns_con(tmp_path_factory: pytest.TempPathFactory):
    path = build_returns_db(tmp_path_factory.mktemp("returns") / "returns.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _state(grid: pl.DataFrame, code: str, period: str) -> str:
    year, month = map(int, period.split("-"))
    return grid.filter((pl.col("authority_code") == code) & (pl.col("period") == date(year, month, 1)))["state"].item()


@pytest.fixture(scope="module")
def grid(returns_con) -> pl.DataFrame:
    return queries.returns_grid(returns_con, date(2026, 10, 1), months=4, as_of=AS_OF)


def test_grid_marks_a_return_received_before_the_deadline_accepted(grid):
    assert _state(grid, "E06000001", "2026-08") == "accepted"


def test_grid_marks_a_return_first_received_after_the_deadline_late(grid):
    assert _state(grid, "E06000001", "2026-09") == "late"
    row = grid.filter((pl.col("authority_code") == "E06000001") & (pl.col("period") == date(2026, 9, 1)))
    assert row["days_late"].item() == 5


def test_grid_marks_a_month_with_only_rejected_files_rejected(grid):
    assert _state(grid, "E09000001", "2026-09") == "rejected"


def test_grid_judges_timeliness_by_the_first_loadable_version(grid):
    # v1 arrived on time and was superseded by a v2 after the deadline: still on time.
    assert _state(grid, "E09000001", "2026-08") == "accepted"


def test_grid_marks_a_month_past_its_deadline_with_no_file_missing(grid):
    assert _state(grid, "E06000001", "2026-07") == "missing"
    assert _state(grid, "E06000001", "2026-10") == "missing"  # due 15 Nov, today is 29 Nov


def test_grid_marks_a_month_whose_deadline_is_ahead_not_due(returns_con):
    grid = queries.returns_grid(returns_con, date(2026, 10, 1), months=1, as_of=date(2026, 11, 10))
    assert set(grid["state"]) == {"not_due"}


def test_grid_leaves_out_months_an_authority_was_not_owing(grid):
    cumbria = grid.filter(pl.col("authority_code") == "E10000006")
    assert cumbria["period"].to_list() == [date(2026, 7, 1), date(2026, 8, 1)]


def test_grid_filters_to_one_region(returns_con):
    grid = queries.returns_grid(returns_con, date(2026, 10, 1), months=4, region="E12000007", as_of=AS_OF)
    assert set(grid["authority_code"]) == {"E09000001"}


def test_chase_list_holds_missing_late_and_rejected_with_reasons(returns_con):
    chase = queries.chase_list(returns_con, date(2026, 9, 1), as_of=AS_OF)
    by_code = {row["authority_code"]: row for row in chase.iter_rows(named=True)}
    assert set(by_code) == {"E06000001", "E09000001"}
    assert by_code["E06000001"]["state"] == "late"
    assert "5 days after the deadline" in by_code["E06000001"]["reason"]
    assert by_code["E09000001"]["state"] == "rejected"
    assert "E_COUNT_NOT_WHOLE" in by_code["E09000001"]["reason"]
    assert "E_MISSING_TOTAL" in by_code["E09000001"]["reason"]


def test_chase_list_says_when_a_missing_return_was_due(returns_con):
    chase = queries.chase_list(returns_con, date(2026, 10, 1), as_of=AS_OF)
    reasons = dict(zip(chase["authority_code"], chase["reason"]))
    assert reasons["E06000001"] == "No return received; it was due by 15 November 2026."


def test_validation_issues_filter_by_rule(returns_con):
    issues = queries.validation_issues(returns_con, date(2026, 7, 1), date(2026, 10, 1), rule="Q_SUM_MISMATCH")
    assert issues["rule_id"].to_list() == ["Q_SUM_MISMATCH"]
    assert issues["authority_name"].to_list() == ["Hartlepool"]


def test_validation_issues_filter_by_severity(returns_con):
    issues = queries.validation_issues(returns_con, date(2026, 7, 1), date(2026, 10, 1), severity="error")
    assert set(issues["rule_id"]) == {"E_COUNT_NOT_WHOLE", "E_MISSING_TOTAL"}


def test_issue_counts_count_issues_files_and_authorities_per_rule(returns_con):
    counts = queries.issue_counts(returns_con, date(2026, 7, 1), date(2026, 10, 1))
    assert counts.filter(pl.col("rule_id") == "E_COUNT_NOT_WHOLE").select("issues", "files", "authorities").row(0) == (1, 1, 1)
    assert counts.height == 3


def test_load_runs_are_newest_first(returns_con):
    runs = queries.load_runs(returns_con)
    assert runs["command"].to_list() == ["refresh", "load"]


@pytest.mark.parametrize("text", ["2031-01", "2026-13", "October", "", None, 202609])
def test_an_unknown_or_malformed_period_is_refused_with_a_clear_message(returns_con, text):
    with pytest.raises(InvalidInputError, match="period"):
        state.check_period(text, queries.available_periods(returns_con), holding="returns")


def test_a_known_period_is_accepted(returns_con):
    assert state.check_period("2026-09", queries.available_periods(returns_con), holding="returns") == date(2026, 9, 1)


def test_the_months_on_offer_are_those_with_a_return_file(returns_con):
    assert queries.available_periods(returns_con) == [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]


@pytest.mark.parametrize("rule", ["E999", "'; drop table submission; --", 7])
def test_an_unknown_rule_is_refused(returns_con, rule):
    with pytest.raises(InvalidInputError, match="rule"):
        queries.check_rule(rule, queries.known_rules(returns_con))


def test_the_rules_on_offer_are_those_that_fired(returns_con):
    assert queries.known_rules(returns_con) == ["E_COUNT_NOT_WHOLE", "E_MISSING_TOTAL", "Q_SUM_MISMATCH"]


@pytest.mark.parametrize("region", ["E12000099", "London", ["E12000001"], "E" * 500])
def test_an_unknown_region_is_refused_without_echoing_long_input(returns_con, region):
    with pytest.raises(InvalidInputError, match="region") as refused:
        queries.check_region(region, common.regions(returns_con)["region_code"])
    assert len(str(refused.value)) < 120


def test_all_regions_and_all_rules_mean_no_filter(returns_con):
    assert queries.check_region("all", common.regions(returns_con)["region_code"]) is None
    assert queries.check_rule("all", queries.known_rules(returns_con)) is None
    assert queries.check_severity("all") is None


def test_the_deadline_comes_from_the_scoring_configuration(tmp_path: Path):
    config = tmp_path / "scoring.toml"
    config.write_text("[timeliness]\ndeadline_day = 20\ndeadline_months_after = 2\n", encoding="utf-8")
    assert queries.deadline_rule(config) == (2, 20)
    assert queries.deadline_rule(tmp_path / "absent.toml") == (1, 15)


# ---- figures ------------------------------------------------------------------------------------

class _GridParser(HTMLParser):
    """Collects every th/td of an HTML table: (tag, attributes, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict] | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._open, self._text = (tag, dict(attrs)), ""

    def handle_data(self, data):
        self._text += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._open:
            self.cells.append((*self._open, self._text))
            self._open = None


def _parse(markup: str) -> list[tuple[str, dict, str]]:
    parser = _GridParser()
    parser.feed(markup)
    return parser.cells


def test_grid_shows_a_letter_and_a_state_class_in_every_owed_cell(grid):
    owed = [(attrs, text) for tag, attrs, text in _parse(figures.grid_html(grid)) if tag == "td" and text]
    assert len(owed) == grid.height
    for attrs, text in owed:
        state = attrs["class"].removeprefix("cell-")
        assert text == figures.STATE_STYLE[state]["letter"]
        if state != "accepted":  # an accepted cell's letter says it all; the others explain themselves
            assert figures.STATE_STYLE[state]["label"] in attrs["title"]


def test_grid_groups_authorities_under_their_region(grid):
    cells = _parse(figures.grid_html(grid))
    headings = [text for tag, attrs, text in cells if tag == "th" and attrs.get("scope") in ("row", "rowgroup")]
    assert headings == ["London", "City of London", "North East", "Cumbria", "Hartlepool"]


def test_grid_leaves_a_blank_cell_for_a_month_an_authority_did_not_exist(grid):
    blanks = [attrs["title"] for tag, attrs, text in _parse(figures.grid_html(grid)) if tag == "td" and not text]
    assert blanks == ["Cumbria did not exist in Sep 2026", "Cumbria did not exist in Oct 2026"]


def test_grid_escapes_names_so_no_markup_from_data_reaches_the_page(grid):
    hostile = grid.with_columns(pl.lit('<img src=x onerror="alert(1)">').alias("authority_name"))
    markup = figures.grid_html(hostile)
    assert "<img" not in markup
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup


def test_state_counts_account_for_every_owed_return(grid):
    counts = figures.state_counts(grid)
    assert counts["returns"].sum() == grid.height
    figure = figures.returns_state_figure(counts)
    exceptions = counts.filter(pl.col("state").is_in(figures.EXCEPTIONS))["returns"].sum()
    accepted = counts.filter(pl.col("state") == "accepted")["returns"].sum()
    assert sum(sum(trace.y) for trace in figure.data) == exceptions  # the bars are the exceptions
    assert sum(figure.data[0].customdata) == accepted  # accepted returns are in the hover text
    assert all(trace.name[0] in "QLRM" for trace in figure.data)


def test_the_issue_chart_names_each_rule_by_its_title():
    counts = pl.DataFrame({"rule_id": ["Q204", "E106"], "severity": ["query", "error"], "issues": [3, 1]})
    figure = figures.issue_counts_figure(counts, {"Q204": "Label repaired"})
    assert list(figure.data[0].hovertext) == ["E106 (error)", "Label repaired (Q204, query)"]


def test_issue_counts_figure_draws_one_bar_per_rule_with_its_severity(returns_con):
    counts = queries.issue_counts(returns_con, date(2026, 7, 1), date(2026, 10, 1))
    figure = figures.issue_counts_figure(counts)
    assert sorted(figure.data[0].hovertext) == sorted(f"{r} ({s})" for r, s in zip(counts["rule_id"], counts["severity"]))


def test_issue_counts_figure_says_so_when_there_are_no_issues():
    empty = pl.DataFrame(schema={"rule_id": pl.String, "severity": pl.String, "issues": pl.Int64})
    figure = figures.issue_counts_figure(empty)
    assert not figure.data
    assert "No validation issues" in figure.layout.annotations[0].text


# ---- callbacks, called as functions on an app over the tiny database ------------------------------

@pytest.fixture(scope="module")
def returns_page(tmp_path_factory: pytest.TempPathFactory):
    """The Returns page module of an app serving the tiny database (today fixed to AS_OF)."""
    from dashboard import database
    from dashboard.server import create_app

    path = build_returns_db(tmp_path_factory.mktemp("returns-app") / "returns.duckdb")
    with fixed_today(AS_OF):
        create_app(path)
        yield page_module("/returns")
        database.reset()


def page_module(path: str):
    """The module Dash loaded for the page at `path` (Dash imports page files itself)."""
    import sys

    import dash

    (entry,) = [page for page in dash.page_registry.values() if page["path"] == path]
    return sys.modules[entry["module"]]


def _all_text(components_tree) -> str:
    from dash._utils import to_json

    return to_json(components_tree)


def test_update_returns_draws_the_grid_and_chase_list_for_a_valid_month(returns_page):
    grid, chase = returns_page.update_returns("2026-09", "all")
    text = _all_text(grid + chase)
    assert "returns-grid" in text and "October 2025 to September 2026" in text
    assert "Hartlepool" in text and "Chase list for September 2026" in text


def test_cached_sections_follow_the_day_as_well_as_the_database(returns_page, monkeypatch):
    # Cumbria sent no return for August 2026 (due 15 September): missing on 29 November, not yet due
    # on 10 September. The same database gives both answers, on the two days.
    grid, chase = map(_all_text, returns_page.update_returns("2026-08", "all"))
    assert "In August 2026, of 3 returns owed: 2 accepted, 1 missing." in grid
    assert "1 authorities to chase for August 2026: 1 missing." in chase
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-09-10")
    grid, chase = map(_all_text, returns_page.update_returns("2026-08", "all"))
    assert "In August 2026, of 3 returns owed: 2 accepted, 1 not yet due." in grid
    assert "Every return owed for August 2026 was received on time and loaded." in chase


@pytest.mark.parametrize(
    "month,region,expected",
    [
        ("2031-01", "all", "There are no returns for period 2031-01"),
        ("not-a-month", "all", "is not a month in the form YYYY-MM"),
        (None, "all", "is not a month in the form YYYY-MM"),
        ("2026-09", "E12000099", "is not an English region code"),
        ({"__proto__": 1}, "all", "is not a month in the form YYYY-MM"),
        ("x" * 10_000, "all", "is not a month in the form YYYY-MM"),
    ],
)
def test_update_returns_answers_a_crafted_input_with_a_short_message(returns_page, month, region, expected):
    grid, chase = returns_page.update_returns(month, region)
    for part in (grid, chase):
        assert part.role == "alert"
        assert expected in part.children and len(part.children) < 200


@pytest.mark.parametrize(
    "rule,severity,expected",
    [("E999", "all", "Rule 'E999' has no validation issues"), ("all", "warning", "must be 'error' or 'query'")],
)
def test_update_issues_answers_an_unknown_rule_or_severity_with_a_message(returns_page, rule, severity, expected):
    alert = returns_page.update_issues("2026-09", "all", rule, severity)
    assert alert.role == "alert" and expected in alert.children


def test_update_issues_lists_only_the_chosen_rule(returns_page):
    text = _all_text(returns_page.update_issues("2026-09", "all", "E_MISSING_TOTAL", "all"))
    assert "E_MISSING_TOTAL" in text
    assert "Q_SUM_MISMATCH" not in text.split("Validation issues")[-1]


def test_the_chase_list_downloads_as_csv_and_xlsx(returns_page):
    import base64

    csv_file = returns_page.download("chase-csv", "2026-09", "all")
    xlsx_file = returns_page.download("chase-xlsx", "2026-09", "all")
    text = base64.b64decode(csv_file["content"]).decode("utf-8-sig")
    assert csv_file["filename"] == "chase-list-2026-09.csv"
    assert "Hartlepool" in text and "City of London" in text
    assert xlsx_file["filename"].endswith(".xlsx") and base64.b64decode(xlsx_file["content"])[:2] == b"PK"


def test_a_download_with_a_crafted_month_gives_nothing_rather_than_an_error(returns_page):
    import dash

    from dashboard import ids

    class _Ctx:
        triggered_id = ids.RETURNS_CHASE_CSV_BUTTON

    original = dash.ctx
    try:
        returns_page.dash.ctx = _Ctx()
        assert returns_page.download_file(1, 0, 0, 0, "1999-01", "all", "all", "all") is None
    finally:
        returns_page.dash.ctx = original


def _ids_in(component) -> set[str]:
    """Every string id in a layout tree."""
    found = set()
    component_id = getattr(component, "id", None)
    if isinstance(component_id, str):
        found.add(component_id)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            found |= _ids_in(child)
    return found


def _callback_ids(app, prefix: str) -> set[str]:
    """The component ids named (as output, input or state) by the app's callbacks for one page."""
    named = set()
    for entry in app._callback_list:
        outputs = entry["output"].strip(".").split("...")
        named |= {output.rsplit(".", 1)[0] for output in outputs}
        named |= {dep["id"] for dep in entry["inputs"] + entry["state"] if isinstance(dep["id"], str)}
    return {component_id for component_id in named if component_id.startswith(prefix)}


def test_layout_over_an_empty_database_holds_every_id_its_callbacks_name(returns_page, tmp_path: Path):
    import dash

    from dashboard import database, ids
    from etl.db import connect, migrate, sync_reference

    empty = tmp_path / "empty.duckdb"
    con = connect(empty)
    migrate(con)
    sync_reference(con)
    con.close()
    serving = database.db_path()
    database.configure(empty)
    try:
        page = returns_page.layout()
    finally:
        database.configure(serving)
    needed = _callback_ids(dash.get_app(), "returns-")
    assert ids.RETURNS_MONTH in needed and ids.RETURNS_CHASE_DOWNLOAD in needed
    assert needed - _ids_in(page) == set()
    assert ids.RETURNS_MESSAGE in _ids_in(page)
