"""The XLSX template round trip: generated, filled in the ways councils fill it, then checked.

Each way of filling gets the outcome and message a council should see, and the same file gives the
same status, lead line and findings from `oversight validate` and from the Check a return page.
Workbooks are filled with openpyxl, which (like many scripts and exports) saves formulas with no
result; `with_saved_results` writes the result in, as Excel or LibreOffice would.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import PatternFill
from typer.testing import CliRunner

from crafted_xlsx import with_saved_results
from etl.cli import app
from etl.template import write_template
from returns_factory import AUTHORITY, PERIOD, canonical_rows

runner = CliRunner()
COUNTS = {(s, c): n for s, c, n in canonical_rows(12, transfers_out=())}
TOTAL = COUNTS[("total", "ALL")]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-11-29")


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


# --- the two ways of checking a file --------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    status: str
    lead: str
    rules: frozenset[str]
    messages: tuple[str, ...]  # one per finding (page) or the whole text (CLI)


def _words(text: str) -> str:
    return " ".join(text.split())


def cli_report(path: Path) -> tuple[Report, dict]:
    as_json = runner.invoke(app, ["validate", str(path), "--json"])
    as_text = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "1000"})
    assert as_json.exit_code == as_text.exit_code
    found = json.loads(as_json.stdout)
    assert as_json.exit_code == (1 if found["status"] == "rejected" else 0)
    report = Report(found["status"], found["summary"], frozenset(i["rule"] for i in found["issues"]), (_words(as_text.output),))
    return report, found


def _walk(component):  # noqa: ANN001 - a Dash component or plain value
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        yield from _walk(child)


def _text(component) -> str:  # noqa: ANN001
    return " ".join(str(c) for c in _walk(component) if isinstance(c, (str, int)))


def page_report(check_page, data: bytes, name: str) -> Report:  # noqa: ANN001
    url = "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + base64.b64encode(data).decode()
    tree = check_page.check_upload({"contents": url, "filename": name})
    parts = list(_walk(tree))
    status = next(c for c in parts if getattr(c, "id", None) == "check-status")
    lead = next(c for c in parts if getattr(c, "className", None) == "validation-lead")
    rows = [c for c in parts if type(c).__name__ == "Tr" and type(c.children[0].children).__name__ == "Code"]
    return Report(
        status=_text(status).split(":")[0].lower(),
        lead=_text(lead),
        rules=frozenset(row.children[0].children.children for row in rows),
        messages=tuple(_words(row.children[5].children) for row in rows),
    )


@pytest.fixture(scope="module")
def check_page(tmp_path_factory: pytest.TempPathFactory):
    import sys

    import dash
    from returns_fixtures import build_returns_db

    from dashboard import database
    from dashboard.server import create_app

    create_app(build_returns_db(tmp_path_factory.mktemp("round-trip-app") / "returns.duckdb"))
    (entry,) = [page for page in dash.page_registry.values() if page["path"] == "/check"]
    yield sys.modules[entry["module"]]
    database.reset()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    os.environ.setdefault("OVERSIGHT_TODAY", "2026-11-29")
    return write_template(tmp_path_factory.mktemp("template") / "template.xlsx", period=PERIOD, authority=AUTHORITY)


@pytest.mark.parametrize("way", list(SCENARIOS))
def test_a_template_filled_the_way_councils_do_gets_the_right_outcome_from_the_cli_and_the_page(way, template, check_page, tmp_path):
    fill, expected = SCENARIOS[way]
    path = tmp_path / "E06000001_2026-09.xlsx"
    path.write_bytes(fill(template))

    cli, found = cli_report(path)
    assert (cli.status, cli.rules) == (expected.status, expected.rules), found["issues"]
    assert cli.lead.startswith(expected.lead), cli.lead
    for fragment in expected.says:
        assert fragment in cli.messages[0], fragment

    page = page_report(check_page, path.read_bytes(), path.name)
    assert (page.status, page.lead, page.rules) == (cli.status, cli.lead, cli.rules)
    for message in page.messages:  # every finding on the page is in the CLI report, word for word
        assert message in cli.messages[0]
    assert len(page.messages) == cli.messages[0].count(" error: ") + cli.messages[0].count(" query: ")


def test_a_spare_transfer_row_typed_0_reads_as_no_transfer_and_a_picked_one_as_a_transfer(template, tmp_path):
    from etl.validate import validate_file

    path = tmp_path / "filled.xlsx"
    path.write_bytes(categories_picked_from_the_drop_downs(template))
    transfers = [(r.section, r.count) for r in validate_file(path).rows if r.section.startswith("transfer")]
    assert transfers == [("transfer_in", 2)]


def test_a_saved_formula_result_is_the_count_that_loads(template, tmp_path):
    from etl.validate import validate_file

    path = tmp_path / "filled.xlsx"
    path.write_bytes(total_as_formula_with_saved_value(template))
    assert [r.count for r in validate_file(path).rows if r.section == "total"] == [TOTAL]
