"""Findings in words: flag labels (new types included), most concerning first, what changed since the
month before, and causes of lost points named in words, on five-row frames."""

from __future__ import annotations

import polars as pl

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
