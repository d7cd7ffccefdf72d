"""Small helpers for the validation tests: run the validator at a fixed date and find issues by rule."""

from __future__ import annotations

from datetime import date

from etl.returns import Issue, ValidationResult
from etl.settings import Limits
from etl.validate import validate_bytes

TODAY = date(2026, 11, 29)  # so 2026-10 is the latest completed month


def check(data: bytes | str, name: str = "return.csv", *, today: date = TODAY, limits: Limits | None = None) -> ValidationResult:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return validate_bytes(raw, name, today=today, limits=limits)


def issues_of(result: ValidationResult, rule: str) -> list[Issue]:
    return [issue for issue in result.issues if issue.rule == rule]


def only_issue(result: ValidationResult, rule: str) -> Issue:
    """The one issue of `rule`, failing with the whole issue list when there is not exactly one."""
    found = issues_of(result, rule)
    assert len(found) == 1, f"expected one {rule}, got {[i.message for i in result.issues]}"
    return found[0]


def assert_names_location(issue: Issue, file: str = "return.csv") -> None:
    """The message names the file, the row (or the whole file), the column and the value."""
    assert file in issue.message
    assert (f"row {issue.row}" if issue.row is not None else "whole file") in issue.message
    if issue.column is not None:
        assert f"column '{issue.column}'" in issue.message
    if issue.value is not None:
        assert f"value '{issue.value}'" in issue.message
    assert issue.hint
