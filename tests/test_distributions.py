"""The scoring's distribution functions (etl/scoring/distributions.py) agree with scipy.stats, which the
project does not import at run time, over random parameters and at the edges."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from etl.scoring.distributions import (
    betabinomial_cdf, betabinomial_ppf, betabinomial_shape, binomial_cdf, binomial_ppf, binomial_sf, normal_density, normal_quantile,
    poisson_count_interval, t_quantile, two_sided_z,
)

RNG = np.random.default_rng(20261203)


def _beta_binomial_cases(size: int = 300):
    n = RNG.integers(1, 900, size)
    a, b = RNG.uniform(0.05, 30, size), RNG.uniform(0.5, 300, size)
    return n, a, b


def test_the_beta_binomial_cdf_matches_scipy() -> None:
    n, a, b = _beta_binomial_cases()
    k = (RNG.uniform(-0.05, 1.05, len(n)) * n).astype(int)  # some below 0 and above n
    expected = stats.betabinom.cdf(k, n, a, b)
    assert betabinomial_cdf(k, n, a, b) == pytest.approx(expected, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("q", [0.001, 0.025, 0.5, 0.975, 0.999])
def test_the_beta_binomial_quantile_matches_scipy(q: float) -> None:
    n, a, b = _beta_binomial_cases(600)  # more rows than one block of _cumulative
    assert np.array_equal(betabinomial_ppf(q, n, a, b), stats.betabinom.ppf(q, n, a, b))


@pytest.mark.parametrize("q", [0.001, 0.025, 0.5, 0.975, 0.999])
def test_the_binomial_quantile_matches_scipy(q: float) -> None:
    n = RNG.integers(1, 3000, 300)
    p = RNG.uniform(0.001, 0.6, 300)
    assert np.array_equal(binomial_ppf(q, n, p), stats.binom.ppf(q, n, p))


def test_binomial_tails_match_scipy_including_counts_outside_zero_to_n() -> None:
    n = RNG.integers(1, 500, 300)
    p = RNG.uniform(0.001, 0.9, 300)
    k = (RNG.uniform(-0.1, 1.1, 300) * n).astype(int)
    assert binomial_cdf(k, n, p) == pytest.approx(stats.binom.cdf(k, n, p), rel=1e-9, abs=1e-15)
    assert binomial_sf(k - 1, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9, abs=1e-15)


def test_a_quantile_is_the_smallest_count_whose_cdf_reaches_q() -> None:
    # Binomial(10, 0.5): P(X <= 1) = 11/1024 = 0.0107, P(X <= 2) = 56/1024 = 0.0547 (by hand)
    assert binomial_ppf(0.01, np.array([10]), 0.5)[0] == 1
    assert binomial_ppf(0.011, np.array([10]), 0.5)[0] == 2
    assert binomial_cdf(np.array([2]), np.array([10]), 0.5)[0] == pytest.approx(56 / 1024)


def test_the_garwood_interval_matches_chi_squared_quantiles() -> None:
    counts = np.array([0.0, 1.0, 2.5, 10.0, 137.0])
    lower, upper = poisson_count_interval(counts, 0.95)
    assert lower == pytest.approx(np.where(counts > 0, stats.chi2.ppf(0.025, 2 * counts) / 2, 0.0), rel=1e-10)
    assert upper == pytest.approx(stats.chi2.ppf(0.975, 2 * (counts + 1)) / 2, rel=1e-10)
    # a count of 0 at 95%: 0 to 3.689 (Garwood's table)
    assert (lower[0], round(float(upper[0]), 3)) == (0.0, 3.689)


def test_normal_and_t_functions_match_scipy() -> None:
    assert two_sided_z(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert two_sided_z(0.998) == pytest.approx(3.090232, abs=1e-6)
    z = np.linspace(-4, 4, 17)
    assert normal_density(z) == pytest.approx(stats.norm.pdf(z), rel=1e-12)
    assert normal_quantile(np.array([0.1, 0.9])) == pytest.approx(stats.norm.ppf([0.1, 0.9]), rel=1e-12)
    assert t_quantile(0.975, 9) == pytest.approx(stats.t.ppf(0.975, 9), rel=1e-10)


def test_the_scoring_and_the_loader_do_not_import_scipy_stats() -> None:
    import subprocess
    import sys

    code = "import sys, etl.cli, etl.scoring, etl.load; print('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_the_beta_binomial_shape_gives_the_mean_and_between_unit_variance_asked_for() -> None:
    # a beta(a, b) has mean a / (a + b) and variance mean (1 - mean) / (a + b + 1)
    mean, tau2 = np.array([0.2, 0.5]), np.array([0.004, 0.01])
    a, b = betabinomial_shape(mean, tau2)
    assert a / (a + b) == pytest.approx(mean, rel=1e-12)
    assert mean * (1 - mean) / (a + b + 1) == pytest.approx(tau2, rel=1e-12)
    # by hand: mean 0.2, tau2 0.004 -> rho = 0.004 / 0.16 = 0.025, a + b = 39, a = 7.8, b = 31.2
    assert (float(a[0]), float(b[0])) == pytest.approx((7.8, 31.2), rel=1e-12)
    # a between-unit variance at or beyond mean (1 - mean) is capped (rho 0.99) so the shapes stay positive
    a, b = betabinomial_shape(0.5, 0.3)
    assert float(a) > 0 and float(b) > 0 and float(a + b) == pytest.approx(1 / 0.99 - 1)
