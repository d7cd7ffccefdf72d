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

import hashlib
from dataclasses import dataclass, field

import numpy as np
import scipy
from scipy.special import betaln, digamma

from .distributions import (
    betabinomial_cdf, betabinomial_ppf, betabinomial_shape, binomial_cdf, binomial_ppf, binomial_sf, log_binomial_coefficient,
    normal_density, normal_quantile, two_sided_z,
)


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
    z = two_sided_z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lower, upper = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return np.where(n > 0, lower, np.nan), np.where(n > 0, upper, np.nan)


def winsor_consistency(winsor: tuple[float, float]) -> float:
    """E[clip(Z, q_l, q_u)^2] for Z ~ N(0, 1) clipped at its own winsor[0] and winsor[1] quantiles: the share
    of phi a Winsorised mean square keeps when the z-scores are N(0, phi) with no outliers (0.6787 at 10% and
    90%). With a = q_l, b = q_u: (u - l) - (b pdf(b) - a pdf(a)) + l a^2 + (1 - u) b^2."""
    lower, upper = float(winsor[0]), float(winsor[1])
    if lower <= 0.0 and upper >= 1.0:
        return 1.0
    a, b = normal_quantile(max(lower, 1e-12)), normal_quantile(min(upper, 1 - 1e-12))
    return float((upper - lower) - (b * normal_density(b) - a * normal_density(a)) + lower * a * a + (1 - upper) * b * b)


def additive_tau2(z: np.ndarray, weights: np.ndarray, winsor: tuple[float, float],
                  consistent: bool = False) -> tuple[float, float]:
    """(phi, tau2): Winsorised phi and the DerSimonian-Laird between-unit variance on the measure's scale.
    consistent: divide the Winsorised mean square by winsor_consistency(winsor), so that phi is unbiased when
    the z-scores are N(0, phi) (a Fisher-consistent robust scale, Dixon 1960; Huber and Ronchetti 2009)."""
    k = len(z)
    if k < 3:
        return 1.0, 0.0
    low, high = np.quantile(z, winsor)
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    if consistent:
        phi /= winsor_consistency(winsor)
    denominator = weights.sum() - (weights ** 2).sum() / weights.sum()
    if denominator <= 0:
        return phi, 0.0
    return phi, max(0.0, (k * phi - (k - 1)) / float(denominator))


