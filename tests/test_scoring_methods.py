"""The statistics behind the scoring v2 flags, against hand-computed values and simulated series:
additive (random-effects) funnel limits and shares against England (the step-change CUSUM: test_change_detection.py)."""

from __future__ import annotations

import numpy as np
import pytest

from etl.scoring.distributions import poisson_count_interval
from etl.scoring.funnel import FunnelSettings, additive_limits, dersimonian_laird_tau2, funnel_group
from etl.scoring.proportion import share_limit, share_verdicts, wilson_interval


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
    exact_lower, exact_upper = poisson_count_interval(expected, 0.998)
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
