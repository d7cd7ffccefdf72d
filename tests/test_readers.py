"""The format readers: CSV decoding and line endings, XLSX sheets and cell types, the zip-size guard."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from etl.errors import ReturnFileError, ReturnFileTooLargeError
from etl.readers import read_csv, read_table, read_xlsx
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


def test_a_formula_without_a_cached_value_is_an_empty_count():
    rows = canonical_rows()
    data = return_xlsx(rows=[*rows[:-1], (rows[-1][0], rows[-1][1], "=1+1")])
    assert only_issue(check(data, "return.xlsx"), "E106").value == ""


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


def test_a_zip_bomb_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 5_000_000)
    data = buffer.getvalue()
    assert len(data) < 50_000
    with pytest.raises(ReturnFileTooLargeError):
        read_xlsx(data, max_records=10, max_uncompressed_bytes=1_000_000)


def test_read_table_refuses_legacy_xls():
    with pytest.raises(ReturnFileError, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls", max_records=10, max_uncompressed_bytes=BIG)
