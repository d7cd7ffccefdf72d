"""Funnel plot maths (Spiegelhalter 2005) against values computed by hand from chi-squared tables."""

from __future__ import annotations

import numpy as np
import pytest

from etl.scoring.distributions import poisson_count_interval
from etl.scoring.funnel import (
    FunnelSettings,
    additive_limits,
    funnel_against,
    funnel_group,
    main_effects_design,
    overdispersed_limits,
    risk_adjusted_expected,
    winsorised_phi,
)


def test_exact_poisson_limits_for_an_expected_count_of_ten() -> None:
    # E = 10. Tables: chi2(0.025; 20) = 9.591 and chi2(0.975; 22) = 36.781, halved -> 4.795 and 18.390;
    # chi2(0.001; 20) = 5.921 and chi2(0.999; 22) = 48.268, halved -> 2.961 and 24.134.
    lower95, upper95 = poisson_count_interval(np.array([10.0]), 0.95)
    lower998, upper998 = poisson_count_interval(np.array([10.0]), 0.998)
    assert lower95[0] == pytest.approx(4.795, abs=1e-3) and upper95[0] == pytest.approx(18.390, abs=1e-3)
    assert lower998[0] == pytest.approx(2.961, abs=1e-3) and upper998[0] == pytest.approx(24.134, abs=1e-3)


def test_winsorised_phi_on_a_constructed_example() -> None:
    # E = 100 everywhere, O chosen so that z = 2(sqrt O - 10) = -4, -2, -2, 0, 0, 0, 0, 2, 2, 4.
    # The 10th and 90th percentiles (linear) are -2.2 and 2.2, so the Winsorised z are
    # -2.2, -2, -2, 0, 0, 0, 0, 2, 2, 2.2 and phi = (2 x 4.84 + 4 x 4) / 10 = 2.568.
    z = np.array([-4, -2, -2, 0, 0, 0, 0, 2, 2, 4], dtype=float)
    observed = (z / 2 + 10) ** 2
    assert winsorised_phi(observed, np.full(10, 100.0), FunnelSettings()) == pytest.approx(2.568)


def test_overdispersed_limits_widen_on_the_square_root_scale() -> None:
    # E = 100, phi = 2.568, z = 1.959964: half width = 1.959964 x sqrt(2.568) / (2 x 10) = 0.157045,
    # limits 100 x (1 -+ 0.157045)^2 = 71.058 and 133.875 (exact Poisson would give about 81.4 and 121.6)
    lower, upper = overdispersed_limits(np.array([100.0]), 0.95, 2.568)
    assert lower[0] == pytest.approx(71.058, abs=1e-2) and upper[0] == pytest.approx(133.875, abs=1e-2)


def test_overdispersed_units_use_the_widened_limits_and_deflated_z_when_multiplicative() -> None:
    z = np.array([-4, -2, -2, 0, 0, 0, 0, 2, 2, 4], dtype=float)
    observed = (z / 2 + 10) ** 2
    # exposure 10,000 each; target = sum(O) / sum(exposure): E_i = 101.2, so phi is recomputed on those
    result = funnel_group(observed, np.full(10, 10_000.0), FunnelSettings(overdispersion="multiplicative"))
    assert result["phi"] > 1.0
    expected_lower = overdispersed_limits(result["expected"], 0.95, result["phi"])[0]
    assert result["lower95"] == pytest.approx(expected_lower / 10_000 * 10_000)
    assert result["z"][0] == pytest.approx(2 * (8 - np.sqrt(101.2)) / np.sqrt(result["phi"]))


def test_overdispersed_units_use_additive_random_effects_by_default() -> None:
    z = np.array([-4, -2, -2, 0, 0, 0, 0, 2, 2, 4], dtype=float)
    observed = (z / 2 + 10) ** 2
    result = funnel_group(observed, np.full(10, 10_000.0), FunnelSettings())
    # every E = 101.2 -> w = 404.8 each: tau2 = (10 phi - 9) / (4048 - 404.8)
    assert result["tau2"] == pytest.approx((10 * result["phi"] - 9) / (4048 - 404.8))
    assert result["lower95"] == pytest.approx(additive_limits(result["expected"], 0.95, result["tau2"])[0])
    assert result["z"][0] == pytest.approx((8 / np.sqrt(101.2) - 1) / np.sqrt(1 / (4 * 101.2) + result["tau2"]))


