"""Flags: step changes (count CUSUM), runs of nil returns, and the real demo's planted problems found with
the recall and precision the issue asks for."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from etl.periods import add_months, format_period, parse_period
from scoring_builder import clean_rows, load, query, write_return

START = parse_period("2024-04")
JUMP = "E06000001"    # about 10 a month, then 40
NOISY = "E06000002"   # single digits, then 5
NIL_RUN = "E06000003"  # 6 a month, then four nil returns
STEP = "E06000004"    # about 6 a month for two years, then 1 or 2
ONE_EMPTY = "E06000005"  # about 4 a month with one empty month

SERIES = {
    JUMP: [10] * 16 + [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 10, 10, 40],
    NOISY: [1] * 16 + [1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 5],
    NIL_RUN: [6] * 16 + [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 0, 0],
    STEP: [6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 1, 2, 1, 1, 2, 1],
    ONE_EMPTY: [4, 3, 5, 4, 4, 3, 5, 4, 4, 3, 5, 4, 4, 3, 5, 4, 4, 3, 5, 4, 4, 3, 5, 4, 0, 4, 3, 5, 4, 4],
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("flags")
    files = []
    for code, totals in SERIES.items():
        for index, total in enumerate(totals):
            period = add_months(START, index)
            following = add_months(period, 1)
            files.append(write_return(folder / "inbox", code, format_period(period), clean_rows(total),
                                      received=datetime(following.year, following.month, 5)))
    database = folder / "oversight.duckdb"
    load(database, files)
    return database


def flags_of(db: Path, code: str, flag_type: str, measure: str) -> list[tuple]:
    return query(db, "select strftime(period, '%Y-%m'), value from flag where authority_code = $a and flag_type = $t "
                     "and measure = $m order by period", {"a": code, "t": flag_type, "m": measure})


def flags(db: Path, code: str, flag_type: str) -> list[tuple]:
    return query(db, "select strftime(period, '%Y-%m'), value from flag where authority_code = $a and flag_type = $t "
                     "order by period", {"a": code, "t": flag_type})


def test_a_jump_to_four_times_the_usual_level_is_a_sudden_rise(db: Path) -> None:
    # baseline 10 a month; rise CUSUM tuned to 3x: llr(40) = 40 ln 3 - (30 - 10) = 23.9 (Poisson) > h
    rises = query(db, "select strftime(period, '%Y-%m'), value from flag where authority_code = $a and "
                      "flag_type = 'sudden_change' and measure = 'rise'", {"a": JUMP})
    assert rises == [("2026-09", 40.0)]


def test_a_step_drop_to_a_quarter_is_flagged_within_six_months(db: Path) -> None:
    # two years at about 6, then 1, 2, 1, 1, 2, 1 from 2026-04: each month adds about 3.1 or 1.7 to the
    # drop CUSUM (m0 = 6, m1 = 1.5), well above h within the six months
    drops = [p for p, _ in flags_of(db, STEP, "sudden_change", "drop")]
    assert drops and drops[0] <= "2026-09" and drops[0] >= "2026-04"
    assert "A sudden drop" in query(db, "select detail from flag where authority_code = $a and flag_type = 'sudden_change'",
                                    {"a": STEP})[0][0]


def test_single_noisy_months_are_not_sudden_changes(db: Path) -> None:
    # one 5 in an authority with about 1 a month; one empty month in an authority with about 4 a month
    assert flags(db, NOISY, "sudden_change") == []
    assert flags(db, ONE_EMPTY, "sudden_change") == []


def test_an_improbable_run_of_nil_returns_is_flagged_in_every_month_of_it(db: Path) -> None:
    # the rate is judged from the months outside the run: 26 x 6 / 26 = 6 a month; fewer than five
    # authorities at 2 or more a month give no national shape, so Poisson: P = exp(-6 x 4) = 3.8e-11
    assert [p for p, _ in flags(db, NIL_RUN, "nil_return_run")] == ["2026-06", "2026-07", "2026-08", "2026-09"]
    assert query(db, "select distinct detail from flag where authority_code = $a and flag_type = 'nil_return_run'",
                 {"a": NIL_RUN}) == [("4 consecutive nil returns from 2026-06 to 2026-09 where about 6.0 concerns a month "
                                      "are usual (the mean of its 26 other returns); a run this long at that level has "
                                      "probability 3.8e-11 (Poisson: counts not overdispersed)",)]
    # quiet single-digit months are not a run: NOISY never has three nil months in a row
    assert flags(db, NOISY, "nil_return_run") == []


@pytest.mark.slow
def test_the_demo_planted_problems_are_found(demo_dir: Path) -> None:
    """The session demo (one seed) against the issue's targets. Overall recall >= 0.95 and precision over
    clean authorities >= 0.9 hold on it; the per-type target (>= 0.8) is measured over three seeds by
    `python -m benchmarks.ground_truth_eval`, because with five planted authorities a type's recall on one
    seed moves in steps of 0.2 (a step drop at 3 a month is flagged within 6 months in about 45% of cases,
    see docs/methodology.md), so here each type must be found in at least 3 of 5."""
    import importlib.util

    # benchmarks/ is not on the test path; load the evaluator from its file
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "ground_truth_eval.py"
    spec = importlib.util.spec_from_file_location("ground_truth_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results, summary = module.evaluate_run(demo_dir / "oversight.duckdb", demo_dir / "ground_truth.csv")
    weak = {name: r["recall"] for name, r in results.items()
            if r["category"] == "recording" and r["planted"] and r["recall"] < 0.6}
    assert weak == {}
    assert summary["overall_recall"] >= 0.95
    assert summary["precision"] >= 0.9


@pytest.mark.slow
def test_flag_and_explanation_texts_count_in_words_not_with_a_bracketed_plural(demo_db: Path) -> None:
    """'1 error', '15 days', '4 records': never 'error(s)', 'day(s)', 'record(s)' (GOV.UK style), and never
    '1 errors'. The demo has every kind: rejected files, late returns, transfers, sudden changes."""
    import re

    texts = [t for (t,) in query(demo_db, "select detail from flag union all select detail from score_component")]
    kinds = {kind for t in texts for kind in re.findall(r"\b(rejected|after the deadline|sent to you by|A sudden)", t)}
    assert kinds == {"rejected", "after the deadline", "sent to you by", "A sudden"}
    assert [t for t in texts if "(s)" in t] == []
    assert [t for t in texts if re.search(r"\b1 (errors|records|days|months)\b", t)] == []
