"""Shares (a count out of a count) compared with England: binomial funnel limits that respect small
counts and between-authority variation (Spiegelhalter 2005), and the authority's own Wilson interval.

For one measure and period: the target is England's pooled share p0 = sum x / sum n. Each authority's
z-score is z = (x/n - p0) / sqrt(p0 (1 - p0) / n); phi is the mean of the z-scores squared after
Winsorising them at the 10th and 90th percentiles, and the additive random-effects variance is
(DerSimonian and Laird 1986; Spiegelhalter 2005)

    tau2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w)),   w = n / (p0 (1 - p0)).

The limits are exact quantiles of the count under a beta-binomial with mean p0 and intra-class
correlation rho = tau2 / (p0 (1 - p0)) (the binomial when tau2 = 0), so a handful of concerns never
gets the too-narrow normal limits: an authority is low at level a when P(X <= x) < (1 - a) / 2 and
high when P(X >= x) < (1 - a) / 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, gammaln
from scipy.stats import betabinom, binom, norm


@dataclass(frozen=True)
class ShareVerdicts:
    target: float
    tau2: float
    phi: float
    flag: np.ndarray         # low_998 | low_95 | in_control | high_95 | high_998 | none (n = 0)
    p_low: np.ndarray        # P(X <= x) under the target (nan where not computed: z above -screen_z)
    p_high: np.ndarray       # P(X >= x) (nan where z below screen_z)


def wilson_interval(x: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval for x successes out of n (nan where n = 0)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    z = norm.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lower, upper = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return np.where(n > 0, lower, np.nan), np.where(n > 0, upper, np.nan)


def additive_tau2(z: np.ndarray, weights: np.ndarray, winsor: tuple[float, float]) -> tuple[float, float]:
    """(phi, tau2): Winsorised phi and the DerSimonian-Laird between-unit variance on the measure's scale."""
    k = len(z)
    if k < 3:
        return 1.0, 0.0
    low, high = np.quantile(z, winsor)
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    denominator = weights.sum() - (weights ** 2).sum() / weights.sum()
    if denominator <= 0:
        return phi, 0.0
    return phi, max(0.0, (k * phi - (k - 1)) / float(denominator))


def _tail(kind: str, k: np.ndarray, n: np.ndarray, p0: float, tau2: float) -> np.ndarray:
    """cdf, sf or ppf of the count under the target: beta-binomial when tau2 > 0, else binomial.
    (Called unfrozen: freezing a scipy distribution costs milliseconds each time.)"""
    n_int = np.asarray(n, dtype=float).astype(np.int64)
    if tau2 > 0:
        scale = 1.0 / min(tau2 / (p0 * (1 - p0)), 0.99) - 1.0
        return getattr(betabinom, kind)(k, n_int, p0 * scale, (1 - p0) * scale)
    return getattr(binom, kind)(k, n_int, p0)


