"""Filling the XLSX template the ways councils fill it, and the outcome each way should get.

Shared by the round-trip test (CLI and page callback) and the browser test. Workbooks are filled
with openpyxl, which (like many scripts and exports) saves formulas with no result;
`with_saved_results` writes the result in, as Excel or LibreOffice would.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from crafted_xlsx import with_saved_results
from returns_factory import AUTHORITY, canonical_rows

COUNTS = {(s, c): n for s, c, n in canonical_rows(12, transfers_out=())}
TOTAL = COUNTS[("total", "ALL")]


# --- filling the template as councils do ------------------------------------------------------------


def _rows(sheet) -> dict[tuple[str, str | None], list[int]]:  # noqa: ANN001 - an openpyxl sheet
    """(section, category) -> sheet rows; the spare transfer rows have category None."""
    found: dict[tuple[str, str | None], list[int]] = {}
    for row in sheet.iter_rows(min_row=2):
        found.setdefault((row[2].value, row[3].value), []).append(row[0].row)
    return found


def _saved(workbook) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _filled(template: Path, *, unused: object = None, text: bool = False) -> object:
    """The template's workbook with every count typed in; rows whose count is 0 get `unused`."""
    workbook = load_workbook(template)
    sheet = workbook["return"]
    for (section, category), rows in _rows(sheet).items():
        for row in rows:
            if category is None:  # a spare transfer row
                sheet.cell(row=row, column=5, value=unused)
                continue
            count = COUNTS[(section, category)]
            value: object = unused if count == 0 else count
            if text and isinstance(value, int):
                value = f" {value}\u00a0"  # typed as text, with a space before and a no-break space after
            sheet.cell(row=row, column=5, value=value)
    return workbook


def every_unused_row_0(template: Path) -> bytes:
    return _saved(_filled(template, unused=0))


def unused_rows_blank(template: Path) -> bytes:
    return _saved(_filled(template, unused=None))


def numbers_typed_as_text_with_spaces(template: Path) -> bytes:
    return _saved(_filled(template, unused=0, text=True))


def _total_as_formula(template: Path) -> tuple[bytes, str]:
    workbook = _filled(template, unused=0)
    sheet = workbook["return"]
    rows = _rows(sheet)
    concern_rows = [r for (section, _), found in rows.items() if section == "concern_type" for r in found]
    formula = f"SUM(E{min(concern_rows)}:E{max(concern_rows)})"
    sheet.cell(row=rows[("total", "ALL")][0], column=5, value="=" + formula)
    return _saved(workbook), formula


def total_as_formula_without_saved_value(template: Path) -> bytes:
    return _total_as_formula(template)[0]


def total_as_formula_with_saved_value(template: Path) -> bytes:
    data, formula = _total_as_formula(template)
    return with_saved_results(data, {formula: str(TOTAL)})


def extra_blank_rows_at_the_end(template: Path) -> bytes:
    workbook = _filled(template, unused=0)
    sheet = workbook["return"]
    fill = PatternFill("solid", fgColor="FFF2CC")
    last = sheet.max_row
    for row in range(last + 1, last + 300):
        sheet.cell(row=row, column=5).fill = fill  # formatted but empty
        if row % 3 == 0:
            sheet.cell(row=row, column=4, value="  ")  # a space typed and forgotten
    return _saved(workbook)


def _listed(workbook, column: int) -> list[str]:  # noqa: ANN001
    """What a drop-down offers: the values of one column of the hidden lists sheet."""
    return [row[0] for row in workbook["lists"].iter_rows(min_row=2, min_col=column, max_col=column, values_only=True) if row[0]]


