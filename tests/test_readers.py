"""The format readers: CSV decoding and line endings, XLSX sheets and cell types, the zip-size guard."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from etl.errors import ReturnFileError, ReturnFileTooLargeError
from etl.readers import read_csv, read_table, read_xlsx
from crafted_xlsx import rezipped, understated_xlsx, value_at, with_rows, with_saved_results, with_shared_strings
from returns_factory import canonical_rows, return_csv, return_xlsx
from validation_helpers import check, only_issue

BIG = 10_000_000


def test_utf8_csv_is_read_without_repairs():
    table = read_csv(return_csv().encode(), max_records=1000)
    assert table.encoding == "utf-8" and table.repairs == []
    assert table.records[0] == ["authority_code", "period", "section", "category", "count"]
    assert len(table.records) == len(canonical_rows()) + 1


def test_bom_crlf_and_windows_1252_are_each_noted():
    data = b"\xef\xbb\xbf" + "a,b\r\ncaf\u00e9,1\r\n".encode("cp1252")
    table = read_csv(data, max_records=1000)
    assert sorted(rule for rule, _ in table.repairs) == ["Q206", "Q207", "Q208"]
    assert table.encoding == "cp1252" and table.records[1] == ["caf\u00e9", "1"]


def test_quoted_fields_with_commas_survive():
    table = read_csv(b'a,b\n"Mixed, unclear or unstable",3\n', max_records=10)
    assert table.records[1] == ["Mixed, unclear or unstable", "3"]


def test_reading_stops_after_the_record_limit():
    table = read_csv(b"h\n" + b"x\n" * 50, max_records=10)
    assert table.truncated and len(table.records) == 10


def test_the_sheet_named_return_is_read_even_among_others():
    table = read_xlsx(return_xlsx(extra_sheets=["about"]), max_records=1000, max_uncompressed_bytes=BIG)
    assert table.sheet == "return" and table.records[1][:3] == ["E06000001", "2026-09", "total"]


def test_the_only_sheet_is_read_whatever_its_name():
    table = read_xlsx(return_xlsx(sheet="Sheet1"), max_records=1000, max_uncompressed_bytes=BIG)
    assert table.sheet == "Sheet1"


def test_an_xlsx_return_validates_like_its_csv():
    result = check(return_xlsx(), "return.xlsx")
    assert result.status == "accepted" and result.file_format == "xlsx"
    assert [(r.section, r.category, r.count) for r in result.rows] == canonical_rows()


def test_numbers_typed_in_excel_are_read_as_whole_counts_or_rejected():
    rows = canonical_rows()
    data = return_xlsx(rows=[(s, c, float(n)) for s, c, n in rows])
    assert check(data, "return.xlsx").status == "accepted"
    issue = only_issue(check(return_xlsx(rows=[*rows[:-1], (rows[-1][0], rows[-1][1], 0.5)]), "return.xlsx"), "E106")
    assert issue.value == "0.5" and issue.row == len(rows)


def test_a_formula_without_a_saved_result_is_reported_as_such_with_its_cell_and_formula():
    rows = canonical_rows()
    data = return_xlsx(rows=[*rows[:-1], (rows[-1][0], rows[-1][1], "=1+1")])
    result = check(data, "return.xlsx")
    issue = only_issue(result, "E122")
    assert (issue.row, issue.column, issue.value) == (len(rows), "count", "=1+1")
    assert f"cell E{len(rows) + 1}" in issue.message and "no saved result" in issue.message
    assert "save it" in issue.hint and "type the number" in issue.hint
    assert {i.rule for i in result.issues} == {"E122"}  # not also "the count is empty" or a missing declaration


def test_a_formula_with_a_saved_result_is_read_as_that_result_with_a_query():
    rows = canonical_rows()
    data = with_saved_results(return_xlsx(rows=[*rows[:-1], (rows[-1][0], rows[-1][1], "=2-1")]), {"2-1": "1"})
    result = check(data, "return.xlsx")
    assert only_issue(result, "Q212").value == "=2-1" and result.status == "queried"
    assert (rows[-1][0], rows[-1][1], 1) in [(r.section, r.category, r.count) for r in result.rows]


def test_formula_cells_are_located_where_the_sheet_holds_them_whatever_the_blank_rows_and_columns_before():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "return"
    sheet["C4"], sheet["D4"] = "authority_code", "count"
    sheet["C5"], sheet["D5"] = "x", 3
    sheet["B7"] = "=A1"  # left of every value, in a row of its own: calamine leaves such a cell out
    sheet["D6"] = "=SUM(D5:D5)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_xlsx(buffer.getvalue(), max_records=100, max_uncompressed_bytes=BIG)
    assert table.records[3] == ["", "authority_code", "count"]  # record 3 is Excel row 4; column B is position 0
    assert table.formulas[(5, 2)].cell == "D6" and table.formulas[(5, 2)].formula == "=SUM(D5:D5)"
    assert table.formulas[(6, 0)].cell == "B7" and not table.formulas[(6, 0)].saved
    assert table.records[4] == ["", "x", "3"]


def test_a_period_typed_into_excel_as_a_date_is_repaired_not_rejected():
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "return"
    sheet.append(["authority_code", "period", "section", "category", "count"])
    for section, category, count in canonical_rows():
        sheet.append(["E06000001", datetime(2026, 9, 1), section, category, float(count)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = check(buffer.getvalue(), "return.xlsx")
    assert only_issue(result, "Q205").value == "2026-09-01" and result.status == "queried"


def test_a_zip_bomb_is_refused_by_its_declared_sizes_before_anything_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 5_000_000)
    data = buffer.getvalue()
    assert len(data) < 50_000
    with pytest.raises(ReturnFileTooLargeError):
        read_xlsx(data, max_records=10, max_uncompressed_bytes=1_000_000)


def test_a_sheet_that_inflates_past_its_declared_size_is_refused_after_at_most_that_size():
    data = understated_xlsx(inflated_bytes=50_000_000, declared_bytes=1_000)
    assert len(data) < 200_000
    with pytest.raises(ReturnFileError, match=r"sheet1\.xml expands to more than the 1,000 bytes it declares"):
        read_xlsx(data, max_records=1_000, max_uncompressed_bytes=20_000_000)


def test_a_workbook_exactly_at_the_cap_is_read_and_one_byte_over_is_refused():
    with zipfile.ZipFile(io.BytesIO(return_xlsx())) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    produced = sum(len(content) for content in parts.values())
    assert read_xlsx(rezipped(parts), max_records=1_000, max_uncompressed_bytes=produced).sheet == "return"
    with pytest.raises(ReturnFileTooLargeError):
        read_xlsx(rezipped(parts), max_records=1_000, max_uncompressed_bytes=produced - 1)


def test_a_workbook_whose_part_fails_its_checksum_is_refused_as_damaged():
    data = bytearray(rezipped({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<worksheet/>"}))
    crc_at = 14  # the first member's CRC-32 in its local header; the central directory keeps the true one
    data[crc_at] ^= 0xFF
    start = data.index(b"PK\x01\x02")
    data[start + 16] ^= 0xFF
    with pytest.raises(ReturnFileError, match="damaged"):
        read_xlsx(bytes(data), max_records=10, max_uncompressed_bytes=BIG)


def test_read_table_refuses_legacy_xls():
    with pytest.raises(ReturnFileError, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls", max_records=10, max_uncompressed_bytes=BIG)


# --- cells where no return can be: calamine would abort the whole process, so each is read in a child ---

_READ_IN_CHILD = """
import json, sys
from etl.errors import ReturnFileError
from etl.readers import read_xlsx
try:
    table = read_xlsx(open(sys.argv[1], "rb").read(), max_records=1_011, max_uncompressed_bytes=10_000_000)
    print(json.dumps({"records": table.records[:2], "count": len(table.records)}))