def _tail(kind: str, k: np.ndarray | float, n: np.ndarray, p0: float, tau2: float) -> np.ndarray:
    """cdf, sf or ppf of the count under the target: beta-binomial when tau2 > 0, else binomial."""
    n_int = np.asarray(n, dtype=float).astype(np.int64)
    if tau2 > 0:
        a, b = betabinomial_shape(p0, tau2)
        if kind == "ppf":
            return betabinomial_ppf(k, n_int, a, b)
        below = betabinomial_cdf(k, n_int, a, b)
        return below if kind == "cdf" else 1.0 - below
    return {"cdf": binomial_cdf, "sf": binomial_sf, "ppf": binomial_ppf}[kind](k, n_int, p0)


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
                 screen_z: float = 1.5, fdr: float | None = None,
                 offset: np.ndarray | None = None,
                 consistent: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """share_verdicts for many groups at once (rows sorted by group; `starts` the first row of each), on
    the adverse side only: (target, tau2, adverse beyond the `level` limit, that limit as a share).

    offset: per row, a share added to England's pooled share p0 to give that row's target, t = p0 + offset
    (harmonised categories: England's share of the categories the authority records inside the measure's
    own, see write_practice_evidence). z-scores, weights and limits then use each row's t; with no offset
    (or zeros) every row's target is p0, as before. tau2 is estimated from z = (x/n - t) / sqrt(t (1 - t) / n)
    with w = n / (t (1 - t)), Spiegelhalter (2005)'s z-scores against each unit's own expected value.

    consistent: the Winsorised phi divided by its expectation under N(0, 1) z-scores (additive_tau2).

    Exact tails are computed where the normal z (with tau2) is beyond screen_z on the adverse side (as
    share_verdicts does); the tails and limits by the vectorised functions of distributions.py.

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
    extra = np.zeros(size) if offset is None else np.nan_to_num(np.asarray(offset, dtype=float))
    for begin, end in zip(bounds[:-1], bounds[1:]):
        xs, ns = x[begin:end], n[begin:end]
        used = ns > 0
        total = ns[used].sum()
        p0 = xs[used].sum() / total if total > 0 else 0.0
        rows = np.minimum(p0 + extra[begin:end], 1.0) if 0.0 < p0 else np.zeros(end - begin)
        target[begin:end] = rows
        inside = used & (rows > 0) & (rows < 1)
        if 0.0 < p0 < 1.0 and overdispersion != "none" and inside.any():
            t = rows[inside]
            variance = t * (1 - t)
            z = (xs[inside] / ns[inside] - t) / np.sqrt(variance / ns[inside])
            phi, t2 = additive_tau2(z, ns[inside] / variance, winsor, consistent)
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
            a, b = betabinomial_shape(pp, tau2[rows])
            below = betabinomial_cdf(np.where(low, kk, kk - 1), nn, a, b)
            p_value[rows] = np.where(low, below, 1.0 - below)
        else:
            p_value[rows] = np.where(low, binomial_cdf(kk, nn, pp), binomial_sf(kk - 1, nn, pp))
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
            limit[rows] = betabinomial_ppf(q, nn.astype(np.int64), *betabinomial_shape(pp, tau2[rows])) / nn
        else:
            limit[rows] = binomial_ppf(q, nn.astype(np.int64), pp) / nn
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


# --- practice absent: a zero-inflated beta-binomial (Lambert 1992; Efron 2010 for the decision) ------------

@dataclass(frozen=True)
class ZeroInflatedFit:
    """Maximum-likelihood zero-inflated beta-binomial over the units of one group: a share pi[g] of the
    units in covariate class g never use the practice (the count is 0 whatever n), the others draw their
    count from beta-binomial(n, a, b). One class (pi has one value) unless a 0/1 covariate is used."""
    pi: tuple[float, ...]
    a: float
    b: float
    log_likelihood: float


def zibb_log_likelihood(pi: float | np.ndarray, a: float, b: float, x: np.ndarray, n: np.ndarray) -> float:
    """sum over units of log P(x | n): log(pi + (1 - pi) BB(0 | n, a, b)) where x = 0, and
    log(1 - pi) + log BB(x | n, a, b) where x > 0, with BB(x | n, a, b) = C(n, x) B(x + a, n - x + b) / B(a, b)
    (pi a number, or one per unit)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    pi = np.broadcast_to(np.asarray(pi, dtype=float), x.shape)
    log_bb = log_binomial_coefficient(n, x) + betaln(x + a, n - x + b) - betaln(a, b)
    with np.errstate(divide="ignore"):
        at_zero = np.logaddexp(np.log(pi), np.log1p(-pi) + log_bb)
    return float(np.where(x == 0, at_zero, np.log1p(-pi) + log_bb).sum())


