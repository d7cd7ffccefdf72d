"""Withheld values (disclosure control) read `c` in tables and exports, values that do not exist read `x`
(GSS/DfE symbols), each with its key; never a blank."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest
from dash._utils import to_json
from openpyxl import load_workbook

from dashboard import exports
from dashboard.components import data_table


def five_rows() -> pl.DataFrame:
    """As the data-access layer gives it: Derby's count is withheld, so its count and rate are null."""
    return pl.DataFrame({
        "name": ["Derby", "Leicester", "Nottingham", "Rutland", "Lincoln"],
        "concerns": [None, 12, 0, 7, 30],
        "rate": [None, 3.1, 0.0, None, 5.2],  # Rutland's rate is missing for another reason
        "score": [88.0, 91.0, 75.5, 60.0, 99.0],
        "disclosure": ["c", None, None, None, None],
    })


def _markup(component) -> str:
    """Every text in the component tree (the table's HTML is one of them), joined."""
    def texts(node) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [t for value in node.values() for t in texts(value)]
        if isinstance(node, list):
            return [t for value in node for t in texts(value)]
        return []
    return "\n".join(texts(json.loads(to_json(component))))


def test_a_withheld_count_and_its_rate_read_c_in_the_table_with_the_key():
    text = _markup(data_table(five_rows(), "Concerns", labels={"name": "Authority", "concerns": "Concerns",
                                                               "rate": "Rate", "score": "Score"}))
    derby = text.split("Derby")[1].split("</tr>")[0]
    assert derby.count("<td>c</td>") == 2 and "<td>88.0</td>" in derby  # the score is still shown
    rutland = text.split("Rutland")[1].split("</tr>")[0]
    assert "<td>c</td>" not in rutland and "<td>x</td>" in rutland  # a missing value is not a withheld one
    assert exports.SUPPRESSED_KEY in text


def test_a_table_with_nothing_withheld_has_no_key():
    text = _markup(data_table(five_rows().filter(pl.col("name") != "Derby"), "Concerns"))
    assert exports.SUPPRESSED_KEY not in text and "<td>c</td>" not in text


def test_the_csv_export_writes_c_for_a_withheld_value():
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(five_rows(), synthetic=False).decode("utf-8-sig"))))
    assert rows[0] == ["name", "concerns", "rate", "score", "disclosure"]
    assert rows[1] == ["Derby", "c", "c", "88.0", "c"]
    assert rows[4] == ["Rutland", "7", "x", "60.0", ""]


def test_the_xlsx_export_writes_c_for_a_withheld_value_and_keeps_numbers_numeric():
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(five_rows(), synthetic=False)))["data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("Derby", "c", "c", 88.0, "c")
    assert rows[2] == ("Leicester", 12, 3.1, 91.0, None)


# ---- a row holding both a withheld and a missing value ------------------------------------------------

def withheld_and_missing() -> pl.DataFrame:
    """Derby's rate is withheld by the real masking step; England's value beside it is genuinely missing
    (not calculated for that month), and so are Derby's population and Rutland's score."""
    from dashboard import disclosure

    frame = pl.DataFrame({
        "name": ["Derby", "Rutland"],
        "rate": [2.5, 3.0],
        "england": [None, 6.0],
        "score": [88.0, None],
        "population": [None, 9000],
    })
    return disclosure.mask_columns(frame, pl.Series([True, False]), ["rate"])


def test_a_row_with_a_withheld_and_a_missing_value_reads_c_and_x_in_the_table_with_both_keys():
    text = _markup(data_table(withheld_and_missing(), "Rates", labels={
        "name": "Authority", "rate": "Rate", "england": "England", "score": "Score", "population": "Population"}))
    derby = text.split("Derby")[1].split("</tr>")[0]
    assert derby == "</th><td>c</td><td>x</td><td>88.0</td><td>x</td>"
    rutland = text.split("Rutland")[1].split("</tr>")[0]
    assert rutland == "</th><td>3.0</td><td>6.0</td><td>x</td><td>9,000</td>"
    assert exports.SUPPRESSED_KEY in text and exports.NOT_AVAILABLE_KEY in text


def test_a_row_with_a_withheld_and_a_missing_value_reads_c_and_x_in_csv_and_xlsx():
    frame = withheld_and_missing()
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(frame, synthetic=False).decode("utf-8-sig"))))
    assert rows[0] == ["name", "rate", "england", "score", "population", "disclosure"]
    assert rows[1] == ["Derby", "c", "x", "88.0", "x", "c"]
    assert rows[2] == ["Rutland", "3.0", "6.0", "x", "9000", ""]
    assert rows[3] == [exports.key_line(["c", "x"])] and "c = " in rows[3][0] and "x = " in rows[3][0]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(frame, synthetic=False)))["data"]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[1] == ("Derby", "c", "x", 88.0, "x", "c")
    assert cells[2] == ("Rutland", 3.0, 6.0, "x", 9000, None)
    assert cells[3][0] == exports.key_line(["c", "x"])


