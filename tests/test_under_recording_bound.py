"""The information bound on under-recording (benchmarks/under_recording_bound.py): its small pieces
against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.under_recording_bound import (
    Z_ONE_SIDED,
    count_noise_recall,
    main_effects_residuals,
    recall_over_generator,
    threshold_for_clean_flags,
)


def test_the_threshold_for_k_clean_flags_lies_between_the_kth_and_next_lowest_clean_score() -> None:
    clean = np.array([0.3, -1.0, 0.1, -0.4, 2.0])
    assert threshold_for_clean_flags(clean, 1) == pytest.approx(-0.7)   # (-1.0 + -0.4) / 2
    assert threshold_for_clean_flags(clean, 2) == pytest.approx(-0.15)  # (-0.4 + 0.1) / 2


def test_main_effects_residuals_remove_group_means_and_the_indicator_effect() -> None:
    # y = group mean (a: 1, b: 3) + 0.5 x flag + residual; the fit on rows 0-5 recovers them exactly when
    # the residuals are balanced: a rows residuals +0.1, -0.1 (flag 0) and 0 (flag 1); b likewise.
    groups = ["a", "a", "a", "b", "b", "b", "b"]
    flags = np.array([0, 0, 1, 0, 0, 1, 0])
    y = np.array([1.1, 0.9, 1.5, 3.1, 2.9, 3.5, 2.0])
    fit_on = np.array([True] * 6 + [False])
    residuals, sd = main_effects_residuals(y, groups, flags, fit_on)
    assert residuals[:6] == pytest.approx([0.1, -0.1, 0.0, 0.1, -0.1, 0.0], abs=1e-12)
    assert residuals[6] == pytest.approx(-1.0)  # 2.0 against b's 3.0, left out of the fit
    # RSS = 4 x 0.01 = 0.04 over 6 rows - 3 coefficients: sd = sqrt(0.04 / 3) = 0.11547
    assert sd == pytest.approx(0.115470, abs=1e-6)


def test_recall_over_the_generator_integrates_phi_over_the_planted_fractions() -> None:
    # A single fraction f = 0.5 (range of width 0), sigma = 0.2: Phi((-3.0902 x 0.2 + 0.6931) / 0.2)
    # = Phi(0.3756) = 0.6464.
    assert recall_over_generator(0.2, (0.5, 0.5)) == pytest.approx(0.6464, abs=1e-3)
    assert Z_ONE_SIDED == pytest.approx(3.0902, abs=1e-4)


def test_the_oracle_funnel_on_counts_adds_count_noise_to_the_clean_spread() -> None:
    # log recorded level -0.7 against a clean mean 0, sigma 0.2; 12 months, shape 4, true count 120,
    # recorded 60: s = sqrt(0.04 + 0.008333 + 0.020833) = 0.26300; noise = sqrt(1/60 + 1/48) = 0.19365;
    # P = Phi((0 - 3.0902 x 0.26300 + 0.7) / 0.19365) = Phi(-0.5821) = 0.2803.
    assert count_noise_recall(-0.7, 0.0, 0.2, 60.0, 120.0, 4.0) == pytest.approx(0.2803, abs=1e-3)