def share_verdicts(x: np.ndarray, n: np.ndarray, levels: tuple[float, float] = (0.95, 0.998),
                   winsor: tuple[float, float] = (0.10, 0.90), overdispersion: str = "additive",
                   screen_z: float = 1.5) -> ShareVerdicts:
    """Verdicts for one measure in one period; units with n = 0 get flag 'none'.

    Exact tail probabilities are computed only where the normal z (with tau2) is beyond +-screen_z: the
    others cannot reach the 95% limit, and skipping them keeps the scoring fast.
    """
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    used = n > 0
    total_n = n[used].sum()
    p0 = float(x[used].sum() / total_n) if total_n > 0 else 0.0
    size = len(x)
    p_low, p_high = np.full(size, np.nan), np.full(size, np.nan)
    if not 0.0 < p0 < 1.0:
        return ShareVerdicts(p0, 0.0, 1.0, np.full(size, "none", dtype=object), p_low, p_high)
    variance = p0 * (1 - p0)
    z = (x[used] / n[used] - p0) / np.sqrt(variance / n[used])
    phi, tau2 = additive_tau2(z, n[used] / variance, winsor)
    if overdispersion == "none" or phi <= 1.0:
        tau2 = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z_all = (x / n - p0) / np.sqrt(variance / n + tau2)
    low_side = used & (z_all < -screen_z)
    high_side = used & (z_all > screen_z)
    x_int = np.minimum(np.round(x), n).astype(np.int64)
    if low_side.any():
        p_low[low_side] = _tail("cdf", x_int[low_side], n[low_side], p0, tau2)
    if high_side.any():
        p_high[high_side] = _tail("sf", x_int[high_side] - 1, n[high_side], p0, tau2)
    flag = np.full(size, "in_control", dtype=object)
    tail95, tail998 = (1 - levels[0]) / 2, (1 - levels[1]) / 2
    with np.errstate(invalid="ignore"):
        flag[p_high < tail95] = "high_95"
        flag[p_high < tail998] = "high_998"
        flag[p_low < tail95] = "low_95"
        flag[p_low < tail998] = "low_998"
    flag[~used] = "none"
    return ShareVerdicts(p0, tau2, phi, flag, p_low, p_high)


def share_limit(n: np.ndarray, p0: float, tau2: float, tail: float) -> np.ndarray:
    """The control limit as a share at each n: the count quantile at `tail` (0.001: the lower 99.8%
    limit; 0.999: the upper) divided by n. A count below the lower limit (above the upper) flags."""
    n = np.asarray(n, dtype=float)
    if not 0.0 < p0 < 1.0 or n.size == 0:
        return np.full(n.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, _tail("ppf", tail, n, p0, tau2) / n, np.nan)


