"""Queries: returns that load but are flagged: breakdowns that do not add up, missing sections, and
every documented repair (headers, labels, periods, encodings, authority aliases) with its rule id."""

from __future__ import annotations

import pytest

from etl.spec import load_standard
from returns_factory import (
    HEADER,
    add_row,
    canonical_rows,
    drop_row,
    drop_section,
    return_bytes,
    return_csv,
    set_count,
)
from validation_helpers import assert_names_location, check, issues_of, only_issue


def test_a_breakdown_that_does_not_sum_to_total_is_q201():
    rows = set_count(canonical_rows(12), "sex", "MALE", 99)
    result = check(return_csv(rows=rows))
    issue = only_issue(result, "Q201")
    assert result.status == "queried"
    assert issue.column == "count" and "sex" in issue.message and "12" in issue.message
    assert_names_location(issue)


def test_flags_transfers_and_practice_need_not_sum_to_total():
    rows = set_count(canonical_rows(12), "flag", "SHARED_WITH_CT_POLICE", 1)
    rows = add_row(rows, "transfer_in", "E06000003", 5)
    assert check(return_csv(rows=rows)).status == "accepted"


def test_a_missing_breakdown_section_is_q202():
    result = check(return_csv(rows=drop_section(canonical_rows(12), "age_band")))
    issue = only_issue(result, "Q202")
    assert (issue.column, issue.value) == ("section", "age_band") and result.status == "queried"
    assert_names_location(issue)


def test_a_nil_return_needs_no_breakdown_sections():
    rows = [r for r in canonical_rows(0) if r[0] in ("total", "practice")]
    assert not issues_of(check(return_csv(rows=rows)), "Q202")


def test_an_omitted_category_counts_as_zero():
    rows = canonical_rows(12)
    zero_rows = [r for r in rows if r[0] == "sex" and r[2] == 0]
    rows = drop_row(rows, "sex", "NOT_RECORDED")
    rows = set_count(rows, "sex", "MALE", 12)
    rows = set_count(rows, "sex", "FEMALE", 0)
    rows = set_count(rows, "sex", "OTHER", 0)
    assert check(return_csv(rows=rows)).status == "accepted", zero_rows


def test_a_count_left_blank_reads_as_a_left_out_row_with_query_q213():
    rows = set_count(canonical_rows(12), "flag", "SHARED_WITH_CT_POLICE", "")
    result = check(return_csv(rows=rows))
    issue = only_issue(result, "Q213")
    assert (issue.column, issue.value) == ("count", "") and "read as left out" in issue.message
    assert result.status == "queried"
    assert ("flag", "SHARED_WITH_CT_POLICE") not in {(r.section, r.category) for r in result.rows}
    assert_names_location(issue)


def test_blank_practice_counts_are_q213_not_also_missing_declarations():
    rows = set_count(canonical_rows(12), "practice", "WRITTEN_RECORDING_POLICY", "")
    result = check(return_csv(rows=rows))
    assert {i.rule for i in result.issues} == {"Q213"}


@pytest.mark.parametrize(
    "header",
    [
        ("LA code", "Month", "section", "category", "count"),
        ("la_code", "period", "section", "category", "count"),
        ("Authority Code", "Period", "Section", "Category", "Count"),
        (" AUTHORITY_CODE ", "reporting period", "Breakdown", "Category code", "Number"),
        ("new_la_code", "time_period", "section", "category", "value"),
    ],
)
def test_header_aliases_are_repaired_as_q203_once_per_column(header):
    result = check(return_csv(header=header))
    repaired = [h for h, canonical in zip(header, HEADER) if h != canonical]
    found = issues_of(result, "Q203")
    assert result.status == "queried" and len(found) == len(repaired)
    assert {i.column for i in found} == {h.strip() for h in repaired}
    assert all(i.row == 0 for i in found)
    assert len(result.rows) == len(canonical_rows())


def test_title_lines_above_the_header_are_ignored_with_a_query():
    result = check("Prevent monthly return\nHartlepool\n\n" + return_csv())
    assert [i.rule for i in result.issues] == ["Q203"] and "line 4" in result.issues[0].message
    assert result.rows[0].source_row == 1


