"""Check a return: decoding uploads within the limits, clear messages for bad uploads, the report."""

from __future__ import annotations

import base64

import pytest

from dashboard.upload import decode_upload, human_size, request_limit_bytes
from etl.errors import InvalidInputError
from etl.settings import Limits

SMALL = Limits(max_file_bytes=1_000, max_rows=1_000, max_xlsx_uncompressed_bytes=10_000)
CSV_TEXT = b"authority_code,period,section,category,count\nE06000001,2026-09,total,ALL,3\n"


def data_url(data: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def test_a_csv_upload_decodes_to_its_bytes_and_name():
    assert decode_upload(data_url(CSV_TEXT), "return.csv", SMALL) == (CSV_TEXT, "return.csv")


def test_an_xlsx_upload_is_accepted_whatever_the_case_of_its_suffix():
    data, name = decode_upload(data_url(b"PK\x03\x04", "application/octet-stream"), "Return.XLSX", SMALL)
    assert (data, name) == (b"PK\x03\x04", "Return.XLSX")


def test_a_path_in_the_file_name_is_dropped():
    assert decode_upload(data_url(CSV_TEXT), "C:\\Users\\me\\return.csv", SMALL)[1] == "return.csv"


@pytest.mark.parametrize("name", ["return.pdf", "return.csv.exe", "return", "return.xls"])
def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_name(name):
    with pytest.raises(InvalidInputError, match="is not a CSV or XLSX file"):
        decode_upload(data_url(CSV_TEXT), name, SMALL)


def test_a_file_over_the_size_limit_is_refused_before_decoding():
    too_big = data_url(b"x" * 5_000)
    with pytest.raises(InvalidInputError, match=r"is 5 kB; the largest return that can be checked is 1 kB"):
        decode_upload(too_big, "big.csv", SMALL)


def test_a_file_just_over_the_limit_is_refused_after_decoding():
    with pytest.raises(InvalidInputError, match="largest return that can be checked"):
        decode_upload(data_url(b"x" * 1_001), "big.csv", SMALL)


def test_a_file_at_the_limit_is_accepted():
    assert len(decode_upload(data_url(b"x" * 1_000), "edge.csv", SMALL)[0]) == 1_000


@pytest.mark.parametrize(
    "contents",
    ["data:text/csv;base64,@@@not base64@@@", "data:text/csv;base64,YWJj=ZGVm", "data:text/csv;base64,YW"],
)
def test_damaged_base64_is_refused_with_a_clear_message(contents):
    with pytest.raises(InvalidInputError, match="base64 encoding is damaged"):
        decode_upload(contents, "return.csv", SMALL)


@pytest.mark.parametrize("contents", ["authority_code,period", "data:text/csv,plain-text", "", "data:;base64"])
def test_content_that_is_not_a_base64_data_url_is_refused(contents):
    with pytest.raises(InvalidInputError, match="did not arrive as base64 data"):
        decode_upload(contents, "return.csv", SMALL)


@pytest.mark.parametrize("contents", [None, 42, ["data:text/csv;base64,YWJj"], {"a": 1}])
def test_content_of_the_wrong_type_is_refused(contents):
    with pytest.raises(InvalidInputError, match="could not be read"):
        decode_upload(contents, "return.csv", SMALL)


@pytest.mark.parametrize("filename", [None, "", "   ", 7])
def test_an_upload_without_a_file_name_is_refused(filename):
    with pytest.raises(InvalidInputError, match="no file name"):
        decode_upload(data_url(CSV_TEXT), filename, SMALL)


def test_an_empty_file_is_refused():
    with pytest.raises(InvalidInputError, match="is empty"):
        decode_upload("data:text/csv;base64,", "empty.csv", SMALL)


def test_the_request_limit_leaves_room_for_the_base64_of_the_largest_file():
    limits = Limits()
    encoded = len(data_url(b"x" * limits.max_file_bytes))
    assert encoded < request_limit_bytes(limits) < 2 * encoded


@pytest.mark.parametrize("n_bytes,text", [(1_500, "2 kB"), (999_999, "1000 kB"), (2_000_000, "2.0 MB"), (3_100_000, "3.1 MB")])
def test_sizes_are_written_for_people(n_bytes, text):
    assert human_size(n_bytes) == text


# ---- the page's callbacks, called as functions ----------------------------------------------------

@pytest.fixture(scope="module")
def check_page(tmp_path_factory: pytest.TempPathFactory):
    import sys

    import dash
    from returns_fixtures import build_returns_db

    from dashboard import database
    from dashboard.server import create_app

    create_app(build_returns_db(tmp_path_factory.mktemp("check-app") / "returns.duckdb"))
    (entry,) = [page for page in dash.page_registry.values() if page["path"] == "/check"]
    yield sys.modules[entry["module"]]
    database.reset()


def _json(tree) -> str:
    from dash._utils import to_json

    return to_json(tree)


BAD_RETURN = CSV_TEXT + b"E06000001,2026-09,concern_type,ISLAMIST,-3\n"


def test_checking_a_bad_return_shows_the_rule_row_value_and_message(check_page):
    report = _json(check_page.check_upload({"contents": data_url(BAD_RETURN), "filename": "bad.csv"}))
    assert "Rejected" in report
    assert "E106" in report and "the count is not a whole number of 0 or more" in report
    assert '"-3"' in report


@pytest.mark.parametrize(
    "upload,expected",
    [
        ({"contents": "data:text/csv;base64,!!!", "filename": "r.csv"}, "base64 encoding is damaged"),
        ({"contents": data_url(b"x" * 3_000_000), "filename": "big.csv"}, "the largest return that can be checked is 2.0 MB"),
        ({"contents": data_url(CSV_TEXT), "filename": "r.exe"}, "r.exe is not a CSV or XLSX file"),
        ({"contents": data_url(CSV_TEXT)}, "no file name"),
        ("a string, not an upload", "could not be read"),
        ([1, 2, 3], "could not be read"),
    ],
)
def test_a_crafted_upload_gets_a_clear_message_not_a_traceback(check_page, upload, expected):
    panel = check_page.check_upload(upload)
    assert panel.role == "alert"
    assert expected in panel.children


def test_a_corrupt_xlsx_is_reported_as_unreadable(check_page):
    report = _json(check_page.check_upload({"contents": data_url(b"PK\x03\x04 not really a zip"), "filename": "r.xlsx"}))
    assert "Rejected" in report and "E101" in report


def test_clearing_the_upload_clears_the_result(check_page):
    assert check_page.check_upload(None) == ""


def test_the_template_download_is_an_xlsx_workbook(check_page):
    import base64

    sent = check_page.download_template(1)
    assert sent["filename"].endswith(".xlsx")
    assert base64.b64decode(sent["content"])[:2] == b"PK"


def test_nothing_is_written_to_the_database_by_a_check(check_page):
    from dashboard import database

    with database.connection() as con:
        before = con.execute("select count(*) from submission").fetchone()[0]
    check_page.check_upload({"contents": data_url(CSV_TEXT), "filename": "ok.csv"})
    with database.connection() as con:
        assert con.execute("select count(*) from submission").fetchone()[0] == before


def test_the_report_can_be_downloaded_with_every_issue(check_page):
    import base64
    import re

    report = _json(check_page.check_upload({"contents": data_url(BAD_RETURN), "filename": "bad.csv"}))
    report = report.replace("\\u002f", "/")  # Dash's JSON escapes every slash
    href = re.search(r"data:text/csv;base64,([A-Za-z0-9+/=]+)", report)
    assert href, "no CSV download of the report"
    text = base64.b64decode(href.group(1)).decode("utf-8-sig")
    assert "E106" in text and "the count is not a whole number of 0 or more" in text and "rejected" in text
    assert "check-report-bad-csv.xlsx" in report  # and as Excel


def test_the_check_page_does_not_send_council_staff_to_a_command_line(check_page):
    page = _json(check_page.layout())
    assert "oversight validate" not in page and "command" not in page.lower()
