"""The distribution functions the scores and the dashboard's intervals need, vectorised on scipy.special.

scipy.stats is not used: importing it costs about a third of a second in every `oversight` process, and
its discrete quantiles (betabinom.ppf) loop in Python element by element. Each function here is tested
against scipy.stats (tests/test_distributions.py).

A discrete quantile is the smallest count k with P(X <= k) >= q, as in scipy.stats.
"""

from __future__ import annotations

import numpy as np
from scipy.special import bdtr, bdtrc, betaln, gammaincinv, gammaln, ndtri, stdtrit

_ROWS_BY_WIDTH = 4_000_000  # cells of one (rows x counts) block of probabilities: about 32 MB of floats
_BLOCK_ROWS = 256  # rows of one block at most (see _cumulative)


def normal_quantile(q: float | np.ndarray) -> float | np.ndarray:
    """The standard normal's quantile (norm.ppf)."""
    return ndtri(q)


def normal_density(z: float | np.ndarray) -> float | np.ndarray:
    """The standard normal's density (norm.pdf)."""
    return np.exp(-0.5 * np.square(z)) / np.sqrt(2.0 * np.pi)


def two_sided_z(level: float) -> float:
    """z with P(|Z| <= z) = level: 1.96 at 0.95, 3.09 at 0.998."""
    return float(ndtri(1.0 - (1.0 - level) / 2.0))


def t_quantile(q: float, df: float) -> float:
    """Student's t quantile with df degrees of freedom (t.ppf)."""
    return float(stdtrit(df, q))


def poisson_count_interval(count: float | np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) limits of a Poisson mean given a count O, which are also the funnel's count limits
    for an expected count E: chi2(a/2, 2O)/2 and chi2(1 - a/2, 2(O + 1))/2, where chi2(q, 2m)/2 is the
    gamma quantile gammaincinv(m, q); the lower limit is 0 for a count of 0."""
    alpha = 1.0 - level
    count = np.asarray(count, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(count > 0, gammaincinv(np.where(count > 0, count, 1.0), alpha / 2), 0.0)
        upper = gammaincinv(count + 1.0, 1.0 - alpha / 2)
    return lower, upper


def binomial_cdf(k: np.ndarray, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """P(X <= k) for X ~ binomial(n, p); 0 for k < 0, 1 for k >= n."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        inside = bdtr(np.clip(k, 0, None).astype(np.int64), n.astype(np.int64), p)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside))


