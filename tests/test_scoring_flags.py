"""Flags: sudden changes against the trailing median (robust z), runs of nil returns, and the real demo's
planted problems found with the recall and precision the issue asks for."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from etl.periods import add_months, format_period, parse_period
from scoring_builder import clean_rows, load, query, write_return

START = parse_period("2025-08")
JUMP = "E06000001"    # about 10 a month, then 40
NOISY = "E06000002"   # single digits, then 5
NIL_RUN = "E06000003"  # 6 a month, then four nil returns

SERIES = {
    JUMP: [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 10, 10, 40],
    NOISY: [1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 5],
    NIL_RUN: [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 0, 0],
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


def flags(db: Path, code: str, flag_type: str) -> list[tuple]:
    return query(db, "select strftime(period, '%Y-%m'), value from flag where authority_code = $a and flag_type = $t "
                     "order by period", {"a": code, "t": flag_type})


def test_a_jump_far_from_the_trailing_median_is_a_sudden_change(db: Path) -> None:
    # trailing 12 months: median 10, MAD 0.5, floored at 0.6745 x sqrt(10) = 2.13;
    # robust z = 0.6745 x (40 - 10) / 2.13 = 9.5 > 3.5
    assert flags(db, JUMP, "sudden_change") == [("2026-09", 40.0)]


def test_single_digit_noise_is_not_a_sudden_change(db: Path) -> None:
    # median 1, MAD 0 floored at 1.0: robust z = 0.6745 x (5 - 1) / 1 = 2.7 < 3.5
    assert flags(db, NOISY, "sudden_change") == []


def test_an_improbable_run_of_nil_returns_is_flagged_in_every_month_of_it(db: Path) -> None:
    # mean monthly total 60 / 14 = 4.29; P(4 nil months) = exp(-4.29 x 4) = 3.6e-8 < 1e-5
    assert [p for p, _ in flags(db, NIL_RUN, "nil_return_run")] == ["2026-06", "2026-07", "2026-08", "2026-09"]
    # quiet single-digit months are not a run: NOISY never has three nil months in a row
    assert flags(db, NOISY, "nil_return_run") == []


@pytest.mark.slow
def test_the_demo_planted_problems_are_found(demo_dir: Path) -> None:
    import importlib.util

    # benchmarks/ is not on the test path; load the evaluator from its file
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "ground_truth_eval.py"
    spec = importlib.util.spec_from_file_location("ground_truth_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.evaluate(demo_dir / "oversight.duckdb", demo_dir / "ground_truth.csv")
    weak = {name: (r["recall"], r["precision"]) for name, r in results.items()
            if r["planted"] and (r["recall"] < 0.9 or r["precision"] is None or r["precision"] < 0.8)}
    assert weak == {}