def categories_picked_from_the_drop_downs(template: Path) -> bytes:
    workbook = _filled(template, unused=0)
    sheet = workbook["return"]
    counterparty = next(code for code in _listed(workbook, 3) if code != AUTHORITY)
    spare = _rows(sheet)[("transfer_in", None)][0]
    sheet.cell(row=spare, column=3, value=_listed(workbook, 4)[0])  # transfer_in, from the section list
    sheet.cell(row=spare, column=4, value=counterparty)
    sheet.cell(row=spare, column=5, value=2)
    categories = _listed(workbook, 2)
    for (section, category), rows in _rows(sheet).items():  # every category re-picked from its list
        if category is not None and not section.startswith("transfer"):
            sheet.cell(row=rows[0], column=4, value=categories[categories.index(category)])
    return _saved(workbook)


def a_category_of_another_section_picked(template: Path) -> bytes:
    workbook = _filled(template, unused=0)
    sheet = workbook["return"]
    row = _rows(sheet)[("sex", "NOT_RECORDED")][0]
    sheet.cell(row=row, column=4, value="AGE_18_20")  # the category drop-down lists every section's codes
    return _saved(workbook)


def a_second_sheet_added_by_the_officer(template: Path) -> bytes:
    workbook = _filled(template, unused=0)
    notes = workbook.create_sheet("my workings", 0)
    notes.append(["checked by", "J. Smith"])
    notes.append(["running total", "=SUM(return!E2:E5)"])  # a formula with no saved result, on another sheet
    return _saved(workbook)


def the_instructions_sheet_edited(template: Path) -> bytes:
    workbook = _filled(template, unused=0)
    instructions = workbook["instructions"]
    instructions.delete_rows(3, 5)
    instructions["A1"] = "Our copy - sent by the Prevent lead"
    instructions["B2"] = "=NOW()"
    return _saved(workbook)


def the_blank_template(template: Path) -> bytes:
    return template.read_bytes()


@dataclass(frozen=True)
class Outcome:
    status: str
    rules: frozenset[str]
    lead: str  # the start of the lead line
    says: tuple[str, ...] = ()  # fragments of the findings' messages or hints


SCENARIOS: dict[str, tuple[Callable[[Path], bytes], Outcome]] = {
    "every unused row 0": (every_unused_row_0, Outcome("accepted", frozenset(), "Nothing to fix")),
    "unused rows blank": (unused_rows_blank, Outcome(
        "queried", frozenset({"Q213"}), "This return would load, with a query",
        ("the count is empty, so the row was read as left out", "Enter 0 where there were none"))),
    "numbers typed as text with spaces": (numbers_typed_as_text_with_spaces, Outcome("accepted", frozenset(), "Nothing to fix")),
    "total as a formula with no saved value": (total_as_formula_without_saved_value, Outcome(
        "rejected", frozenset({"E122"}), "1 cell holds a formula with no saved result",
        ("value '=SUM(E", "cell E2", "open the file in Excel or LibreOffice and save it", "type the number"))),
    "total as a formula with its saved value": (total_as_formula_with_saved_value, Outcome(
        "queried", frozenset({"Q212"}), "This return would load, with a query",
        ("the cell holds a formula; its saved result was read", "value '=SUM(E"))),
    "extra blank rows at the end": (extra_blank_rows_at_the_end, Outcome("accepted", frozenset(), "Nothing to fix")),
    "categories picked from the drop-downs": (categories_picked_from_the_drop_downs, Outcome("accepted", frozenset(), "Nothing to fix")),
    "a category of another section picked from the drop-down": (a_category_of_another_section_picked, Outcome(
        "rejected", frozenset({"E105"}), "This return would be rejected",
        ("value 'AGE_18_20'", "the category is not one of the categories of section 'sex'", "Use one of: MALE"))),
    "a second sheet added by the officer": (a_second_sheet_added_by_the_officer, Outcome("accepted", frozenset(), "Nothing to fix")),
    "the instructions sheet edited": (the_instructions_sheet_edited, Outcome("accepted", frozenset(), "Nothing to fix")),
    "the blank template": (the_blank_template, Outcome(
        "rejected", frozenset({"E106"}), "The counts are not filled in yet", ("and 38 more",))),
}
