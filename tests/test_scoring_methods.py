"""The statistics behind the scoring v2 flags, against hand-computed values and simulated series:
the count CUSUM for step changes, additive (random-effects) funnel limits, and shares against England."""

from __future__ import annotations

import math

import numpy as np
import pytest

from etl.scoring.cusum import CusumSettings, calibrate, llr, nb_shape, statistic, threshold
from etl.scoring.funnel import FunnelSettings, additive_limits, dersimonian_laird_tau2, exact_poisson_limits, funnel_group
from etl.scoring.proportion import share_limit, share_verdicts, wilson_interval

POISSON = float("inf")


# ---- CUSUM (Lucas 1985) --------------------------------------------------------------------------

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


def test_the_national_shape_is_infinite_for_poisson_counts_and_finite_for_overdispersed_ones() -> None:
    rng = np.random.default_rng(1)
    assert nb_shape(rng.poisson(6.0, size=(60, 200)).astype(float)) > 30
    shape = nb_shape(rng.negative_binomial(3.0, 3.0 / 9.0, size=(60, 200)).astype(float))  # mean 6, r = 3
    assert 2.0 < shape < 4.5


def _simulate(level: float, shape: float, months: int, step: int | None, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mean = np.full((months, 1), level)
    if step is not None:
        mean[step:] = level * 0.25
    p = shape / (shape + mean)
    return rng.negative_binomial(shape, np.broadcast_to(p, (months, n))).astype(float)


@pytest.fixture(scope="module")
def shipped_cusum() -> CusumSettings:
    from etl.scoring.config import load_config
    from etl.scoring.evidence import cusum_settings

    return cusum_settings(load_config())


@pytest.mark.parametrize("level", [6.0, 10.0])
def test_a_step_drop_to_a_quarter_is_flagged_within_six_months(shipped_cusum: CusumSettings, level: float) -> None:
    shape = 8.0
    levels, h = calibrate(0.25, shape, shipped_cusum)
    x = _simulate(level, shape, months=48, step=40, n=2000, seed=7)
    stat, base = statistic(x, np.ones(48), 0.25, shape, shipped_cusum)
    alarm = stat > threshold(levels, h, base)
    assert alarm[40:46].any(axis=0).mean() >= 0.7
    assert alarm[40:48].any(axis=0).mean() >= 0.85


def test_in_control_authorities_rarely_alarm(shipped_cusum: CusumSettings) -> None:
    shape = 8.0
    levels, h = calibrate(0.25, shape, shipped_cusum)
    x = _simulate(4.0, shape, months=60, step=None, n=4000, seed=11)
    stat, base = statistic(x, np.ones(60), 0.25, shape, shipped_cusum)
    alarm = stat > threshold(levels, h, base)
    years = (60 - 36) / 12
    alarm[:36] = False  # from month 36 every candidate change point has its full 24-month baseline
    # target: false_alarms_per_year among `authorities` in-control authorities, per authority-year
    # (1.0 / 150 = 0.0067 shipped); twice that allows for simulation noise
    target = shipped_cusum.false_alarms_per_year / shipped_cusum.authorities
    assert alarm.any(axis=0).mean() / years < 2 * target


def test_a_single_noisy_month_does_not_flag(shipped_cusum: CusumSettings) -> None:
    shape = 8.0
    levels, h = calibrate(0.25, shape, shipped_cusum)
    x = np.full((48, 1), 4.0)
    x[44, 0] = 0.0  # one empty month in an authority that usually has 4
    stat, base = statistic(x, np.ones(48), 0.25, shape, shipped_cusum)
    assert not (stat > threshold(levels, h, base))[~np.isnan(stat)].any()


def test_the_calibration_is_reproducible(shipped_cusum: CusumSettings) -> None:
    assert np.array_equal(calibrate(0.25, 8.0, shipped_cusum)[1], calibrate(0.25, 8.0, shipped_cusum)[1])


# ---- funnel limits: additive random effects (Spiegelhalter 2005) ----------------------------------

def test_dersimonian_laird_tau2_matches_a_hand_computation() -> None:
    # E = 25, 25, 100 -> w = 4E = 100, 100, 400; sum w = 600, sum w^2 / sum w = 300; k = 3, phi = 2:
    # tau2 = (3 x 2 - 2) / (600 - 300) = 0.013333
    expected = np.array([25.0, 25.0, 100.0])
    assert dersimonian_laird_tau2(expected, expected, 2.0) == pytest.approx(4 / 300)
    assert dersimonian_laird_tau2(expected, expected, 0.5) == 0.0


def test_additive_limits_match_a_hand_computation() -> None:
    # E = 100, tau2 = 0.01: half-width 1.959964 x sqrt(1/400 + 0.01) = 0.219131
    lower, upper = additive_limits(np.array([100.0]), 0.95, 0.01)
    assert lower[0] == pytest.approx(100 * (1 - 0.219131) ** 2, rel=1e-5)  # 60.976
    assert upper[0] == pytest.approx(100 * (1 + 0.219131) ** 2, rel=1e-5)  # 148.628


def test_additive_limits_are_never_narrower_than_exact_poisson_for_small_counts() -> None:
    expected = np.array([0.5, 2.0, 5.0])
    lower, upper = additive_limits(expected, 0.998, 0.0)
    exact_lower, exact_upper = exact_poisson_limits(expected, 0.998)
    assert np.all(lower <= exact_lower) and np.all(upper >= exact_upper)


def test_additive_overdispersion_keeps_large_clean_units_in_control_where_multiplicative_does_not() -> None:
    # 40 authorities whose true rates vary by +-15% (a real between-authority spread), sizes 10x apart
    rng = np.random.default_rng(3)
    exposure = np.geomspace(2_000, 200_000, 40)
    true_rate = 0.002 * rng.lognormal(0.0, 0.15, 40)
    observed = rng.poisson(true_rate * exposure).astype(float)
    additive = funnel_group(observed, exposure, FunnelSettings(overdispersion="additive"))
    multiplicative = funnel_group(observed, exposure, FunnelSettings(overdispersion="multiplicative"))
    large = exposure > 50_000
    flagged = lambda r: np.isin(r["flag"], ["low_998", "high_998"])  # noqa: E731
    assert flagged(additive)[large].sum() <= flagged(multiplicative)[large].sum()
    assert additive["tau2"] > 0


# ---- shares against England -----------------------------------------------------------------------

def test_a_flag_never_used_in_100_concerns_is_significantly_low_against_nine_percent() -> None:
    # p0 = 18 / 200 = 0.09; P(X = 0 | n = 100, p = 0.09) = 0.91^100 = 8.0e-5 < 0.001
    verdict = share_verdicts(np.array([0.0, 18.0]), np.array([100.0, 100.0]), overdispersion="none")
    assert verdict.target == pytest.approx(0.09)
    assert verdict.p_low[0] == pytest.approx(0.91 ** 100)
    assert verdict.flag[0] == "low_998"


def test_the_same_absence_in_30_concerns_is_not_significant() -> None:
    # 0.91^30 = 0.059: not below 0.025
    verdict = share_verdicts(np.array([0.0, 18.0, 9.0]), np.array([30.0, 170.0, 100.0]), overdispersion="none")
    assert verdict.flag[0] == "in_control"


def test_the_lower_limit_is_the_count_quantile_over_n() -> None:
    # binomial(100, 0.09): the 0.001 quantile is 2 (P(X <= 1) = 0.00088, P(X <= 2) = 0.0047)
    assert share_limit(np.array([100.0]), 0.09, 0.0, 0.001)[0] == pytest.approx(0.02)


def test_wilson_interval_matches_a_hand_computation() -> None:
    lower, upper = wilson_interval(np.array([0.0]), np.array([10.0]))
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(1.959964 ** 2 / (10 + 1.959964 ** 2), rel=1e-5)  # 0.27753


def test_judging_many_groups_at_once_agrees_with_one_group_at_a_time() -> None:
    from etl.scoring.proportion import judge_groups

    rng = np.random.default_rng(5)
    n = rng.integers(5, 300, size=60).astype(float)
    x = rng.binomial(n.astype(int), rng.beta(9, 91, size=60)).astype(float)
    x[[3, 17]] = 0.0  # two authorities that never use the flag
    x[40] = n[40] * 0.6  # and one far above
    starts = np.array([0, 30])
    for low in (True, False):
        target, tau2, adverse, _ = judge_groups(x, n, starts, np.full(60, low), 0.998)
        for begin, end in ((0, 30), (30, 60)):
            one = share_verdicts(x[begin:end], n[begin:end])
            assert target[begin] == pytest.approx(one.target) and tau2[begin] == pytest.approx(one.tau2)
            expected = one.flag == ("low_998" if low else "high_998")
            assert np.array_equal(adverse[begin:end], expected)


def test_the_optional_false_discovery_rate_keeps_clear_discoveries_and_drops_the_rest() -> None:
    from etl.scoring.proportion import judge_groups

    n = np.full(40, 200.0)
    x = np.full(40, 18.0)
    x[0] = 0.0  # P(0 of 200 | 9%) ~ 6e-9: a discovery at any sensible rate
    starts = np.array([0])
    low = np.full(40, True)
    assert judge_groups(x, n, starts, low, 0.998, overdispersion="none", fdr=0.05)[2][0]
    assert not judge_groups(x, n, starts, low, 0.998, overdispersion="none", fdr=1e-12)[2].any()


def test_the_vectorised_beta_binomial_tail_matches_scipy() -> None:
    from scipy.stats import betabinom

    from etl.scoring.proportion import betabinom_cdf

    rng = np.random.default_rng(1)
    n = rng.integers(1, 900, 300)
    a, b = rng.uniform(0.5, 30, 300), rng.uniform(5, 300, 300)
    k = (rng.uniform(0, 1, 300) * n).astype(int)
    assert betabinom_cdf(k, n, a, b) == pytest.approx(betabinom.cdf(k, n, a, b), rel=1e-9, abs=1e-14)
