"""benchmarks/share_disclosure.completeness_given_back: the sum docs/methodology.md ("Points lost", limit)
says the public can do with a visible completeness score, done on the small synthetic database."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.share_disclosure import completeness_given_back


def test_the_completeness_score_and_the_published_count_give_back_the_windows_not_recorded_answers(small_db: Path) -> None:
    con = duckdb.connect(str(small_db), read_only=True)
    try:
        given = completeness_given_back(con)
    finally:
        con.close()
    assert 0 < given["count_published"] <= given["authorities"]
    # (100 - score) x sections x concerns / 100 is the stored count of NOT_RECORDED answers for every one
    assert given["not_recorded_worked_out"] == given["count_published"]
    assert given["not_recorded_1_4"] <= given["not_recorded_worked_out"]
    assert given["share_numerator_given_back"] <= given["share_numerator_1_4"]