@pytest.mark.parametrize(
    "section, label, code",
    [
        ("concern_type", "Extreme Right Wing", "EXTREME_RIGHT_WING"),
        ("concern_type", "Mixed, unclear or unstable", "MIXED_UNCLEAR_UNSTABLE"),
        ("concern_type", "extreme_right_wing", "EXTREME_RIGHT_WING"),
        ("concern_type", "Left Wing, Anarchist or Single Issue", "LEFT_WING_ANARCHIST_SINGLE_ISSUE"),
        ("age_band", "40+", "AGE_40_PLUS"),
        ("age_band", "Aged 11-15", "AGE_11_15"),
        ("sex", "F", "FEMALE"),
        ("action", "Children's social care", "CHILDRENS_SOCIAL_CARE"),
        ("action", "NFA", "NO_FURTHER_ACTION"),
        ("referral_source", "Schools", "EDUCATION"),
        ("flag", "Shared with CT police", "SHARED_WITH_CT_POLICE"),
        ("practice", "Written recording policy", "WRITTEN_RECORDING_POLICY"),
    ],
)
def test_category_labels_in_words_are_repaired_as_q204(section, label, code):
    rows = [(s, label if (s, c) == (section, code) else c, n) for s, c, n in canonical_rows(12)]
    result = check(return_csv(rows=rows))
    issue = only_issue(result, "Q204")
    assert (issue.column, issue.value) == ("category", label) and code in issue.message
    assert any(r.section == section and r.category == code for r in result.rows)
    assert_names_location(issue)


def test_section_labels_in_words_are_repaired_as_q204():
    rows = [("Type of concern" if s == "concern_type" else s, c, n) for s, c, n in canonical_rows(12)]
    result = check(return_csv(rows=rows))
    assert result.status == "queried"
    assert {i.value for i in issues_of(result, "Q204")} == {"Type of concern"}


@pytest.mark.parametrize("written", ["2026-09-01", "09/2026", "September 2026", "Sep 2026", "Sept 2026", "30/09/2026", "202609", "Sep-26"])
def test_period_formats_are_repaired_as_q205_once_per_file(written):
    result = check(return_csv(period=written))
    issue = only_issue(result, "Q205")
    assert (issue.row, issue.column, issue.value) == (1, "period", written) and "2026-09" in issue.message
    assert result.period.isoformat() == "2026-09-01" and result.status == "queried"
    assert_names_location(issue)


def test_a_windows_1252_file_is_decoded_as_q206():
    rows = [(s, "Children’s social care" if c == "CHILDRENS_SOCIAL_CARE" else c, n) for s, c, n in canonical_rows(12)]
    result = check(return_bytes(rows=rows, encoding="cp1252"))
    assert result.encoding == "cp1252"
    assert {i.rule for i in result.issues} == {"Q206", "Q204"}
    assert any(r.category == "CHILDRENS_SOCIAL_CARE" for r in result.rows)


def test_a_byte_order_mark_is_removed_as_q207():
    result = check(return_bytes(bom=True))
    assert [i.rule for i in result.issues] == ["Q207"] and len(result.rows) == len(canonical_rows())


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_or_cr_line_endings_are_normalised_as_q208(newline):
    result = check(return_bytes(newline=newline))
    assert [i.rule for i in result.issues] == ["Q208"] and len(result.rows) == len(canonical_rows())


@pytest.mark.parametrize("written", ["E08000038", "e08000016", "370", "Barnsley"])
def test_authority_code_aliases_resolve_to_the_canonical_code_as_q209(written):
    result = check(return_csv(authority=written))
    issue = only_issue(result, "Q209")
    assert result.authority_code == "E08000016"
    assert (issue.row, issue.column, issue.value) == (1, "authority_code", written)
    assert_names_location(issue)


def test_a_transfer_counterparty_alias_resolves_as_q209():
    rows = add_row(canonical_rows(), "transfer_in", "E08000039", 1)  # Sheffield's 2025 code
    result = check(return_csv(rows=rows))
    issue = only_issue(result, "Q209")
    assert issue.column == "category" and any(r.category == "E08000019" for r in result.rows)


