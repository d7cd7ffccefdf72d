"""Issues as a person reads them: one finding per rule and problem with the rows it covers, and the
one line to act on first.

The validator keeps one Issue per row (the loader stores them and the validity score counts rows);
every report (`oversight validate`, the Check a return page) shows these findings instead, so a
blank template reads as one finding over 48 rows, not 48 findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from .returns import Issue, ValidationResult

SHOWN_ROWS = 8  # rows listed before "and N more"
_SHOWN_VALUES = 4  # distinct values listed in a finding over several rows
_UNREADABLE = ("E101", "E119", "E120", "E102")  # the file could not be read far enough to check rows


@dataclass(frozen=True)
class Finding:
    """Issues of one rule that say the same thing about the same column, on one or more rows."""

    rule: str
    severity: str
    column: str | None
    rows: tuple[int, ...]  # data rows (header = 0), in order; empty for a whole-file finding
    values: tuple[str, ...]  # the distinct values, in order of first appearance
    detail: str  # what is wrong, without where
    message: str  # where and what, as one sentence
    hint: str
    issue_count: int

    @property
    def where(self) -> str:
        return rows_text(list(self.rows)) if self.rows else "whole file"


def rows_text(rows: list[int]) -> str:
    """'row 3' or 'rows 1, 2, 3, 4, 5, 6, 7, 8 and 40 more'."""
    listed = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
    more = f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
    return f"row{'s' if len(rows) > 1 else ''} {listed}{more}"


def _values_text(values: list[str]) -> str:
    shown = ", ".join(f"'{v}'" for v in values[:_SHOWN_VALUES])
    more = f" and {len(values) - _SHOWN_VALUES} more" if len(values) > _SHOWN_VALUES else ""
    return f"values {shown}{more}"


def group_issues(issues: list[Issue], file: str) -> list[Finding]:
    """One Finding per (rule, column, detail), in the order the issues are given (errors first)."""
    groups: dict[tuple, list[Issue]] = {}
    for issue in issues:
        # Issues read back from the database have no detail: each stays its own finding.
        key = (issue.rule, issue.severity, issue.column, issue.detail or issue.message)
        groups.setdefault(key, []).append(issue)
    findings = []
    for (rule, severity, column, _), members in groups.items():
        first = members[0]
        rows = tuple(sorted({i.row for i in members if i.row is not None}))
        values = tuple(dict.fromkeys(i.value for i in members if i.value is not None))
        if len(members) == 1 or not first.detail:
            message = first.message
        else:
            where = [file, rows_text(list(rows)) if rows else "whole file"]
            if column is not None:
                where.append(f"column '{column}'")
            if len(values) == 1:
                where.append(f"value '{values[0]}'")
            elif values:
                where.append(_values_text(list(values)))
            message = f"{', '.join(where)}: {first.detail}"
        findings.append(Finding(rule, severity, column, rows, values, first.detail or first.message, message,
                                first.hint, len(members)))
    return findings


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


def lead_line(result: ValidationResult) -> str:
    """The one line to act on first: what stops the return loading, or that nothing does."""
    if result.status == "accepted":
        return "Nothing to fix: this return meets the standard and would load as it is."
    findings = group_issues(result.issues, result.file)
    errors = [f for f in findings if f.severity == "error"]
    by_rule = {f.rule: f for f in reversed(errors)}
    for rule in _UNREADABLE:
        if rule in by_rule:
            return f"{_sentence(by_rule[rule].detail)} {by_rule[rule].hint}"
    if any(f.rule == "E106" and "every count" in f.detail for f in errors):
        return ("The counts are not filled in yet: enter a whole number in the count column of every row "
                "(0 where there were none), then check the file again.")
    if "E122" in by_rule:
        cells = sum(f.issue_count for f in errors if f.rule == "E122")
        if cells == 1:
            return ("1 cell holds a formula with no saved result: open the file in Excel or LibreOffice and save it, "
                    "or type the number in place of the formula.")
        return (f"{cells} cells hold formulas with no saved result: open the file in Excel or LibreOffice and save it, "
                "or type the numbers in place of the formulas.")
    if "E103" in by_rule:
        if by_rule["E103"].column is None:  # no header at all
            return f"{_sentence(by_rule['E103'].detail)} {by_rule['E103'].hint}"
        missing = ", ".join(f.column or "" for f in errors if f.rule == "E103")
        return (f"The header row does not name the column{'s' if ',' in missing else ''} {missing}: "
                "use the header authority_code, period, section, category, count.")
    if errors:
        first = errors[0]
        more = f" ({len(errors)} problems to fix in all)" if len(errors) > 1 else ""
        return f"This return would be rejected{more}. First, {first.where}: {first.detail}. {first.hint}"
    first = findings[0]
    more = f"{len(findings)} queries" if len(findings) > 1 else "a query"
    return f"This return would load, with {more} to look at. First, {first.where}: {first.detail}. {first.hint}"