def binomial_sf(k: np.ndarray, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """P(X > k) for X ~ binomial(n, p); 1 for k < 0, 0 for k >= n."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        inside = bdtrc(np.clip(k, 0, None).astype(np.int64), n.astype(np.int64), p)
    return np.where(k < 0, 1.0, np.where(k >= n, 0.0, inside))


def log_binomial_coefficient(n: np.ndarray, j: np.ndarray) -> np.ndarray:
    """log C(n, j) through the log-gamma function (0 <= j <= n)."""
    return gammaln(n + 1.0) - gammaln(j + 1.0) - gammaln(np.maximum(n - j, 0) + 1.0)


def _cumulative(n: np.ndarray, log_pmf, upto: np.ndarray):
    """Blocks of rows with P(X <= j) for j = 0..upto[row] (zeros of the pmf beyond n or upto): yields
    (rows, cumulative), rows an index array. log_pmf(rows, j) gives log P(X = j) per row, j a row vector of
    counts. Rows go in order of `upto`, a block at most _BLOCK_ROWS of them, so that a block is about as
    wide as its own rows need rather than as the widest row of all (a few large denominators among
    thousands of small ones made every row that wide)."""
    order = np.argsort(upto, kind="stable")
    start = 0
    while start < len(order):
        widest = int(upto[order[min(start + _BLOCK_ROWS, len(order)) - 1]]) + 1
        rows = order[start:start + max(1, min(_BLOCK_ROWS, _ROWS_BY_WIDTH // max(widest, 1)))]
        start += len(rows)
        j = np.arange(max(int(np.max(upto[rows], initial=-1)) + 1, 1))[None, :]
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            pmf = np.where((j <= upto[rows, None]) & (j <= n[rows, None]), np.exp(log_pmf(rows, j)), 0.0)
        yield rows, np.cumsum(pmf, axis=1)


def betabinomial_shape(mean: np.ndarray | float, tau2: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Shape parameters (a, b) of the beta-binomial whose success probability has the given mean and
    between-unit variance tau2: a + b = 1 / rho - 1 with the intra-class correlation
    rho = tau2 / (mean (1 - mean)), capped at 0.99 so that the shapes stay positive."""
    mean = np.asarray(mean, dtype=float)
    scale = 1.0 / np.minimum(np.asarray(tau2, dtype=float) / (mean * (1 - mean)), 0.99) - 1.0
    return mean * scale, (1 - mean) * scale


def betabinomial_cdf(k: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(X <= k) for X ~ beta-binomial(n, a, b): the sum of C(n, j) B(j + a, n - j + b) / B(a, b) over
    j = 0..k (capped at 1); 0 for k < 0."""
    k, n = np.asarray(k, dtype=np.int64), np.asarray(n, dtype=np.int64)
    a, b = np.broadcast_to(np.asarray(a, dtype=float), k.shape), np.broadcast_to(np.asarray(b, dtype=float), k.shape)
    out = np.zeros(len(k))
    upto = np.minimum(k, n)
    for rows, cumulative in _cumulative(n, _betabinomial_log_pmf(n, a, b), np.maximum(upto, -1)):
        last = upto[rows]
        picked = cumulative[np.arange(len(last)), np.maximum(last, 0)]
        out[rows] = np.where(last < 0, 0.0, np.minimum(picked, 1.0))
    return out


def betabinomial_ppf(q: np.ndarray | float, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest k with P(X <= k) >= q for X ~ beta-binomial(n, a, b)."""
    n = np.asarray(n, dtype=np.int64)
    q = np.broadcast_to(np.asarray(q, dtype=float), n.shape)
    a, b = np.broadcast_to(np.asarray(a, dtype=float), n.shape), np.broadcast_to(np.asarray(b, dtype=float), n.shape)
    return _discrete_ppf(q, n, _betabinomial_log_pmf(n, a, b))


def binomial_ppf(q: np.ndarray | float, n: np.ndarray, p: np.ndarray | float) -> np.ndarray:
    """The smallest k with P(X <= k) >= q for X ~ binomial(n, p)."""
    n = np.asarray(n, dtype=np.int64)
    q = np.broadcast_to(np.asarray(q, dtype=float), n.shape)
    p = np.broadcast_to(np.asarray(p, dtype=float), n.shape)

    def log_pmf(rows: np.ndarray, j: np.ndarray) -> np.ndarray:
        nn, pp = n[rows, None], p[rows, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return (log_binomial_coefficient(nn, j) + np.where(j > 0, j * np.log(pp), 0.0)
                    + np.where(nn - j > 0, (nn - j) * np.log1p(-pp), 0.0))

    return _discrete_ppf(q, n, log_pmf)


def _betabinomial_log_pmf(n: np.ndarray, a: np.ndarray, b: np.ndarray):
    def log_pmf(rows: np.ndarray, j: np.ndarray) -> np.ndarray:
        nn, aa, bb = n[rows, None], a[rows, None], b[rows, None]
        rest = np.maximum(nn - j, 0)
        return log_binomial_coefficient(nn, j) + betaln(j + aa, rest + bb) - betaln(aa, bb)
    return log_pmf


def _discrete_ppf(q: np.ndarray, n: np.ndarray, log_pmf) -> np.ndarray:
    out = np.zeros(len(n))
    for rows, cumulative in _cumulative(n, log_pmf, n):
        below = cumulative < q[rows, None]
        width = cumulative.shape[1]
        # counts whose cumulative probability is still below q, capped at n (rounding can leave the sum
        # a hair under 1 for q near 1)
        out[rows] = np.minimum(below.sum(axis=1), np.minimum(n[rows], width - 1))
    return out
