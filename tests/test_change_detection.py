"""Step changes in monthly totals (etl/scoring/cusum.py): the negative-binomial CUSUM against hand-computed
values, its thresholds by baseline level and length, and its behaviour on simulated series at the shipped
settings (power against a drop to a quarter, false alarms, single noisy months)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.stats import nbinom

from etl.scoring.cusum import (CusumSettings, Thresholds, baseline_lengths, calibrate, llr, national_index, nb_shape,
                               simulate_thresholds, statistic)

POISSON = float("inf")


# ---- hand-computed values ---------------------------------------------------------------------------

def test_the_poisson_log_likelihood_ratio_of_a_drop_matches_hand_values() -> None:
    # m0 = 4, m1 = 1: llr = x ln(1/4) - (1 - 4) = 3 - 1.386294 x
    assert llr(np.array([0.0]), np.array([4.0]), 0.25, POISSON)[0] == pytest.approx(3.0)
    assert llr(np.array([2.0]), np.array([4.0]), 0.25, POISSON)[0] == pytest.approx(3.0 - 2 * math.log(4))


def test_the_negative_binomial_log_likelihood_ratio_matches_hand_values() -> None:
    # r = 2, m0 = 4, m1 = 1: x ln(1 x 6 / (4 x 3)) + 2 ln(6 / 3) = (2 - x) ln 2
    assert llr(np.array([0.0]), np.array([4.0]), 0.25, 2.0)[0] == pytest.approx(2 * math.log(2))
    assert llr(np.array([3.0]), np.array([4.0]), 0.25, 2.0)[0] == pytest.approx(-math.log(2))


def test_the_cusum_adds_up_the_recent_months_against_the_baseline_before_them() -> None:
    settings = CusumSettings(window_months=2, baseline_months=2, min_baseline_returns=2, min_level=1.0)
    x = np.array([[4.0], [4.0], [0.0], [0.0]])
    stat, level = statistic(x, np.ones(4), 0.25, POISSON, settings)
    # month 3: change point 2 (baseline months 0-1, mean 4): months 2 and 3 each add 3.0 -> 6.0;
    # change point 3 (baseline months 1-2, mean 2): 0 - (0.5 - 2) = 1.5. S is the larger.
    assert level[3, 0] == pytest.approx(4.0)
    assert stat[3, 0] == pytest.approx(6.0)
    assert stat[2, 0] == pytest.approx(3.0)
    assert np.isnan(stat[1, 0])  # fewer than two returns before any change point


def test_a_missing_month_adds_no_evidence() -> None:
    settings = CusumSettings(window_months=2, baseline_months=2, min_baseline_returns=2, min_level=1.0)
    x = np.array([[4.0], [4.0], [np.nan], [0.0]])
    stat, _ = statistic(x, np.ones(4), 0.25, POISSON, settings)
    assert stat[3, 0] == pytest.approx(3.0)


def test_thresholds_interpolate_on_log_level_and_on_baseline_returns() -> None:
    # levels 1 and 4 (log-midpoint 2), baseline lengths 12 and 36
    limits = Thresholds(np.array([12, 36]), np.array([1.0, 4.0]), np.array([[8.0, 10.0], [6.0, 7.0]]))
    assert limits(np.array([2.0]), np.array([12]))[0] == pytest.approx(9.0)
    assert limits(np.array([2.0]), np.array([36]))[0] == pytest.approx(6.5)
    assert limits(np.array([2.0]), np.array([24]))[0] == pytest.approx((9.0 + 6.5) / 2)
    # clamped outside the grid
    assert limits(np.array([100.0]), np.array([60]))[0] == pytest.approx(7.0)
    assert limits(np.array([0.5]), np.array([3]))[0] == pytest.approx(8.0)


def test_each_change_point_is_judged_against_its_own_threshold() -> None:
    # x = 4, 4, 4, 0, 0; window 2, baseline up to 4 months (at least 2). At month 4:
    #   c = 3: baseline months 0-2 (3 returns, mean 4): evidence 2 x 3.0 = 6.0, h(n = 3) = (10 + 1) / 2 = 5.5
    #   c = 4: baseline months 0-3 (4 returns, mean 3): evidence 0 - (0.75 - 3) = 2.25, h(n = 4) = 1
    # margins 0.5 and 1.25: c = 4 is reported (furthest above its own threshold); without thresholds, c = 3.
    settings = CusumSettings(window_months=2, baseline_months=4, min_baseline_returns=2, min_level=1.0)
    limits = Thresholds(np.array([2, 4]), np.array([1.0, 60.0]), np.array([[10.0, 10.0], [1.0, 1.0]]))
    x = np.array([[4.0], [4.0], [4.0], [0.0], [0.0]])
    stat, level, span, h = statistic(x, np.ones(5), 0.25, POISSON, settings, with_span=True, thresholds=limits)
    assert (stat[4, 0], level[4, 0], span[4, 0], h[4, 0]) == pytest.approx((2.25, 3.0, 1, 1.0))
    stat, level, span, h = statistic(x, np.ones(5), 0.25, POISSON, settings, with_span=True)
    assert (stat[4, 0], level[4, 0], span[4, 0], h[4, 0]) == pytest.approx((6.0, 4.0, 2, 0.0))


def test_englands_index_follows_the_national_totals_and_a_missing_return_does_not_lower_a_month() -> None:
    # levels 2 : 4 : 3 scaled by 2, 4, 1 over three months, the third authority's first return missing:
    # the index is 2 : 4 : 1, normalised to mean 1 (6/7, 12/7, 3/7), not lowered in month 0 by the gap
    x = np.array([[2.0, 4.0, np.nan], [4.0, 8.0, 6.0], [1.0, 2.0, 1.5]])
    england, _ = national_index(x)
    assert england == pytest.approx([6 / 7, 12 / 7, 3 / 7])


def test_an_authority_is_judged_against_englands_index_without_itself() -> None:
    # x = 4 4 4 / 4 4 0: the main-effects fit gives I = (1.2, 0.8) and levels (4, 4, 2), England's
    # months 10 and 10 expected. Without C (which dropped to 0): (12 - 4) / (10 - 2) = 1 and
    # (8 - 0) / (10 - 2) = 1, so C's drop is judged against a flat England; without A: 8/6 and 4/6.
    x = np.array([[4.0, 4.0, 4.0], [4.0, 4.0, 0.0]])
    england, leave_out = national_index(x)
    assert england == pytest.approx([1.2, 0.8])
    assert leave_out[:, 2] == pytest.approx([1.0, 1.0])
    assert leave_out[:, 0] == pytest.approx([4 / 3, 2 / 3])


def test_a_few_authorities_whose_recording_breaks_barely_move_englands_index() -> None:
    # 20 authorities at 5 a month; one records nothing in months 10-13 and another drops to 1. The zeros'
    # Anscombe residual is 1.5 (0 - 5^(2/3)) / 5^(1/6) = -3.36 (Poisson: no overdispersion here), beyond
    # 2.58, so they get weight 1 / 3.36^2 = 0.089; the 1s (-2.21) stay in. England's months fall to
    # (18 x 5 + 1) / (19 x 5 + 0.089 x 5) = 0.953 of the others (unweighted: 91 / 100 = 0.91)
    x = np.full((24, 20), 5.0)
    x[10:14, 0] = 0.0
    x[10:14, 1] = 1.0
    england, leave_out = national_index(x)
    assert england[10:14] / england[0] == pytest.approx(np.full(4, 91 / (95 + 5 / 3.36 ** 2)), abs=0.002)
    # without itself, the empty authority is judged against the other 19: 91 / 95 of the usual in months 10-13
    assert leave_out[10:14, 0] / leave_out[0, 0] == pytest.approx(np.full(4, 91 / 95), abs=0.002)


def test_the_expected_count_follows_englands_trend_as_well_as_its_season() -> None:
    # England doubles from month 1: with the index (1, 2, 2) the baseline level is (4 + 8) / (1 + 2) = 4
    # and month 2 expects m0 = 8, so an empty month adds 0 - (2 - 8) = 6.0 (Poisson); without the index
    # the baseline is the plain mean 6 and the same month adds only 4.5
    settings = CusumSettings(window_months=1, baseline_months=2, min_baseline_returns=2, min_level=1.0)
    x = np.array([[4.0], [8.0], [0.0]])
    stat, level = statistic(x, np.array([[1.0], [2.0], [2.0]]), 0.25, POISSON, settings)
    assert (stat[2, 0], level[2, 0]) == pytest.approx((6.0, 4.0))
    stat, level = statistic(x, np.ones(3), 0.25, POISSON, settings)
    assert (stat[2, 0], level[2, 0]) == pytest.approx((4.5, 6.0))


def test_older_change_points_are_judged_against_their_own_threshold_when_the_long_window_is_on() -> None:
    # x = 4, 4, 0, 0 (Poisson); baseline 2 months; recent window 1 month, long window 2. At month 3:
    #   c = 3 (recent): baseline months 1-2, mean 2: 0 - (0.5 - 2) = 1.5 against h = 5: margin -3.5
    #   c = 2 (older): baseline months 0-1, mean 4: 3.0 + 3.0 = 6.0 against h_long = 5.5: margin 0.5
    x = np.array([[4.0], [4.0], [0.0], [0.0]])
    recent = Thresholds(np.array([2]), np.array([1.0, 60.0]), np.array([[5.0, 5.0]]))
    older = Thresholds(np.array([2]), np.array([1.0, 60.0]), np.array([[5.5, 5.5]]))
    on = CusumSettings(window_months=1, long_window_months=2, baseline_months=2, min_baseline_returns=2, min_level=1.0)
    stat, level, span, h = statistic(x, np.ones(4), 0.25, POISSON, on, with_span=True, thresholds=recent, long_thresholds=older)
    assert (stat[3, 0], level[3, 0], span[3, 0], h[3, 0]) == pytest.approx((6.0, 4.0, 2, 5.5))
    # off: only c = 3, below its threshold
    off = dataclasses.replace(on, long_window_months=0)
    stat, level, span, h = statistic(x, np.ones(4), 0.25, POISSON, off, with_span=True, thresholds=recent)
    assert (stat[3, 0], span[3, 0], h[3, 0]) == pytest.approx((1.5, 1, 5.0))


def test_the_national_shape_is_infinite_for_poisson_counts_and_finite_for_overdispersed_ones() -> None:
    rng = np.random.default_rng(1)
    assert nb_shape(rng.poisson(6.0, size=(60, 200)).astype(float)) > 30
    shape = nb_shape(rng.negative_binomial(3.0, 3.0 / 9.0, size=(60, 200)).astype(float))  # mean 6, r = 3
    assert 2.0 < shape < 4.5


def test_baseline_lengths_run_from_the_minimum_to_the_full_baseline() -> None:
    lengths = baseline_lengths(CusumSettings(baseline_months=36, min_baseline_returns=12))
    assert lengths[0] == 12 and lengths[-1] == 36 and np.all(np.diff(lengths) > 0)
    assert list(baseline_lengths(CusumSettings(baseline_months=12, min_baseline_returns=12))) == [12]


# ---- simulated behaviour at the shipped settings ------------------------------------------------------

SHAPE = 10.0  # about the demo's national shape after rounding down to the grid


def _simulate(level: float, months: int, step: int | None, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mean = np.full((months, 1), level)
    if step is not None:
        mean[step:] = level * 0.25
    p = SHAPE / (SHAPE + mean)
    return rng.negative_binomial(SHAPE, np.broadcast_to(p, (months, n))).astype(float)


@pytest.fixture(scope="module")
def shipped_cusum() -> CusumSettings:
    from etl.scoring.config import load_config
    from etl.scoring.evidence import cusum_settings

    return cusum_settings(load_config())


@pytest.fixture(scope="module")
def shipped_limits(shipped_cusum: CusumSettings) -> tuple[Thresholds, Thresholds | None]:
    return simulate_thresholds(0.25, SHAPE, shipped_cusum)


def _alarms(x: np.ndarray, settings: CusumSettings, limits: tuple[Thresholds, Thresholds | None]) -> np.ndarray:
    stat, _, _, h = statistic(x, np.ones(x.shape[0]), 0.25, SHAPE, settings, with_span=True,
                              thresholds=limits[0], long_thresholds=limits[1])
    return np.nan_to_num(stat) > h


def test_a_shorter_baseline_needs_more_evidence(shipped_limits) -> None:
    recent = shipped_limits[0]
    shortest, longest = recent(np.array([3.0, 3.0]), np.array([recent.returns[0], recent.returns[-1]]))
    assert shortest > longest


@pytest.mark.parametrize("level, within_six", [(6.0, 0.8), (10.0, 0.93)])
def test_a_step_drop_to_a_quarter_is_flagged_within_six_months(shipped_cusum, shipped_limits, level, within_six) -> None:
    # simulated power at one false alarm a year nationally (benchmarks/change_detection_power.py): 0.88 at 6
    # a month, 0.98 at 10; the bounds leave room for simulation noise (2,000 authorities)
    alarm = _alarms(_simulate(level, months=56, step=48, n=2000, seed=7), shipped_cusum, shipped_limits)
    assert not alarm[:48].any(axis=0).mean() > 0.05
    assert alarm[48:54].any(axis=0).mean() >= within_six


def test_in_control_authorities_rarely_alarm_even_with_short_baselines(shipped_cusum, shipped_limits) -> None:
    # from the first month with 12 returns (baseline lengths 12 to 36), per authority-year
    x = _simulate(4.0, months=60, step=None, n=4000, seed=11)
    alarm = _alarms(x, shipped_cusum, shipped_limits)
    years = (60 - 12) / 12
    target = shipped_cusum.false_alarms_per_year / shipped_cusum.authorities
    # twice the target allows for simulation noise
    assert alarm.any(axis=0).mean() / years < 2 * target


@pytest.mark.parametrize("level", [3.0, 4.0, 6.0, 10.0, 20.0])
def test_a_single_noisy_month_does_not_flag(shipped_cusum, shipped_limits, level) -> None:
    # one month at the in-control 0.1% quantile (for 3-6 a month: an empty month) among months at the level
    low = float(nbinom.ppf(0.001, SHAPE, SHAPE / (SHAPE + level)))
    for month in (14, 30, 44):  # short, middling and full baselines
        x = np.full((48, 1), level)
        x[month, 0] = low
        assert not _alarms(x, shipped_cusum, shipped_limits).any(), (level, low, month)


def test_the_calibration_is_reproducible(shipped_cusum: CusumSettings) -> None:
    quick = dataclasses.replace(shipped_cusum, simulations=2000)
    assert np.array_equal(calibrate(0.25, 8.0, quick, 12)[1], calibrate(0.25, 8.0, quick, 12)[1])


def test_the_glr_compared_in_the_power_benchmark_matches_hand_values() -> None:
    # benchmarks/change_detection_power.py: theta = min(1, seen / expected), G = seen ln theta - (theta - 1) expected.
    # x = 4, 4, 4, 1, 0; baseline 3 months, window 2. Month 3: c = 3 (baseline 4): theta = 1/4,
    # G = ln(1/4) + 3 = 1.6137. Month 4: c = 3 (expected 8, seen 1): ln(1/8) + 7 = 4.9206;
    # c = 4 (baseline months 1-3, mean 3; seen 0): G = 3. The statistic is the larger.
    from benchmarks.change_detection_power import _glr

    settings = CusumSettings(window_months=2, baseline_months=3, min_baseline_returns=3, min_level=1.0)
    g = _glr(np.array([[4.0], [4.0], [4.0], [1.0], [0.0]]), settings, from_month=3)
    assert g[3, 0] == pytest.approx(math.log(0.25) + 3)
    assert g[4, 0] == pytest.approx(math.log(1 / 8) + 7)


def test_with_the_long_window_false_alarms_stay_calibrated_and_missed_drops_are_flagged_later(shipped_cusum) -> None:
    # older change points (7-12 months back) share the false-alarm rate with the recent ones
    settings = dataclasses.replace(shipped_cusum, long_window_months=12)
    limits = simulate_thresholds(0.25, SHAPE, settings)
    assert limits[1] is not None
    clean = _alarms(_simulate(4.0, months=60, step=None, n=4000, seed=11), settings, limits)
    target = settings.false_alarms_per_year / settings.authorities
    assert clean.any(axis=0).mean() / ((60 - 12) / 12) < 2 * target
    # a drop to a quarter at 3 a month: flagged within 12 months in about 89% of cases (57% within 6 months
    # without the long window; benchmarks/change_detection_power.py --long-window-months 12)
    alarm = _alarms(_simulate(3.0, months=60, step=48, n=2000, seed=7), settings, limits)
    assert alarm[48:60].any(axis=0).mean() >= 0.8
