"""Findings: a rule's issues that say the same thing are one finding with their rows; the lead line."""

from __future__ import annotations

from etl.findings import group_issues, lead_line, rows_text
from etl.returns import Issue
from returns_factory import canonical_rows, return_csv, set_count
from validation_helpers import check


def _issue(row: int | None, value: str | None, detail: str = "the count is not a whole number of 0 or more", rule: str = "E106") -> Issue:
    return Issue(rule, "error", row, "count", value, f"r.csv, row {row}, column 'count': {detail}", "Enter a whole number.", detail)


def test_rows_are_listed_up_to_eight_then_counted():
    assert rows_text([3]) == "row 3"
    assert rows_text(list(range(1, 49))) == "rows 1, 2, 3, 4, 5, 6, 7, 8 and 40 more"


def test_issues_saying_the_same_thing_are_one_finding_that_lists_their_rows_and_values():
    (finding,) = group_issues([_issue(2, "-3"), _issue(5, "x"), _issue(9, "-3")], "r.csv")
    assert finding.rows == (2, 5, 9) and finding.values == ("-3", "x") and finding.issue_count == 3
    assert finding.message == "r.csv, rows 2, 5, 9, column 'count', values '-3', 'x': the count is not a whole number of 0 or more"


def test_a_single_issue_keeps_its_own_message_and_different_details_stay_apart():
    findings = group_issues([_issue(2, "-3"), _issue(4, "", "the total is empty")], "r.csv")
    assert [f.message for f in findings] == ["r.csv, row 2, column 'count': the count is not a whole number of 0 or more",
                                             "r.csv, row 4, column 'count': the total is empty"]


def test_issues_read_back_from_the_database_without_detail_are_never_merged():
    stored = [Issue("E106", "error", row, "count", "-3", f"r.csv, row {row}: bad", "fix") for row in (1, 2)]
    assert len(group_issues(stored, "r.csv")) == 2


def test_the_lead_line_names_the_first_thing_to_fix():
    assert lead_line(check(return_csv())).startswith("Nothing to fix")
    rejected = check(return_csv(rows=set_count(canonical_rows(), "sex", "MALE", "-3")))
    assert lead_line(rejected).startswith("This return would be rejected. First, row ")
    assert "the count is not a whole number of 0 or more" in lead_line(rejected)
    unreadable = check(b"\x00\x01binary", "r.csv")
    assert lead_line(unreadable).startswith("The file contains NUL bytes")