except ReturnFileError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
"""


def _read_in_child(data: bytes, folder: Path) -> dict:
    """read_xlsx in a process of its own: a Rust allocation failure aborts a process, not raises."""
    path = folder / "crafted.xlsx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _READ_IN_CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"reading the workbook killed the process (exit {done.returncode}): {done.stderr[-400:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_value_in_the_last_cell_excel_has_is_refused_naming_the_cell_and_the_process_lives(tmp_path):
    # a sheet Excel opens without trouble; held densely from A1 it would need some 550 GB
    found = _read_in_child(value_at("XFD1048576", 1_048_576), tmp_path)
    assert found["error"] == "ReturnFileError"
    assert "cell XFD1048576, beyond column IV" in found["message"] and "delete the cells" in found["message"]


def test_a_value_a_million_rows_down_is_refused_as_too_large_naming_the_cell(tmp_path):
    found = _read_in_child(value_at("A1000000", 1_000_000), tmp_path)
    assert found["error"] == "ReturnFileTooLargeError"
    assert "cell A1000000" in found["message"] and "delete the rows below the return" in found["message"]


@pytest.mark.parametrize(("row_xml", "named"), [
    (b'<row r="40"><c r="CSECTION40" t="n"><v>1</v></c></row>', "'CSECTION40'"),  # letters typed into a reference
    (b'<row r="4000000000"><c t="n"><v>1</v></c></row>', "'4000000000'"),  # a row Excel cannot have
    (b'<row r="-3"><c t="n"><v>1</v></c></row>', "'-3'"),
])
def test_a_cell_or_row_excel_cannot_hold_is_refused_as_damaged_naming_it(tmp_path, row_xml, named):
    found = _read_in_child(with_rows(row_xml), tmp_path)
    assert found["error"] == "ReturnFileError"
    assert "damaged" in found["message"] and named in found["message"]


def test_a_shared_string_table_declaring_four_billion_strings_is_read_by_the_strings_it_holds(tmp_path):
    found = _read_in_child(with_shared_strings(4_000_000_000), tmp_path)
    assert "error" not in found, found
    assert found["records"][0][:2] == ["authority_code", "period"]


def test_values_up_to_column_iv_a_styled_empty_far_cell_and_a_far_value_on_another_sheet_are_still_read(tmp_path):
    workbook = value_at("IV50", 50)
    workbook = with_rows(b'<row r="1048576"><c r="XFD1048576" s="0"/></row>', workbook)  # formatting, no value
    notes = return_xlsx(extra_sheets=["notes"])
    workbook_with_notes = value_at("XFD1048576", 1_048_576, notes, part="xl/worksheets/sheet2.xml")
    for data in (workbook, workbook_with_notes):
        found = _read_in_child(data, tmp_path)
        assert "error" not in found, found
        assert found["records"][0][:2] == ["authority_code", "period"]
