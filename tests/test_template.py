"""`write_template`: the XLSX return with drop-downs; filled in, it validates as accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from etl.errors import InvalidInputError
from etl.spec import load_standard
from etl.template import write_template
from etl.validate import validate_file
from returns_factory import canonical_rows
from validation_helpers import TODAY


def fill(path: Path, counts: dict[tuple[str, str], int], transfer: tuple[str, int] | None = None) -> Path:
    """Type counts into the template as a council would; leave unused transfer rows empty."""
    workbook = load_workbook(path)
    sheet = workbook["return"]
    for row in sheet.iter_rows(min_row=2):
        key = (row[2].value, row[3].value)
        if key in counts:
            row[4].value = counts[key]
        elif row[2].value == "transfer_out" and row[3].value is None and transfer:
            row[3].value, row[4].value = transfer
            transfer = None
    out = path.with_name("filled.xlsx")
    workbook.save(out)
    return out


def test_the_prefilled_template_filled_with_counts_is_accepted(tmp_path):
    path = write_template(tmp_path / "t.xlsx", period="2026-09", authority="E06000001")
    counts = {(s, c): n for s, c, n in canonical_rows(12, transfers_out=())}
    result = validate_file(fill(path, counts, transfer=("E06000002", 2)), today=TODAY)
    assert result.status == "accepted", [i.message for i in result.issues]
    assert ("transfer_out", "E06000002", 2) in [(r.section, r.category, r.count) for r in result.rows]
    assert len(result.rows) == len(counts) + 1


def test_the_template_has_every_category_row_and_drop_downs(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == ["instructions", "return"]
    sheet = workbook["return"]
    standard = load_standard()
    rows = {(r[2], r[3]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[3]}
    expected = {(s.code, c) for s in standard.sections.values() for c in s.category_codes}
    assert rows == expected
    assert all(r[4] is None for r in sheet.iter_rows(min_row=2, values_only=True))
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert any("lists!$A$" in f for f in formulas) and any("lists!$C$" in f for f in formulas)
    sections_listed = [r[0] for r in workbook["lists"].iter_rows(min_row=2, max_col=1, values_only=True) if r[0]]
    assert sections_listed == list(standard.sections)


def test_an_unfilled_template_is_rejected_for_empty_counts(tmp_path):
    result = validate_file(write_template(tmp_path / "t.xlsx", period="2026-09", authority="E06000001"), today=TODAY)
    assert result.status == "rejected" and {i.rule for i in result.errors} == {"E106"}


@pytest.mark.parametrize(
    "period, authority, fragment",
    [("Oct 2026", None, "YYYY-MM"), (None, "E99999999", "E99999999"), ("2024-01", "E10000006", "E06000063"), ("2099-01", None, "completed")],
)
def test_invalid_prefill_values_raise_a_clear_error(tmp_path, period, authority, fragment):
    with pytest.raises(InvalidInputError, match=fragment):
        write_template(tmp_path / "t.xlsx", period=period, authority=authority)


def test_the_instructions_sheet_explains_how_to_fill_in_the_return(tmp_path):
    workbook = load_workbook(write_template(tmp_path / "t.xlsx", period="2026-09", authority="E06000001"))
    lines = [row[0] for row in workbook["instructions"].iter_rows(max_col=1, values_only=True) if row[0]]
    assert "How to fill in this return" in lines
    assert any("E06000001" in line and "2026-09" in line for line in lines)
    assert any(line.startswith("concern_type:") for line in lines)


def test_a_folder_as_out_gets_the_workbook_under_its_usual_name(tmp_path: Path) -> None:
    path = write_template(tmp_path)
    assert path == tmp_path / "return-template.xlsx" and path.stat().st_size > 0


def test_an_out_that_cannot_be_written_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="cannot write .*choose another --out"):
        write_template(blocker / "template.xlsx")  # its folder would be a file