def judge_groups(x: np.ndarray, n: np.ndarray, starts: np.ndarray, adverse_low: np.ndarray, level: float,
                 winsor: tuple[float, float] = (0.10, 0.90), overdispersion: str = "additive",
                 screen_z: float = 1.5, fdr: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """share_verdicts for many groups at once (rows sorted by group; `starts` the first row of each), on
    the adverse side only: (target, tau2, adverse beyond the `level` limit, that limit as a share).

    Exact tails are computed where the normal z (with tau2) is beyond screen_z on the adverse side (as
    share_verdicts does); the beta-binomial tails by a vectorised sum of the log-gamma pmf.

    fdr: also require the authority to be a discovery at this false discovery rate among the group's
    authorities (Benjamini and Hochberg 1995, as Jones, Ohlssen and Spiegelhalter 2008 recommend for
    comparing many providers), so that testing ~150 authorities every month does not flag the tail of
    ordinary variation.

    The per-group target and tau2 are computed group by group (cheap); the exact tails and limits in one
    vectorised call per distribution, which keeps a national rescore fast.
    """
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    size = len(x)
    bounds = np.append(starts, size)
    target, tau2 = np.zeros(size), np.zeros(size)
    for begin, end in zip(bounds[:-1], bounds[1:]):
        xs, ns = x[begin:end], n[begin:end]
        used = ns > 0
        total = ns[used].sum()
        p0 = xs[used].sum() / total if total > 0 else 0.0
        target[begin:end] = p0
        if 0.0 < p0 < 1.0 and overdispersion != "none":
            variance = p0 * (1 - p0)
            z = (xs[used] / ns[used] - p0) / np.sqrt(variance / ns[used])
            phi, t2 = additive_tau2(z, ns[used] / variance, winsor)
            tau2[begin:end] = t2 if phi > 1.0 else 0.0
    ok = (n > 0) & (target > 0) & (target < 1)
    variance = np.where(ok, target * (1 - target), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_all = np.where(ok, (x / np.where(n > 0, n, 1) - target) / np.sqrt(variance / np.where(n > 0, n, 1) + tau2), 0.0)
    candidate = ok & np.where(adverse_low, z_all < -screen_z, z_all > screen_z)
    tail = (1 - level) / 2
    p_value = np.full(size, np.nan)
    limit = np.full(size, np.nan)
    k = np.minimum(np.round(x), n).astype(np.int64)
    for dispersed in (False, True):
        rows = candidate & ((tau2 > 0) == dispersed)
        if not rows.any():
            continue
        nn, pp, kk, low = n[rows].astype(np.int64), target[rows], k[rows], adverse_low[rows]
        if dispersed:
            scale = 1.0 / np.minimum(tau2[rows] / variance[rows], 0.99) - 1.0
            a, b = pp * scale, (1 - pp) * scale
            below = betabinom_cdf(np.where(low, kk, kk - 1), nn, a, b)
            p_value[rows] = np.where(low, below, 1.0 - below)
        else:
            p_value[rows] = np.where(low, binom.cdf(kk, nn, pp), binom.sf(kk - 1, nn, pp))
    adverse = np.nan_to_num(p_value, nan=1.0) < tail
    if fdr is not None:
        adverse &= _benjamini_hochberg(np.nan_to_num(p_value, nan=1.0), bounds, n > 0, fdr)
    for dispersed in (False, True):
        rows = adverse & ((tau2 > 0) == dispersed)
        if not rows.any():
            continue
        nn, pp, low = n[rows], target[rows], adverse_low[rows]
        q = np.where(low, tail, 1 - tail)
        if dispersed:
            scale = 1.0 / np.minimum(tau2[rows] / variance[rows], 0.99) - 1.0
            limit[rows] = betabinom.ppf(q, nn.astype(np.int64), pp * scale, (1 - pp) * scale) / nn
        else:
            limit[rows] = binom.ppf(q, nn.astype(np.int64), pp) / nn
    return target, tau2, adverse, limit


def _benjamini_hochberg(p_value: np.ndarray, bounds: np.ndarray, used: np.ndarray, q: float) -> np.ndarray:
    """Per group: True for the units whose p-value is at or below the largest p_(i) <= q i / m
    (m = units with data in the group)."""
    keep = np.zeros(len(p_value), dtype=bool)
    for begin, end in zip(bounds[:-1], bounds[1:]):
        group = np.arange(begin, end)[used[begin:end]]
        m = len(group)
        if m == 0:
            continue
        order = group[np.argsort(p_value[group], kind="stable")]
        passed = np.nonzero(p_value[order] <= q * np.arange(1, m + 1) / m)[0]
        if passed.size:
            keep[order[: passed[-1] + 1]] = True
    return keep


def betabinom_cdf(k: np.ndarray, n: np.ndarray, a: np.ndarray, b: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """P(X <= k) for beta-binomial(n, a, b), vectorised: the sum of exp(log C(n, j) + ln B(j + a, n - j + b)
    - ln B(a, b)) over j = 0..k (scipy's betabinom.cdf loops in Python per element). k < 0 gives 0."""
    k, n = np.asarray(k, dtype=np.int64), np.asarray(n, dtype=np.int64)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out = np.zeros(len(k))
    for start in range(0, len(k), chunk):
        part = slice(start, start + chunk)
        kk, nn, aa, bb = k[part], n[part], a[part], b[part]
        width = int(max(kk.max(initial=-1), -1)) + 1
        if width == 0:
            continue
        j = np.arange(width)[None, :]
        log_pmf = (gammaln(nn + 1.0)[:, None] - gammaln(j + 1.0) - gammaln(np.maximum(nn[:, None] - j, 0) + 1.0)
                   + betaln(j + aa[:, None], np.maximum(nn[:, None] - j, 0) + bb[:, None]) - betaln(aa, bb)[:, None])
        pmf = np.where(j <= kk[:, None], np.exp(log_pmf), 0.0)
        out[part] = np.minimum(pmf.sum(axis=1), 1.0)
    return out