def absent_posterior(x: np.ndarray, n: np.ndarray, fit: ZeroInflatedFit | None,
                     group: np.ndarray | None = None) -> np.ndarray:
    """P(practice absent | data) per unit: pi / (pi + (1 - pi) BB(0 | n, a, b)) where x = 0 and n > 0 (pi of
    the unit's covariate class `group`, 0 when None); 0 where the practice was used (x > 0); nan where n = 0
    or there is no fit."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    out = np.full(len(x), np.nan)
    if fit is None:
        return out
    used = n > 0
    out[used & (x > 0)] = 0.0
    zero = used & (x == 0)
    pis = np.asarray(fit.pi, dtype=float)
    pi = pis[np.zeros(len(x), dtype=np.int64) if group is None or len(pis) == 1 else np.asarray(group, dtype=np.int64)][zero]
    bb0 = np.exp(betaln(fit.a, n[zero] + fit.b) - betaln(fit.a, fit.b))
    out[zero] = np.where(pi > 0, pi / (pi + (1.0 - pi) * bb0), 0.0)
    return out


_PI_MAX = 1.0 - 1e-9
_MU_MIN, _MU_MAX = 1e-6, 1.0 - 1e-6
_LOG_SIZE = (np.log(1e-2), np.log(1e6))     # a + b: from very overdispersed to practically binomial


def _zibb_negative(theta: np.ndarray, n0: np.ndarray, g0: np.ndarray, x1: np.ndarray, n1: np.ndarray,
                   g1: np.ndarray) -> tuple[float, np.ndarray]:
    """Minus the zero-inflated beta-binomial log-likelihood (without the constant ln C(n, x)) and its gradient
    in theta = (pi_0, .., pi_{G-1}, mu, log(a + b)); n0 and g0 the n and class of the units at zero, x1, n1 and
    g1 those above (digamma derivatives of ln B)."""
    classes = len(theta) - 2
    pis, mu, size = theta[:classes], theta[classes], np.exp(theta[classes + 1])
    a, b = mu * size, (1.0 - mu) * size
    base = betaln(a, b)
    psi_ab = digamma(a + b)
    base_a, base_b = digamma(a) - psi_ab, digamma(b) - psi_ab
    # units at zero: log(pi + (1 - pi) e^g), g = ln B(a, n + b) - ln B(a, b)
    pi0 = pis[g0]
    g = betaln(a, n0 + b) - base
    with np.errstate(divide="ignore"):
        log_user = np.where(pi0 < 1, np.log1p(-np.minimum(pi0, _PI_MAX)) + g, -np.inf)
        at_zero = np.logaddexp(np.log(pi0), log_user)
    user = np.exp(log_user - at_zero)                # P(user | x = 0): the weight of the g branch
    psi_n = digamma(a + b + n0)
    dg_a, dg_b = psi_ab - psi_n, digamma(n0 + b) - psi_n - base_b
    # units above zero: log(1 - pi) + ln B(x + a, n - x + b) - ln B(a, b)
    pi1 = pis[g1]
    above = np.log1p(-pi1) + betaln(x1 + a, n1 - x1 + b) - base
    # d/dpi log(pi + (1 - pi) e^g) = (1 - e^g) / e^at_zero (capped: at pi = 0 a zero unlikely for users is huge)
    d_pi = (np.bincount(g0, np.exp(np.minimum(-at_zero, 700.0)) - np.exp(np.minimum(g - at_zero, 700.0)), classes)
            - np.bincount(g1, 1.0 / (1.0 - pi1), classes))
    psi_n1 = digamma(a + b + n1)
    d_a = float(np.sum(user * dg_a)) + float(np.sum(digamma(x1 + a) - psi_n1 - base_a))
    d_b = float(np.sum(user * dg_b)) + float(np.sum(digamma(n1 - x1 + b) - psi_n1 - base_b))
    gradient = np.concatenate([d_pi, [size * (d_a - d_b), a * d_a + b * d_b]])
    return -float(at_zero.sum() + above.sum()), -gradient


def fit_zibb(x: np.ndarray, n: np.ndarray, min_units: int = 30, start: ZeroInflatedFit | None = None,
             group: np.ndarray | None = None, min_class_units: int = 10) -> ZeroInflatedFit | None:
    """Maximum-likelihood (pi, a, b) over the units with n > 0, or None when there are fewer than min_units
    of them, no unit with x = 0 (no absent state to fit) or no unit with x > 0 (no users to fit).

    group: an optional 0/1 covariate of the zero state (Lambert 1992 models pi by a logistic regression; with
    one binary covariate that is one pi per class), used only when each class has at least min_class_units
    units with n > 0 (else one pi for all, repeated for both classes).

    Parametrised as (pi.., mu = a / (a + b), log(a + b)) within bounds and maximised with SLSQP (bounds only,
    analytic gradient; several times faster than L-BFGS-B here) from the best of two starts (zeros mostly
    absent; zeros mostly users' low tail) and `start` when given (the previous period's fit: the windows
    overlap); the likelihood can have more than one local maximum (a large absent share with homogeneous
    users, or a small one with dispersed users), so the cold starts are always tried."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    used = n > 0
    x, n = np.minimum(x[used], n[used]), n[used]
    zero = x == 0
    if len(x) < min_units or not zero.any() or zero.all():
        return None
    cls = np.zeros(len(x), dtype=np.int64)
    if group is not None:
        cls = np.asarray(group, dtype=np.int64)[used]
        if np.bincount(cls, minlength=2).min() < min_class_units:
            cls[:] = 0
    classes = int(cls.max()) + 1
    constant = log_binomial_coefficient(n, x)
    n0, g0, x1, n1, g1 = n[zero], cls[zero], x[~zero], n[~zero], cls[~zero]
    negative = lambda theta: _zibb_negative(theta, n0, g0, x1, n1, g1)  # noqa: E731

    users_share = float(x1.sum() / n1.sum())
    shares = x1 / n1
    spread = float(np.var(shares)) if len(shares) > 1 else 0.0
    rho = min(max(spread / (users_share * (1 - users_share)) - float(np.mean(1 / n1)), 1e-4), 0.9)
    log_size = float(np.clip(np.log(1 / rho - 1), *_LOG_SIZE))
    mu0 = float(np.clip(users_share, _MU_MIN, _MU_MAX))
    zero_share = [min(float(zero[cls == c].mean()), 0.9) for c in range(classes)]
    starts = [np.array(zero_share + [mu0, log_size]), np.array([1e-3] * classes + [mu0, log_size])]
    if start is not None and len(start.pi) == classes:
        starts.append(np.array([min(max(p, 1e-3), 0.9) for p in start.pi]
                               + [np.clip(start.a / (start.a + start.b), _MU_MIN, _MU_MAX),
                                  np.clip(np.log(start.a + start.b), *_LOG_SIZE)]))
    bounds = [(0.0, _PI_MAX)] * classes + [(_MU_MIN, _MU_MAX), _LOG_SIZE]
    from scipy.optimize import minimize  # here: a rescore whose fits are all stored (FitCache) never needs it

    best = None
    for theta in starts:
        result = minimize(negative, theta, method="SLSQP", jac=True, bounds=bounds)
        if best is None or result.fun < best.fun:
            best = result
    pis = tuple(float(p) for p in best.x[:classes])
    mu, size = float(best.x[classes]), float(np.exp(best.x[classes + 1]))
    if group is not None and classes == 1:
        pis = pis * 2
    return ZeroInflatedFit(pis, mu * size, (1.0 - mu) * size, -float(best.fun) + float(constant.sum()))


