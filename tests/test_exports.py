"""Exports: formula injection neutralised, synthetic data stamped, small counts suppressed."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard import exports

DANGEROUS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_is_prefixed(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Hartlepool", "a=b", -3, 2.5, None])
def test_ordinary_values_and_numbers_are_left_alone(value):
    assert exports.neutralise(value) == value


@pytest.mark.parametrize("text", DANGEROUS)
def test_the_audit_export_and_the_dashboards_exports_neutralise_alike(text):
    from etl import audit, cells

    assert audit._neutralise(text) == exports.neutralise(text) == cells.neutralise(text) == "'" + text
    assert audit._neutralise(None) == "" and exports.neutralise(None) is None


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_neutralises_text_cells_and_keeps_numbers():
    frame = pl.DataFrame({"name": ["=HYPERLINK(1)", "Leeds"], "count": [-3, 4]})
    rows = _csv_rows(exports.csv_bytes(frame, synthetic=False))
    assert rows == [["name", "count"], ["'=HYPERLINK(1)", "-3"], ["Leeds", "4"]]


def test_csv_of_demo_data_says_so_on_its_first_line():
    rows = _csv_rows(exports.csv_bytes(pl.DataFrame({"a": [1]}), synthetic=True))
    assert rows[0] == [exports.SYNTHETIC_STAMP]
    assert rows[1] == ["a"]


def test_csv_of_real_data_has_no_stamp():
    rows = _csv_rows(exports.csv_bytes(pl.DataFrame({"a": [1]}), synthetic=False))
    assert rows[0] == ["a"]


def test_csv_writes_dates_as_iso_text():
    rows = _csv_rows(exports.csv_bytes(pl.DataFrame({"period": [date(2026, 10, 1)]}), synthetic=False))
    assert rows[1] == ["2026-10-01"]


def test_xlsx_stamps_every_sheet_and_neutralises_formulas():
    content = exports.xlsx_bytes({"one": pl.DataFrame({"x": ["=1+2"]}), "two": pl.DataFrame({"y": [5]})}, synthetic=True)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["one", "two"]
    one = [row for row in book["one"].iter_rows(values_only=True)]
    assert one == [(exports.SYNTHETIC_STAMP,), ("x",), ("'=1+2",)]
    assert book["one"]["A3"].data_type != "f"  # text, not a formula
    assert [row for row in book["two"].iter_rows(values_only=True)][0] == (exports.SYNTHETIC_STAMP,)


def test_xlsx_sheet_names_are_made_legal():
    content = exports.xlsx_bytes({"points lost: [all]/x" * 3: pl.DataFrame({"a": [1]})}, synthetic=False)
    name = load_workbook(io.BytesIO(content)).sheetnames[0]
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_download_gives_a_named_base64_file():
    data = exports.download(pl.DataFrame({"a": [1]}), "chase-list", "xlsx", synthetic=False)
    assert data["filename"] == "chase-list.xlsx" and data["base64"] is True
    load_workbook(io.BytesIO(base64.b64decode(data["content"])))  # a real workbook


def test_download_of_several_tables_as_csv_stacks_them_under_titles():
    data = exports.download({"scores": pl.DataFrame({"a": [1]}), "flags": pl.DataFrame({"b": ["-x"]})}, "f", "csv",
                            synthetic=True)
    rows = [r for r in _csv_rows(base64.b64decode(data["content"])) if r]
    assert rows == [[exports.SYNTHETIC_STAMP], ["scores"], ["a"], ["1"], ["flags"], ["b"], ["'-x"]]


def test_download_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        exports.download(pl.DataFrame({"a": [1]}), "f", "pdf", synthetic=False)


def test_small_counts_are_shown_as_c_to_a_viewer_not_entitled():
    frame = pl.DataFrame({"name": ["a", "b", "c", "d"], "count": [0, 1, 4, 5]})
    shown = exports.suppress_small_counts(frame, ["count"], entitled=False)
    assert shown["count"].to_list() == ["0", "c", "c", "5"]


def test_small_counts_are_shown_to_an_entitled_viewer():
    frame = pl.DataFrame({"count": [1, 4]})
    assert exports.suppress_small_counts(frame, ["count"]).equals(frame)