def test_masking_a_column_disclosure_control_does_not_declare_is_refused():
    from dashboard import disclosure

    with pytest.raises(ValueError, match="WITHHELD_COLUMNS"):
        disclosure.mask_columns(pl.DataFrame({"score": [1.0]}), pl.Series([True]), ["score"])


def test_a_frame_built_elsewhere_keeps_blank_cells():
    """Only frames from the data-access layer (with a `disclosure` column) get symbols."""
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(pl.DataFrame({"a": [None, 1]}), synthetic=False)
                                       .decode("utf-8-sig"))))
    assert rows == [["a"], [""], ["1"]]


# ---- a page, as a council sees it (full demo database) -------------------------------------------------

@pytest.mark.slow  # on the full demo database (built once per session); kept in make test
def test_a_council_sees_c_for_another_authoritys_withheld_month_in_the_regional_table(demo_db):
    import duckdb
    from conftest import DEMO_END

    from dashboard import ids
    from dashboard.queries import regional as queries
    from dashboard.queries import disclosure as disclosure_queries
    from dashboard.server import create_app
    from etl.periods import parse_period
    from dashboard.viewer import Viewer, viewing_as
    from test_callbacks import find

    create_app(demo_db)
    from dashboard.pages import regional

    london, elsewhere = "E12000007", next(code for code in regional._regions() if code != "E12000007")
    period = parse_period(DEMO_END)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        with viewing_as(Viewer.national()):
            authorities = queries.region_table(con, period, "month", london, ["composite"])
            council = queries.region_table(con, period, "month", elsewhere, ["composite"])["authority_code"][0]
        viewer = Viewer.council(council)
        gone = disclosure_queries.hidden(con, viewer).filter(
            (pl.col("level") == "authority") & (pl.col("period") == period) & (pl.col("window") == "month")
            & pl.col("code").is_in(authorities["authority_code"].to_list())
        )
    finally:
        con.close()
    assert not gone.is_empty(), "the demo should withhold some London authority's month from another council"
    name = authorities.filter(pl.col("authority_code") == gone["code"][0])["name"][0]

    def row_of(who: Viewer) -> tuple[str, str]:
        with viewing_as(who):
            section = regional.update_table(DEMO_END, "month", london, "name", "asc")
        table = find(section, ids.REGIONAL_TABLE).children.children
        return table.split(f">{name}</a>")[1].split("</tr>")[0], _markup(section)

    council_row, council_page = row_of(viewer)
    assert "<td>c</td>" in council_row and exports.SUPPRESSED_KEY in council_page
    national_row, _ = row_of(Viewer.national())
    assert "<td>c</td>" not in national_row


def test_a_cause_whose_points_are_withheld_has_no_total_reads_c_and_the_summary_says_so(small_db):
    from dashboard.server import create_app

    create_app(small_db)
    from dashboard.pages import authority

    parts = pl.DataFrame({  # as queries.components gives them to the public: completeness points withheld
        "dimension": ["completeness", "completeness", "timeliness", "validity"],
        "rule_id": ["not_recorded.sex", "not_recorded.sex", "late", "E106"],
        "composite_points": [None, None, 0.5, 1.25],
        "fix": ["Record sex", "Record sex", "Send on time", "Use whole numbers"],
        "disclosure": ["c", "c", None, None],
    }, schema_overrides={"composite_points": pl.Float64})
    by_cause = authority._points_by_cause(parts)
    assert by_cause["rule_id"].to_list() == ["E106", "late", "not_recorded.sex"]  # withheld last, never a 0
    assert by_cause["points"].to_list() == [1.25, 0.5, None] and by_cause["disclosure"].to_list() == [None, None, "c"]
    summary = authority._points_summary(by_cause)
    assert summary.startswith("1.8 points of the composite score were lost to the causes shown")
    assert "points lost to 1 cause of completeness or transfers are withheld (c)" in summary
    table = _markup(data_table(by_cause, "Points", labels={"dimension": "Dimension", "cause": "Cause", "points": "Points"}))
    withheld_row = next(row for row in table.split("</tr>") if "sex" in row.lower())
    assert withheld_row.count("<td>c</td>") == 1 and exports.SUPPRESSED_KEY in table, withheld_row
    assert authority._points_summary(by_cause.filter(pl.col("disclosure").is_null())).endswith("(1.2 points).")


def test_a_points_chart_with_every_cause_withheld_says_so_rather_than_that_nothing_was_lost():
    from dashboard.figures.authority import points_lost_figure

    withheld = pl.DataFrame({"dimension": ["completeness"], "rule_id": ["not_recorded.sex"], "points": [None],
                             "cause": ["Sex not recorded"]}, schema_overrides={"points": pl.Float64})
    text = json.dumps(points_lost_figure(withheld).to_plotly_json(), default=str)
    assert "withheld (c)" in text and "No points were lost" not in text
    none = withheld.clear()
    assert "No points were lost" in json.dumps(points_lost_figure(none).to_plotly_json(), default=str)