# Bump when fit_zibb's result for the same inputs can change, so that fits stored by older code are not reused.
ZIBB_FIT_VERSION = 1


@dataclass
class FitCache:
    """Fits already made, by a digest of everything fit_zibb's result depends on (it is deterministic in its
    inputs): `stored` the fits a caller kept from an earlier run, `used` the fits this run looked up or made,
    which the caller keeps for the next run."""
    stored: dict[str, ZeroInflatedFit] = field(default_factory=dict)
    used: dict[str, ZeroInflatedFit] = field(default_factory=dict)

    @staticmethod
    def key(x: np.ndarray, n: np.ndarray, min_units: int, start: ZeroInflatedFit | None, group: np.ndarray | None,
            min_class_units: int) -> str:
        digest = hashlib.sha256(repr((ZIBB_FIT_VERSION, scipy.__version__, len(x), min_units, min_class_units, start,
                                      group is None)).encode("utf-8"))
        for values in (x, n) if group is None else (x, n, group):
            digest.update(np.ascontiguousarray(values, dtype=float).tobytes())
        return digest.hexdigest()

    def fit(self, x: np.ndarray, n: np.ndarray, min_units: int = 30, start: ZeroInflatedFit | None = None,
            group: np.ndarray | None = None, min_class_units: int = 10) -> ZeroInflatedFit | None:
        """fit_zibb(x, n, min_units, start, group, min_class_units), from `stored` when it was made before."""
        key = self.key(x, n, min_units, start, group, min_class_units)
        fit = self.stored.get(key) or fit_zibb(x, n, min_units, start, group, min_class_units)
        if fit is not None:
            self.used[key] = fit
        return fit


def judge_absent_groups(x: np.ndarray, n: np.ndarray, starts: np.ndarray, eligible: np.ndarray,
                        lfdr: float, min_units: int = 30, group: np.ndarray | None = None,
                        min_class_units: int = 10, cache: FitCache | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row (rows sorted by group, `starts` the first row of each; `eligible` per row, constant within a
    group; `group` an optional 0/1 covariate of the zero state per row, see fit_zibb): (posterior probability
    the practice is absent, absent = x = 0, n > 0 and lfdr = 1 - posterior <= `lfdr`). Groups with no fit
    (not eligible, too few units, no zeros) get nan and False. Each fit also starts from the previous one.
    cache: fits made by an earlier run are taken from it instead of being made again."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    size = len(x)
    posterior = np.full(size, np.nan)
    bounds = np.append(starts, size)
    previous = None
    for begin, end in zip(bounds[:-1], bounds[1:]):
        if end <= begin or not eligible[begin]:
            previous = None
            continue
        xs, ns = x[begin:end], n[begin:end]
        if not ((ns > 0) & (xs == 0)).any():   # nobody at zero: nothing to judge, no fit needed
            continue
        gs = None if group is None else group[begin:end]
        fit = (cache.fit if cache is not None else fit_zibb)(xs, ns, min_units, previous, gs, min_class_units)
        previous = fit or previous
        if fit is not None:
            posterior[begin:end] = absent_posterior(xs, ns, fit, gs)
    absent = (x == 0) & (n > 0) & (1.0 - np.nan_to_num(posterior, nan=0.0) <= lfdr)
    return posterior, absent
