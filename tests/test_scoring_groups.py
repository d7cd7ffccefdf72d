"""Where each (measure, period) group begins in the scoring's sorted inputs."""

from __future__ import annotations

from datetime import date

import numpy as np

from etl.scoring.groups import group_slices, group_starts


def test_a_group_begins_wherever_any_key_changes_from_the_row_before() -> None:
    measures = np.array(["rate", "rate", "rate", "share", "share"], dtype=object)
    periods = np.array([date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 1)],
                       dtype="datetime64[D]")
    assert group_starts(measures, periods).tolist() == [0, 2, 3]
    assert group_starts(measures).tolist() == [0, 3]


def test_one_row_is_one_group_and_no_rows_are_none() -> None:
    assert group_starts(np.array(["rate"], dtype=object)).tolist() == [0]
    assert group_starts(np.array([], dtype=object)).tolist() == []


def test_a_key_that_returns_to_an_earlier_value_starts_a_new_group() -> None:
    # rows are sorted by the keys, so this cannot arise from the scoring's SQL; the runs still split
    assert group_starts(np.array([1, 1, 2, 1])).tolist() == [0, 2, 3]


def test_the_slices_cover_every_row_once_group_by_group() -> None:
    measures = np.array(["rate", "rate", "rate", "share", "share"], dtype=object)
    assert group_slices(measures) == [slice(0, 3), slice(3, 5)]
    assert group_slices(np.array([], dtype=object)) == []
