"""Runs of nil returns (etl/sql/scoring/61_nil_run.sql): judged with the negative-binomial zero probability
at England's shape, from the authority's usual level over enough months outside the run. The model runs on
hand-made staging tables; the flag's wording through the real loader is in test_scoring_flags.py."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from etl.periods import add_months, parse_period
from etl.scoring.config import SCORING_CONFIG, load_config, parse_config
from etl.scoring.evidence import write_step_changes
from etl.scoring.models import MODELS_DIR, run_model, sql_parameters

START = parse_period("2021-01")


def nil_runs(series: dict[str, list[int]], shape: float | None, **settings) -> dict[str, tuple]:
    """Run the model on the given monthly totals with England's shape set to `shape` (None: Poisson);
    {authority: (first month, months, other returns, usual level, probability)} for each flagged run."""
    con = duckdb.connect()
    try:
        con.execute("create temp table scoring_return (authority_code varchar, period date, total integer)")
        rows = [(code, add_months(START, i), total) for code, totals in series.items() for i, total in enumerate(totals)]
        con.executemany("insert into scoring_return values (?, ?, ?)", rows)
        con.execute("create temp table scoring_count_shape as select cast($s as double) as shape", {"s": shape})
        parameters = sql_parameters(load_config(), date(2026, 12, 1)) | settings
        run_model(con, MODELS_DIR / "61_nil_run.sql", parameters)
        found = con.execute("select authority_code, strftime(min(first_period), '%Y-%m'), max(months), max(other_returns), "
                            "max(typical_total), max(probability), count(*) from scoring_nil_run group by authority_code").fetchall()
    finally:
        con.close()
    for code, _, months, *_, flagged_months in found:
        assert flagged_months == months  # flagged in every month of the run
    return {code: tuple(rest[:5]) for code, *rest in found}


def test_a_run_probable_under_overdispersion_is_not_flagged_though_poisson_would_flag_it() -> None:
    # 12 months at 2 a month, then 6 nil months: m = 24 / 12 = 2.
    # Negative binomial, r = 4: P(0) = (4 / 6)^4, the run (4 / 6)^24 = 5.94e-5 > 1e-5: not flagged.
    # Poisson: exp(-2 x 6) = 6.14e-6 < 1e-5: flagged.
    series = {"E06000001": [2] * 12 + [0] * 6}
    assert nil_runs(series, 4.0) == {}
    poisson = nil_runs(series, 4.0, distribution="poisson")
    assert poisson["E06000001"][:4] == ("2022-01", 6, 12, 2.0)
    assert poisson["E06000001"][4] == pytest.approx(6.14421e-6, rel=1e-5)
    # no overdispersion estimated (shape null): Poisson whatever the setting
    assert nil_runs(series, None)["E06000001"][4] == pytest.approx(6.14421e-6, rel=1e-5)


def test_an_improbable_run_under_the_negative_binomial_is_flagged_with_its_probability() -> None:
    # 12 months averaging 3 (2, 4, 3 repeated), then 6 nil months: (4 / 7)^(4 x 6) = 1.4692e-6 < 1e-5
    series = {"E06000002": [2, 4, 3] * 4 + [0] * 6}
    assert nil_runs(series, 4.0) == {"E06000002": ("2022-01", 6, 12, 3.0, pytest.approx(1.46922e-6, rel=1e-5))}


def test_the_usual_level_comes_only_from_months_outside_the_run() -> None:
    # 8 nil months between 12 months at 3 either side: m = 72 / 24 = 3 (not 72 / 32 = 2.25);
    # (4 / 7)^32 = 1.7e-8
    series = {"E06000003": [3] * 12 + [0] * 8 + [3] * 12}
    flagged = nil_runs(series, 4.0)["E06000003"]
    assert flagged[:4] == ("2022-01", 8, 24, 3.0)
    assert flagged[4] == pytest.approx((4 / 7) ** 32, rel=1e-9)


def test_a_run_is_not_judged_from_fewer_than_a_year_of_other_returns() -> None:
    # The Isles of Scilly case: one month with 1 concern and 64 nil months. Judged from that one month
    # the Poisson probability would be exp(-64) = 1.6e-28; one month says nothing about the usual level.
    scilly = {"E06000053": [1] + [0] * 64}
    assert nil_runs(scilly, None) == {}
    assert nil_runs(scilly, None, min_other_returns=1)["E06000053"][4] == pytest.approx(1.6038e-28, rel=1e-4)
    # 11 other returns at 3 a month are not enough; 12 are: (4 / 7)^24 = 1.47e-6
    assert nil_runs({"E06000004": [3] * 11 + [0] * 6}, 4.0) == {}
    assert nil_runs({"E06000004": [3] * 12 + [0] * 6}, 4.0)["E06000004"][4] == pytest.approx(1.46922e-6, rel=1e-5)


def test_short_runs_and_quiet_authorities_are_not_flagged() -> None:
    # two nil months at 10 a month are below min_run (3); an authority that never records anything has m = 0
    assert nil_runs({"E06000005": [10] * 12 + [0, 0] + [10] * 4, "E06000006": [0] * 30}, 4.0) == {}


def test_the_step_change_cusum_hands_its_national_shape_to_the_nil_run_model() -> None:
    # 12 months of 0, 6, 0, 6, ... in three authorities and 6, 0, 6, 0, ... in three more, so England's monthly
    # index is flat (3 a month every month): mean 3, every successive difference 6, von Neumann variance
    # 36 / 2 = 18, (18 - 3) / 3^2 = 5/3, so r = 0.6 (not rounded down to the CUSUM's calibration grid). A
    # seventh authority at 1 a month (under 2) is left out of the median.
    text = SCORING_CONFIG.read_text(encoding="utf-8")
    config = parse_config(text.replace("simulations = 20000", "simulations = 300"), "test")
    con = duckdb.connect()
    try:
        con.execute("create table cusum_threshold (calibration_key varchar, level double, h double)")
        rows = [(f"E0600001{a}", add_months(START, i), float(6 * ((i + a) % 2))) for a in range(6) for i in range(12)]
        rows += [("E06000020", add_months(START, i), 1.0) for i in range(12)]
        con.execute("create temp table scoring_monthly_total (authority_code varchar, period date, total double)")
        con.executemany("insert into scoring_monthly_total values (?, ?, ?)", rows)
        write_step_changes(con, config)
        assert con.execute("select shape from scoring_count_shape").fetchall() == [(pytest.approx(0.6),)]
        # counts no more variable than Poisson: no shape (null), so the model uses exp(-m)
        con.execute("delete from scoring_monthly_total")
        con.executemany("insert into scoring_monthly_total values (?, ?, ?)",
                        [(f"E0600001{a}", add_months(START, i), 3.0) for a in range(6) for i in range(12)])
        write_step_changes(con, config)
        assert con.execute("select shape from scoring_count_shape").fetchall() == [(None,)]
    finally:
        con.close()
