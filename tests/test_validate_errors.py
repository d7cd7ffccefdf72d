"""Every error rule rejects a return with the right rule id, location and message (one bad file each)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from etl.settings import Limits
from etl.validate import validate_bytes, validate_file
from returns_factory import (
    AUTHORITY,
    HEADER,
    add_row,
    canonical_rows,
    drop_section,
    return_csv,
    return_xlsx,
    set_count,
)
from validation_helpers import TODAY, assert_names_location, check, issues_of, only_issue


def row_of(rows, section: str, category: str) -> int:
    """The 1-based data row of (section, category) in a file written by the factory."""
    return next(i for i, (s, c, _) in enumerate(rows, start=1) if (s, c) == (section, category))


def test_the_factory_return_is_accepted_with_no_issue():
    result = check(return_csv())
    assert result.status == "accepted", [i.message for i in result.issues]
    assert result.authority_code == AUTHORITY and result.period == date(2026, 9, 1)
    assert sum(r.count for r in result.rows if r.section == "total") == 12


def test_a_nil_return_with_practice_rows_is_accepted():
    rows = [r for r in canonical_rows(0) if r[0] in ("total", "practice")]
    assert check(return_csv(rows=rows)).status == "accepted"


@pytest.mark.parametrize(
    "data, name, fragment",
    [
        (b"\x00\x01\x02binary\x00", "return.csv", "NUL bytes"),
        (b"PK\x03\x04not really a zip", "return.xlsx", "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "return.xls", ".xls"),
        (b"authority_code,period\n\x81\x8d\x8f\x90\x9d\xc3\x28", "return.csv", "neither UTF-8 nor Windows-1252"),
        (b"just some text", "return.xlsx", "not an Excel workbook"),
    ],
    ids=["binary", "bad-zip", "legacy-xls", "undecodable", "named-xlsx-but-text"],
)
def test_an_unreadable_file_is_rejected_as_e101(data, name, fragment):
    result = check(data, name)
    issue = only_issue(result, "E101")
    assert result.status == "rejected" and fragment in issue.message
    assert_names_location(issue, name)


def test_a_zip_that_is_not_a_workbook_is_e101():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    issue = only_issue(check(buffer.getvalue(), "return.xlsx"), "E101")
    assert "xl/workbook.xml" in issue.message


def test_a_workbook_with_several_sheets_and_none_named_return_is_e101():
    data = return_xlsx(sheet="Sheet1", extra_sheets=["notes"])
    issue = only_issue(check(data, "return.xlsx"), "E101")
    assert "'return'" in issue.message and "Sheet1" in issue.message


def test_a_missing_file_is_e101_not_an_exception(tmp_path: Path):
    result = validate_file(tmp_path / "nowhere.csv", today=TODAY)
    assert [i.rule for i in result.issues] == ["E101"] and result.status == "rejected"


@pytest.mark.parametrize("data", [b"", b"\n\n", "authority_code,period,section,category,count\n".encode()], ids=["empty", "blank-lines", "header-only"])
def test_an_empty_file_is_e102(data):
    issue = only_issue(check(data), "E102")
    assert_names_location(issue)


def test_a_missing_column_is_e103_and_names_the_column():
    text = return_csv().replace("authority_code,period,section,category,count", "authority_code,period,section,category,cnt")
    result = check(text)
    issue = only_issue(result, "E103")
    assert issue.column == "count" and issue.row == 0
    assert_names_location(issue)


@pytest.mark.parametrize("missing", ["section", "category", "count"])
def test_a_wrong_header_still_reports_the_errors_of_the_columns_it_names(missing):
    rows = set_count(canonical_rows(), "sex", "MALE", "-3")
    rows = add_row(rows, "concern_typ", "ISLAMIST", 1)
    header = tuple("mystery" if name == missing else name for name in HEADER)
    result = check(return_csv(rows=rows, header=header))
    assert only_issue(result, "E103").column == missing
    found = {i.rule for i in result.errors}
    assert ("E104" in found) == (missing != "section")  # the bad section is still found
    assert ("E106" in found) == (missing != "count")  # and so is the bad count
    assert not {"E107", "E108"} & found  # but no whole-file check that needs every column


def test_a_file_with_no_header_row_is_e103_and_its_rows_are_still_checked():
    rows = set_count(canonical_rows(), "sex", "MALE", "-3")
    text = return_csv(rows=rows).split("\n", 1)[1]  # the header line removed
    result = check(text)
    issue = only_issue(result, "E103")
    assert issue.column is None and "no header row" in issue.message
    assert only_issue(result, "E106").row == row_of(rows, "sex", "MALE")  # rows numbered from the first line
    assert len(result.rows) == len(rows) - 1


def test_long_values_are_cut_in_every_message():
    long = "X" * 100_000  # the csv module refuses fields over 131,072 characters (E101)
    rows = add_row(add_row(canonical_rows(), "concern_type", long, 1), long, "ALL", 1)
    text = return_csv(rows=rows, header=(*HEADER, long)).replace("E06000001,2026-09,total", f"{long},{long},total", 1)
    result = check(text, limits=Limits(max_file_bytes=10_000_000))
    assert {"E105", "E104", "E111", "E121", "Q211"} <= {i.rule for i in result.issues}
    assert all(len(i.message) < 1_000 and len(i.value or "") <= 80 and len(i.column or "") <= 80 for i in result.issues)


def test_an_unknown_section_is_e104_on_its_row():
    rows = add_row(canonical_rows(), "weather", "SUNNY", 1)
    issue = only_issue(check(return_csv(rows=rows)), "E104")
    assert (issue.row, issue.column, issue.value) == (len(rows), "section", "weather")
    assert_names_location(issue)


def test_an_unknown_category_is_e105_and_the_hint_lists_the_codes():
    rows = add_row(canonical_rows(), "concern_type", "ALIENS", 0)
    issue = only_issue(check(return_csv(rows=rows)), "E105")
    assert (issue.row, issue.column, issue.value) == (len(rows), "category", "ALIENS")
    assert "EXTREME_RIGHT_WING" in issue.hint
    assert_names_location(issue)


# "1_000" is a whole number to Python's int(), and "٣" (Arabic-Indic) and "１２" (full width) are digits to
# a regular expression's \d: none of them is a count written as the standard asks.
@pytest.mark.parametrize("bad", ["-3", "2.5", "twelve", "1e3", "12345678901", "1 2", "1_000", "٣", "１２", "²"])
def test_a_count_that_is_not_a_whole_number_is_e106(bad):
    rows = canonical_rows()
    rows = set_count(rows, "sex", "MALE", bad)
    issue = only_issue(check(return_csv(rows=rows)), "E106")
    assert (issue.row, issue.column, issue.value) == (row_of(rows, "sex", "MALE"), "count", bad)
    assert_names_location(issue)


def test_an_empty_total_is_e106_even_when_the_other_counts_are_filled_in():
    rows = set_count(canonical_rows(), "total", "ALL", "")
    issue = only_issue(check(return_csv(rows=rows)), "E106")
    assert (issue.row, issue.value) == (row_of(rows, "total", "ALL"), "") and "the total is empty" in issue.message
    assert not issues_of(check(return_csv(rows=rows)), "E107")  # the total row is there, only its count is missing


def test_a_file_with_no_count_filled_in_is_e106_on_every_row():
    rows = [(section, category, "") for section, category, _ in canonical_rows()]
    result = check(return_csv(rows=rows))
    assert {i.rule for i in result.errors} == {"E106"} and len(result.errors) == len(rows)
    assert all("as is every count in the file" in i.message for i in result.errors)


def test_a_return_without_total_is_e107():
    issue = only_issue(check(return_csv(rows=drop_section(canonical_rows(), "total"))), "E107")
    assert issue.column == "section" and "total,ALL" in issue.message
    assert_names_location(issue)


def test_a_duplicate_section_and_category_is_e108_naming_the_first_row():
    rows = canonical_rows()
    rows = add_row(rows, "sex", "MALE", 1)
    issue = only_issue(check(return_csv(rows=rows)), "E108")
    assert issue.row == len(rows) and f"row {row_of(rows, 'sex', 'MALE')}" in issue.message
    assert_names_location(issue)


def test_two_authorities_in_one_file_is_e109():
    text = return_csv() + "E06000002,2026-09,sex,MALE,1\n"
    issue = only_issue(check(text), "E109")
    assert issue.value == "E06000002" and issue.column == "authority_code" and "E06000001" in issue.message
    assert_names_location(issue)


def test_two_periods_in_one_file_is_e110():
    text = return_csv() + "E06000001,2026-08,sex,MALE,1\n"
    issue = only_issue(check(text), "E110")
    assert issue.value == "2026-08" and "2026-09" in issue.message
    assert_names_location(issue)


def test_an_unknown_authority_code_is_e111():
    result = check(return_csv(authority="E99999999"))
    issue = only_issue(result, "E111")
    assert (issue.row, issue.column, issue.value) == (1, "authority_code", "E99999999")
    assert result.authority_code is None
    assert_names_location(issue)


def test_cumbria_after_march_2023_is_e112_and_names_its_successors():
    issue = only_issue(check(return_csv(authority="E10000006", period="2024-01")), "E112")
    assert issue.value == "E10000006" and "E06000063" in issue.hint and "E06000064" in issue.hint
    assert "2023-03" in issue.message
    assert_names_location(issue)


def test_cumberland_before_april_2023_is_e112_and_names_its_predecessor():
    issue = only_issue(check(return_csv(authority="E06000063", period="2022-06")), "E112")
    assert "E10000006" in issue.hint


@pytest.mark.parametrize("period", ["2026-11", "2027-01"])
def test_a_period_not_before_the_current_month_is_e113(period):
    issue = only_issue(check(return_csv(period=period)), "E113")
    assert (issue.column, issue.value) == ("period", period) and "2026-10" in issue.message
    assert_names_location(issue)


def test_the_previous_month_is_not_in_the_future():
    assert not issues_of(check(return_csv(period="2026-10")), "E113")


def test_a_flag_above_total_is_e114():
    rows = set_count(canonical_rows(12), "flag", "SHARED_WITH_CT_POLICE", 13)
    issue = only_issue(check(return_csv(rows=rows)), "E114")
    assert (issue.row, issue.value) == (row_of(rows, "flag", "SHARED_WITH_CT_POLICE"), "13")
    assert_names_location(issue)


def test_records_received_above_moved_is_e115():
    rows = set_count(canonical_rows(12), "flag", "MOVED_IN_LAST_12_MONTHS", 2)
    rows = set_count(rows, "flag", "PREVIOUS_AUTHORITY_RECORDS_RECEIVED", 3)
    issue = only_issue(check(return_csv(rows=rows)), "E115")
    assert (issue.row, issue.value) == (row_of(rows, "flag", "PREVIOUS_AUTHORITY_RECORDS_RECEIVED"), "3")
    assert_names_location(issue)


def test_a_transfer_to_an_unknown_authority_is_e116():
    rows = add_row(canonical_rows(), "transfer_in", "E99999999", 2)
    issue = only_issue(check(return_csv(rows=rows)), "E116")
    assert (issue.row, issue.column, issue.value) == (len(rows), "category", "E99999999")
    assert_names_location(issue)


def test_a_transfer_with_a_count_but_no_counterparty_is_e116():
    rows = add_row(canonical_rows(), "transfer_in", "", 2)
    issue = only_issue(check(return_csv(rows=rows)), "E116")
    assert issue.row == len(rows) and "no counterparty" in issue.message


@pytest.mark.parametrize("count", ["0", "", " 0 ", "00"])
def test_a_spare_transfer_row_with_no_counterparty_and_no_transfer_is_ignored(count):
    rows = add_row(add_row(canonical_rows(), "transfer_in", "", count), "transfer_out", "", count)
    result = check(return_csv(rows=rows))
    assert result.status == "accepted", [i.message for i in result.issues]


def test_a_transfer_to_an_authority_that_no_longer_exists_is_e116():
    rows = add_row(canonical_rows(), "transfer_out", "E10000006", 1)
    issue = only_issue(check(return_csv(period="2024-05", rows=rows)), "E116")
    assert "E06000063" in issue.message


def test_a_transfer_to_itself_is_e117():
    rows = add_row(canonical_rows(), "transfer_out", AUTHORITY, 1)
    issue = only_issue(check(return_csv(rows=rows)), "E117")
    assert (issue.row, issue.value) == (len(rows), AUTHORITY)
    assert_names_location(issue)


def test_a_practice_value_other_than_0_or_1_is_e118():
    rows = set_count(canonical_rows(), "practice", "WRITTEN_RECORDING_POLICY", 2)
    issue = only_issue(check(return_csv(rows=rows)), "E118")
    assert (issue.row, issue.value) == (row_of(rows, "practice", "WRITTEN_RECORDING_POLICY"), "2")
    assert_names_location(issue)


def test_a_file_over_the_size_limit_is_e119_before_it_is_read(tmp_path: Path):
    path = tmp_path / "big.csv"
    path.write_text(return_csv(), encoding="utf-8")
    result = validate_file(path, today=TODAY, limits=Limits(max_file_bytes=100))
    issue = only_issue(result, "E119")
    assert result.sha256 == "" and "100" in issue.message  # never read, so never hashed
    assert_names_location(issue, "big.csv")
    assert [i.rule for i in check(return_csv(), limits=Limits(max_file_bytes=100)).issues] == ["E119"]


def test_a_workbook_that_would_expand_past_the_limit_is_e119():
    data = return_xlsx()
    limits = Limits(max_xlsx_uncompressed_bytes=1_000)
    issue = only_issue(check(data, "return.xlsx", limits=limits), "E119")
    assert "expand" in issue.message


def test_more_rows_than_the_limit_is_e120():
    issue = only_issue(check(return_csv(), limits=Limits(max_rows=10)), "E120")
    assert "10" in issue.message
    assert_names_location(issue)


@pytest.mark.parametrize("period", ["Q3 2026", "2026-13", "", "13/2026", "Smarch 2026", "٢٠٢٦-٠٩", "２０２６-０９", "2026_09"])
def test_a_period_that_is_not_a_month_is_e121(period):
    result = check(return_csv(period=period))
    issue = only_issue(result, "E121")
    assert (issue.row, issue.column, issue.value) == (1, "period", period)
    assert result.period is None
    assert_names_location(issue)


def test_every_problem_in_a_file_is_reported_not_only_the_first():
    rows = set_count(canonical_rows(), "sex", "MALE", "-1")
    rows = add_row(rows, "concern_type", "ALIENS", 1)
    rows = set_count(rows, "practice", "USES_NATIONAL_CATEGORIES", 5)
    rows = drop_section(rows, "total")
    rules = {i.rule for i in check(return_csv(period="2026-11", rows=rows)).issues}
    assert {"E106", "E105", "E118", "E107", "E113"} <= rules


def test_validation_never_raises_on_random_bytes():
    import random

    generator = random.Random(7)
    for size in (1, 10, 100, 1000):
        data = bytes(generator.randrange(256) for _ in range(size))
        for name in ("x.csv", "x.xlsx"):
            assert check(data, name).status == "rejected"


def test_a_rejected_return_from_bytes_uses_the_given_file_name_and_hash():
    result = validate_bytes(b"", "upload.csv", today=TODAY)
    assert result.file == "upload.csv" and len(result.sha256) == 64 and result.size_bytes == 0


def test_a_corrupted_workbook_is_rejected_never_raised():
    import random

    generator = random.Random(11)
    original = return_xlsx()
    for _ in range(60):
        damaged = bytearray(original)
        for _ in range(generator.randrange(1, 30)):
            damaged[generator.randrange(4, len(damaged))] = generator.randrange(256)
        result = check(bytes(damaged), "damaged.xlsx")
        assert result.status in ("accepted", "queried", "rejected")
        assert all(i.rule.startswith(("E", "Q")) for i in result.issues)