def test_missing_practice_declarations_are_q210():
    result = check(return_csv(rows=drop_section(canonical_rows(), "practice")))
    assert only_issue(result, "Q210").value == "practice" and result.status == "queried"
    partial = check(return_csv(rows=drop_row(canonical_rows(), "practice", "USES_NATIONAL_CATEGORIES")))
    assert "USES_NATIONAL_CATEGORIES" in only_issue(partial, "Q210").message


def test_an_unknown_extra_column_is_ignored_as_q211():
    text = "\n".join(line + (",notes" if i == 0 else ",anything") for i, line in enumerate(return_csv().splitlines())) + "\n"
    result = check(text)
    issue = only_issue(result, "Q211")
    assert (issue.row, issue.column) == (0, "notes") and len(result.rows) == len(canonical_rows())


def _read(result) -> list[tuple[str, str, int]]:
    return [(r.section, r.category, r.count) for r in result.rows]


@pytest.mark.parametrize(("separator", "named"), [(";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")])
def test_a_return_separated_by_semicolons_tabs_or_bars_is_read_as_q214(separator, named):
    result = check(return_csv(separator=separator))
    issue = only_issue(result, "Q214")
    assert [i.rule for i in result.issues] == ["Q214"] and named in issue.message
    assert _read(result) == _read(check(return_csv()))  # every row, as the comma-separated file reads


def test_a_semicolon_return_with_commas_in_a_title_line_is_still_read_by_its_semicolons():
    text = "Prevent return, October 2026, Anytown\n" + return_csv(separator=";")
    result = check(text)
    assert {i.rule for i in result.issues} == {"Q203", "Q214"}  # the title line skipped, the separator repaired
    assert _read(result) == _read(check(return_csv()))


def test_a_comma_return_whose_values_hold_semicolons_stays_comma_separated():
    lines = return_csv().splitlines()
    text = "\n".join(line + (",notes" if i == 0 else ",a;b;c;d;e;f") for i, line in enumerate(lines)) + "\n"
    result = check(text)
    assert [i.rule for i in result.issues] == ["Q211"] and len(result.rows) == len(canonical_rows())


def _second_count_column(values) -> str:
    lines = return_csv().splitlines()
    return "\n".join([lines[0] + ",Number of concerns"] + [line + f",{v}" for line, v in zip(lines[1:], values)]) + "\n"


def test_a_column_named_twice_with_the_same_values_is_ignored_as_q211():
    result = check(_second_count_column([row[2] for row in canonical_rows()]))
    issue = only_issue(result, "Q211")
    assert result.status == "queried" and "column 5 'count' and column 6 'Number of concerns'" in issue.message
    assert len(result.rows) == len(canonical_rows())


def test_a_column_named_twice_with_different_values_rejects_the_return_on_the_rows_that_differ():
    rows = canonical_rows()
    values = [n for _, _, n in rows]
    values[2], values[5] = values[2] + 1, ""
    result = check(_second_count_column(values))
    found = issues_of(result, "E123")
    assert result.status == "rejected" and [i.row for i in found] == [3, 6]
    assert (found[0].column, found[0].value) == ("count", str(values[2]))
    assert f"'{rows[2][2]}' and '{values[2]}'" in found[0].message and "Number of concerns" in found[0].message
    assert_names_location(found[0])


def test_every_label_in_the_standard_is_accepted_as_a_repair():
    standard = load_standard()
    for section in standard.sections.values():
        for category in section.categories:
            for written in (category.label, *category.aliases):
                assert standard.resolve_category(section.code, written) == category.code, (section.code, written)


def test_a_council_variant_with_every_repair_at_once_is_queried_not_rejected():
    header = ("LA code", "Month", "Section", "Category", "Count")
    words = {"MIXED_UNCLEAR_UNSTABLE": "Mixed, unclear or unstable", "CHILDRENS_SOCIAL_CARE": "Children’s social care", "NOT_RECORDED": "Not recorded"}
    rows = [(s, words.get(c, c), n) for s, c, n in canonical_rows(20)]
    data = return_bytes("E08000038", "October 2026", rows, encoding="cp1252", bom=False, newline="\r\n", header=header)
    result = check(data)
    assert result.status == "queried", [i.message for i in result.errors]
    assert {i.rule for i in result.issues} == {"Q203", "Q204", "Q205", "Q206", "Q208", "Q209"}
    assert len(result.rows) == len(canonical_rows(20)) and result.authority_code == "E08000016"