def test_one_outlier_does_not_inflate_phi_and_is_flagged_low() -> None:
    # 19 units observe 100 and one observes 40 with equal exposure: target 97 per unit. The outlier's
    # z = 2(sqrt 40 - sqrt 97) = -7.05 is Winsorised to the others' 0.3, so phi = 0.09 < 1 and the exact
    # Poisson limits apply; 40 is far below the 99.8% lower limit for E = 97 (about 68).
    observed = np.array([100.0] * 19 + [40.0])
    result = funnel_group(observed, np.full(20, 50_000.0), FunnelSettings())
    assert result["phi"] == 1.0
    assert result["target_rate"] == pytest.approx(97 / 50_000 * 10_000)
    assert list(result["flag"][:19]) == ["in_control"] * 19 and result["flag"][19] == "low_998"


def test_rates_are_per_ten_thousand_of_exposure() -> None:
    result = funnel_group(np.array([30.0, 10.0]), np.array([20_000.0, 20_000.0]), FunnelSettings())
    assert list(result["rate"]) == pytest.approx([15.0, 5.0])
    assert result["target_rate"] == pytest.approx(10.0)


def test_risk_adjusted_expectation_with_region_only_is_the_other_authorities_pooled_rate() -> None:
    # Region a: counts 10, 20, 30 on exposures 1000, 2000, 3000; region b: 5, 5, 40 on 1000, 1000, 2000.
    # Left out in turn: a1 1000 x 50/5000 = 10, a2 2000 x 40/4000 = 20, a3 3000 x 30/3000 = 30;
    # b1 1000 x 45/3000 = 15, b2 15, b3 2000 x 10/2000 = 10.
    observed = np.array([10.0, 20, 30, 5, 5, 40])
    exposure = np.array([1000.0, 2000, 3000, 1000, 1000, 2000])
    design = main_effects_design(np.array(["a", "a", "a", "b", "b", "b"]), np.zeros(6, dtype=bool))
    expected, adjusted = risk_adjusted_expected(observed, exposure, design, min_others=2)
    assert adjusted.all()
    assert expected == pytest.approx([10, 20, 30, 15, 15, 10])


def test_risk_adjusted_expectation_recovers_an_exact_region_and_priority_structure() -> None:
    # Rates per exposure: region a 0.01, region b 0.02, priority areas x 1.5; counts exactly on the model, so
    # each authority's expectation from the others' fit is its own count: 10, 15, 20 and 30.
    region = np.array(["a"] * 4 + ["b"] * 4)
    priority = np.array([False, False, True, True] * 2)
    observed = np.array([10.0, 10, 15, 15, 20, 20, 30, 30])
    exposure = np.full(8, 1000.0)
    expected, adjusted = risk_adjusted_expected(observed, exposure, main_effects_design(region, priority))
    assert adjusted.all()
    assert expected == pytest.approx(observed, rel=1e-9)


def test_an_authority_whose_region_has_too_few_others_keeps_no_risk_adjusted_expectation() -> None:
    region = np.array(["a", "a", "a", "a", "b", "b"])
    observed = np.array([10.0, 12, 9, 11, 20, 22])
    exposure = np.full(6, 1000.0)
    expected, adjusted = risk_adjusted_expected(observed, exposure, main_effects_design(region, np.zeros(6, bool)))
    assert adjusted.tolist() == [True, True, True, True, False, False]  # b: one other, fewer than 3
    assert expected[0] == pytest.approx(1000 * 32 / 3000)
    assert np.isnan(expected[4:]).all()


def test_the_funnel_against_englands_expectation_is_the_england_funnel() -> None:
    observed = np.array([30.0, 10, 22, 18, 25, 14])
    exposure = np.array([20_000.0, 20_000, 15_000, 15_000, 30_000, 10_000])
    england = funnel_group(observed, exposure, FunnelSettings())
    against = funnel_against(observed, exposure, england["expected"], FunnelSettings())
    for key in ("lower998", "upper998", "z", "tau2"):
        assert np.asarray(against[key]) == pytest.approx(np.asarray(england[key]))
