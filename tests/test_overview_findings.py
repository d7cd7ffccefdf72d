"""Findings in words: flag labels (new types included), most concerning first, what changed since the
month before, and causes of lost points named in words, on five-row frames."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard import findings

FLAGS = pl.DataFrame({
    "authority_code": ["E1", "E2", "E3", "E4", "E5"],
    "name": ["Leeds", "Bury", None, "Kent", "Hull"],
    "region_name": ["Y", "NW", "NW", "SE", "Y"],
    "flag_type": ["warning_high", "significantly_low", "a_new_kind_of_flag", "sudden_change", "significantly_low"],
    "measure": ["rate_total_per_10k"] * 5,
    "value": [9.0, 1.0, None, 3.0, 2.0],
    "detail": ["d"] * 5,
})


def test_known_flags_get_plain_english_and_new_types_a_label_from_their_name():
    assert findings.flag_label("significantly_low").startswith("Recording rate significantly low")
    assert findings.flag_label("transfers_not_recorded") == "Transfers from other authorities not recorded"
    assert findings.flag_label("a_new_kind_of_flag") == "A new kind of flag"


def test_findings_put_the_most_concerning_first_then_by_name_and_fill_missing_names():
    table = findings.findings(FLAGS)
    assert table["name"].to_list() == ["Bury", "Hull", "Kent", "Leeds", "E3"]
    assert table["flag_label"][0].startswith("Recording rate significantly low")


def test_concerning_keeps_only_flags_that_suggest_incomplete_recording():
    assert findings.concerning(FLAGS)["authority_code"].to_list() == ["E2", "E4", "E5"]


def test_changes_since_last_month_lists_raised_and_cleared_flags():
    before = FLAGS.filter(pl.col("authority_code").is_in(["E1", "E2"])).vstack(
        pl.DataFrame({"authority_code": ["E9"], "name": ["York"], "region_name": ["Y"], "flag_type": ["nil_return_run"],
                      "measure": [None], "value": [None], "detail": ["d"]}, schema=FLAGS.schema))
    raised, cleared = findings.changes(FLAGS, before)
    assert sorted(raised["authority_code"].to_list()) == ["E3", "E4", "E5"]
    assert cleared["name"].to_list() == ["York"]
    sentence = findings.changes_sentence(raised, cleared, "September 2026")
    assert sentence.startswith("Since September 2026: 3 raised (") and sentence.endswith("1 cleared (York).")


def test_no_change_says_so():
    assert findings.changes_sentence(FLAGS.clear(), FLAGS.clear(), "May 2026") == "No flag was raised or cleared since May 2026."


def test_name_lists_join_with_and_and_count_the_rest():
    assert findings.name_list(["A"]) == "A"
    assert findings.name_list(["A", "B", "C"]) == "A, B and C"
    assert findings.name_list(list("ABCDEFG"), shown=5) == "A, B, C, D, E and 2 more"


def test_causes_are_named_in_words_not_rule_ids():
    assert findings.cause_label("not_recorded.action") == "Action: recorded as 'not recorded'"
    assert findings.cause_label("Q204", {"Q204": "Label repaired"}) == "Label repaired (Q204)"
    assert findings.cause_label("late") == "Return sent after the deadline"
    assert findings.cause_label("practice.USES_NATIONAL_CATEGORIES") == "Uses national categories: declared recording practice not in place"
    assert findings.cause_label("Q299") == "Validation rule Q299"


def test_the_poisson_interval_matches_hand_computed_values():
    # 10 events: exact 95% limits 4.795 to 18.39 (Garwood); over 10,000 child-years -> per 10,000 the same.
    lower, upper = findings.poisson_interval(10, 10_000)
    assert lower == pytest.approx(4.7954, abs=1e-3) and upper == pytest.approx(18.3904, abs=1e-3)
    assert findings.poisson_interval(0, 5_000)[0] == 0.0
    assert findings.poisson_interval(0, 5_000)[1] == pytest.approx(3.6889 / 5_000 * 10_000, abs=1e-3)


def test_comparisons_follow_fingertips_comparator_outside_the_interval():
    assert findings.compare(4.8, 18.4, 3.0) == "higher"
    assert findings.compare(4.8, 18.4, 20.0) == "lower"
    assert findings.compare(4.8, 18.4, 10.0) == "similar"
    assert findings.compare(None, None, 10.0) == "none"


def test_the_benchmark_table_gives_intervals_for_shown_rates_only_and_marks_in_words():
    spine = pl.DataFrame({
        "measure": ["composite", "rate_a", "rate_b", "rate_c", "timeliness"],
        "label": ["Composite", "Rate A", "Rate B", "Rate C", "Timeliness"],
        "authority": [90.0, 10.0, None, 10.0, 80.0], "region": [85.0, 9.0, 9.0, 30.0, None],
        "neighbours": [88.0, 25.0, 25.0, 10.0, 70.0], "england": [91.0, 3.0, 3.0, 10.0, 75.0],
    })
    counts = pl.DataFrame({"measure": ["rate_a", "rate_b", "rate_c"], "numerator": [10.0, 10.0, 10.0],
                           "denominator": [10_000.0, 10_000.0, 0.0]})
    table = findings.benchmark_table(spine, counts)
    a = table.row(1, named=True)
    assert a["lower"] == pytest.approx(4.7954, abs=1e-3)
    assert a["vs_england"].startswith("▲ Higher") and a["vs_region"] == "● Similar" and a["vs_neighbours"].startswith("▼ Lower")
    assert table.row(2, named=True)["lower"] is None  # rate withheld by disclosure control: no interval either
    assert table.row(3, named=True)["vs_england"] == "Not tested"  # no denominator
    assert table.row(0, named=True)["vs_england"] == "Not tested"  # scores are not counts


def test_flags_for_a_window_are_grouped_by_type_with_months_and_latest_detail():
    flags = pl.DataFrame({
        "period": [date(2026, 10, 1), date(2026, 9, 1), date(2026, 9, 1), date(2026, 5, 1), date(2026, 1, 1)],
        "flag_type": ["warning_low", "significantly_low", "warning_low", "significantly_low", "brand_new"],
        "measure": ["r", "r", "r", "r", None], "value": [1.0, 2.0, 3.0, 4.0, None],
        "detail": ["w10", "s9", "w9", "s5", "n1"],
    })
    table = findings.flags_for_window(flags)
    assert table["flag_type"].to_list() == ["significantly_low", "warning_low", "brand_new"]
    first = table.row(0, named=True)
    assert first["months"] == 2 and first["latest"] == date(2026, 9, 1) and first["detail"] == "s9"
    assert table.row(2, named=True)["flag_label"] == "Brand new"
