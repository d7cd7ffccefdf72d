"""Chart summaries in words, from five-row frames."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard import summaries

VALUES = pl.DataFrame({"name": ["A", "B", "C", "D", "E"], "region_name": ["N", "N", "S", "S", "S"],
                       "value": [10.0, 20.0, 5.0, None, 30.0]})


def test_extremes_name_the_lowest_and_highest_and_skip_missing_values():
    assert summaries.extremes(VALUES) == ("4 authorities have a value. The median is 15.0; the lowest is C (5.0) "
                                          "and the highest E (30.0).")
    assert summaries.extremes(VALUES.clear()) == "No authority has a value for this choice."


def test_the_spread_runs_from_the_lowest_regional_median_to_the_highest():
    assert summaries.region_medians(VALUES)["region_name"].to_list() == ["N", "S"]
    assert summaries.spread(VALUES) == "Median by region runs from 15.0 in N to 17.5 in S."


def test_the_trend_summary_gives_england_and_the_extreme_regions_in_the_latest_month():
    regions = pl.DataFrame({"region_name": ["N", "S", "N", "S", "W"], "value": [1.0, 2.0, 3.0, 5.0, None],
                            "period": [date(2026, 9, 1)] * 2 + [date(2026, 10, 1)] * 3})
    england = pl.DataFrame({"period": [date(2026, 10, 1)], "value": [4.0]})
    assert summaries.regions_against_england(regions, england) == (
        "In October 2026 England was at 4.0; the lowest region was N (3.0) and the highest S (5.0).")
    assert summaries.regions_against_england(regions, england.clear()).startswith("In October 2026 the lowest")


def test_intervals_say_which_regions_differ_from_england():
    regions = pl.DataFrame({"region_name": ["N", "S", "E", "W", "X"], "value": [5.0, 9.0, 7.0, 6.0, None],
                            "lower": [4.0, 8.5, 6.0, 5.0, None], "upper": [6.0, 9.5, 8.0, 7.5, None]})
    text = summaries.intervals_against_england(regions, 7.0)
    assert text.startswith("S is highest (9.0) and N lowest (5.0); England is 7.0.")
    assert text.endswith("The interval of N, S does not include England's value.")
    assert summaries.intervals_against_england(regions, None).endswith("lowest (5.0).")
