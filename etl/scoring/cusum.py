"""Step changes in small monthly counts: a negative-binomial CUSUM (Lucas 1985) with its threshold set by
simulation for a stated national false-alarm rate.

For an authority, month t and a candidate change point c among the last `window_months` months, the
in-control mean of month j >= c is m0_j = b_c x s_j: b_c is the authority's deseasonalised mean over
the up to `baseline_months` months before c (at least `min_baseline_returns` returns), s_j England's
seasonal factor for j's calendar month. The shifted mean is m1_j = ratio x m0_j (0.25 for a drop to a
quarter, 3 for a rise). Each month's log-likelihood ratio under a negative binomial with national
shape r (variance m + m^2 / r) is

    llr_j = x_j ln(m1 (m0 + r) / (m0 (m1 + r))) + r ln((m0 + r) / (m1 + r))

(the Poisson form x ln(m1/m0) - (m1 - m0) when r is infinite), and the evidence for c is the sum of
llr_j for j = c..t: the CUSUM recursion S = max(0, S + llr) restarted at each candidate change point,
each judged against the baseline just before it. A month flags when the evidence of some candidate
exceeds its threshold h(b_c, n_c), n_c the returns in its baseline; the candidate reported is the one
furthest above its threshold.

h is chosen by simulating in-control negative-binomial authorities (baseline estimated the same way,
at a grid of levels and of baseline lengths, since a short baseline is a noisier estimate and needs
more evidence), so that the probability that an in-control authority signals at least once in a year
is `false_alarms_per_year / authorities`: the expected number of false alarms in England per year is
then `false_alarms_per_year`. The simulation uses a fixed seed, so scores are reproducible. h is
never below `min_threshold` (ln 100 = 4.6: the months must favour the shifted mean at least 100 to 1),
so that large authorities, whose simulated in-control statistic is almost always 0, still need evidence.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class CusumSettings:
    drop_ratio: float = 0.25
    rise_ratio: float = 3.0
    baseline_months: int = 12
    min_baseline_returns: int = 9
    window_months: int = 6
    min_level: float = 1.0
    false_alarms_per_year: float = 0.1
    authorities: int = 150
    simulations: int = 20000
    seed: int = 20261130
    min_threshold: float = 4.6


def llr(x: np.ndarray, m0: np.ndarray, ratio: float, shape: float) -> np.ndarray:
    """Per-month log-likelihood ratio of mean ratio x m0 against m0 (negative binomial, shape r)."""
    m1 = ratio * m0
    with np.errstate(divide="ignore", invalid="ignore"):
        if not np.isfinite(shape):
            return x * np.log(ratio) - (m1 - m0)
        return x * np.log(m1 * (m0 + shape) / (m0 * (m1 + shape))) + shape * np.log((m0 + shape) / (m1 + shape))


def nb_shape(series: np.ndarray, min_mean: float = 2.0) -> float:
    """National negative-binomial shape r by moments: the median over authorities (mean >= min_mean) of
    mean^2 / (variance - mean), the variance from successive differences (half the mean squared
    month-to-month difference, von Neumann 1941) so that slow drift does not count as noise; infinite
    (Poisson) when counts are not overdispersed.

    series: months x authorities, nan where no return.
    """
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # authorities with no returns: nan, left out below
        mean = np.nanmean(series, axis=0)
        var = np.nanmean(np.diff(series, axis=0) ** 2, axis=0) / 2
        ok = np.isfinite(mean) & np.isfinite(var) & (mean >= min_mean)
        if ok.sum() < 5:
            return float("inf")
        inverse = np.median((var[ok] - mean[ok]) / mean[ok] ** 2)
    return float(1.0 / inverse) if inverse > 1e-6 else float("inf")


class Thresholds:
    """h at each (baseline level, baseline returns): simulated on a grid of levels for each baseline length
    in `returns`, interpolated on log level and linearly in the number of baseline returns (clamped)."""

    def __init__(self, returns: np.ndarray, levels: np.ndarray, h: np.ndarray) -> None:
        self.returns, self.levels, self.h = np.asarray(returns, float), np.asarray(levels, float), np.asarray(h, float)

    def __call__(self, level: np.ndarray, returns: np.ndarray) -> np.ndarray:
        level = np.nan_to_num(np.asarray(level, float), nan=self.levels[0])
        by_length = np.stack([threshold(self.levels, row, level) for row in self.h])  # lengths x ...
        if len(self.returns) == 1:
            return by_length[0]
        n = np.clip(np.nan_to_num(np.asarray(returns, float), nan=self.returns[0]), self.returns[0], self.returns[-1])
        upper = np.clip(np.searchsorted(self.returns, n, side="right"), 1, len(self.returns) - 1)
        lower = upper - 1
        lo, hi = self.returns[lower], self.returns[upper]
        weight = np.clip((n - lo) / (hi - lo), 0.0, 1.0)
        take = lambda index: np.take_along_axis(by_length, index[None, ...], axis=0)[0]  # noqa: E731
        return (1 - weight) * take(lower) + weight * take(upper)


def baseline_lengths(settings: CusumSettings) -> np.ndarray:
    """The baseline lengths (returns) the thresholds are simulated at: from `min_baseline_returns` to
    `baseline_months`, about geometrically spaced (a shorter baseline is noisier, so needs a higher h)."""
    low, high = settings.min_baseline_returns, max(settings.baseline_months, settings.min_baseline_returns)
    return np.unique(np.round(np.geomspace(low, high, 4)).astype(int)) if high > low else np.array([high])


def statistic(x: np.ndarray, season: np.ndarray, ratio: float, shape: float, settings: CusumSettings,
              with_span: bool = False, from_month: int = 0, thresholds: Thresholds | None = None):
    """(S, b) or, with_span, (S, b, k, h): the CUSUM, the baseline level of the change point that gives S,
    the number of recent months k since that change point and its threshold h (0 without `thresholds`),
    for every month and authority.

    x: months x authorities (nan: no return); season: months (England's factor, mean 1).
    For month t and each candidate change point c in the last `window_months` months, the baseline is the
    authority's deseasonalised mean over the up to `baseline_months` months before c (at least
    `min_baseline_returns` returns), and the evidence is the sum of llr over c..t. The change point
    chosen is the one whose evidence is furthest above its own threshold h(b_c, n_c) (n_c: returns in
    its baseline), so a short, noisy baseline needs more evidence; without thresholds, the largest.
    """
    months, units = x.shape
    present = np.isfinite(x)
    xs = np.where(present, x, 0.0)
    # cumulative sums give each baseline in O(1) (row k = the sum of the first k months)
    cx, cw, cn = (np.zeros((months + 1, units)) for _ in range(3))
    np.cumsum(xs, axis=0, out=cx[1:])
    np.cumsum(present, axis=0, out=cn[1:])
    np.cumsum(np.where(present, season[:, None], 0.0), axis=0, out=cw[1:])
    stat = np.full(x.shape, np.nan)
    level = np.full(x.shape, np.nan)
    span = np.zeros(x.shape, dtype=np.int64)
    limit = np.zeros(x.shape)
    w, b = settings.window_months, settings.baseline_months
    flat = bool(np.all(season == 1.0))
    for t in range(max(settings.min_baseline_returns, from_month), months):
        best = np.full(units, -np.inf)
        best_total = np.full(units, np.nan)
        best_level = np.full(units, np.nan)
        best_span = np.zeros(units, dtype=np.int64)
        best_limit = np.zeros(units)
        for c in range(max(settings.min_baseline_returns, t - w + 1), t + 1):
            start = max(0, c - b)
            returns = cn[c] - cn[start]
            with np.errstate(invalid="ignore", divide="ignore"):
                base = (cx[c] - cx[start]) / (cw[c] - cw[start])
            usable = (returns >= settings.min_baseline_returns) & (base >= settings.min_level)
            m0 = np.where(usable, base, 1.0)
            if flat:
                # llr is linear in x for a fixed mean: sum = A x (sum of x) + B x (months with a return)
                intercept = llr(np.zeros(1), m0, ratio, shape)
                slope = llr(np.ones(1), m0, ratio, shape) - intercept
                total = slope * (cx[t + 1] - cx[c]) + intercept * (cn[t + 1] - cn[c])
            else:
                steps = np.where(present[c:t + 1], llr(xs[c:t + 1], m0[None, :] * season[c:t + 1, None], ratio, shape), 0.0)
                total = steps.sum(axis=0)
            h = thresholds(m0, returns) if thresholds is not None else np.zeros(units)
            margin = np.where(usable, total - h, -np.inf)
            better = margin > best
            best = np.where(better, margin, best)
            best_total = np.where(better, total, best_total)
            best_level = np.where(better, base, best_level)
            best_span = np.where(better, t - c + 1, best_span)
            best_limit = np.where(better, h, best_limit)
        found = np.isfinite(best)
        stat[t] = np.where(found, np.maximum(best_total, 0.0), np.nan)
        level[t] = np.where(found, best_level, np.nan)
        span[t] = best_span
        limit[t] = best_limit
    return (stat, level, span, limit) if with_span else (stat, level)


def calibrate(ratio: float, shape: float, settings: CusumSettings, baseline_returns: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(levels, h): the threshold at a grid of in-control levels for a baseline of `baseline_returns`
    returns (default `baseline_months`), by simulation (fixed seed).

    Each simulated authority has baseline + window + 12 months at a constant level; h is the (1 - alpha)
    quantile of its largest statistic over the last 12 months (every candidate change point with a full
    baseline of that length), alpha the per-authority yearly false-alarm probability. All levels run in
    one pass.
    """
    length = int(baseline_returns or settings.baseline_months)
    settings = replace(settings, baseline_months=length, min_baseline_returns=min(length, settings.min_baseline_returns))
    rng = np.random.default_rng(settings.seed + length)
    levels = np.geomspace(settings.min_level, 60.0, 10)
    alpha = settings.false_alarms_per_year / settings.authorities
    months = length + settings.window_months + 12
    largest = np.empty((len(levels), settings.simulations))
    for index, mean in enumerate(levels):  # one level at a time: arrays small enough to stay in cache
        if np.isfinite(shape):
            draws = rng.negative_binomial(shape, shape / (shape + mean), size=(months, settings.simulations))
        else:
            draws = rng.poisson(mean, size=(months, settings.simulations))
        stat, _ = statistic(draws.astype(float), np.ones(months), ratio, shape, settings, from_month=months - 12)
        largest[index] = np.nanmax(np.nan_to_num(stat[-12:], nan=0.0), axis=0)
    h = np.maximum(np.quantile(largest, 1 - alpha, axis=1), settings.min_threshold)
    return levels, h


def simulate_thresholds(ratio: float, shape: float, settings: CusumSettings) -> Thresholds:
    """Thresholds at every baseline length of `baseline_lengths` (uncached; the scoring keeps them in
    cusum_threshold, etl/scoring/evidence.py)."""
    lengths = baseline_lengths(settings)
    grids = [calibrate(ratio, shape, settings, int(length)) for length in lengths]
    return Thresholds(lengths, grids[0][0], np.array([h for _, h in grids]))


def threshold(levels: np.ndarray, h: np.ndarray, level: np.ndarray) -> np.ndarray:
    """h at each baseline level, interpolated on log level (clamped to the grid)."""
    return np.interp(np.log(np.clip(level, levels[0], levels[-1])), np.log(levels), h)


def seasonal_factors(national: np.ndarray, month_of_year: np.ndarray) -> np.ndarray:
    """England's seasonal factor for each month: the mean, over years, of the national total over its
    centred 12-month moving average, by calendar month, normalised to mean 1 (1 where it cannot be
    estimated: fewer than 24 months)."""
    n = len(national)
    if n < 24:
        return np.ones(n)
    kernel = np.r_[0.5, np.ones(11), 0.5] / 12.0      # the classical 2x12 centred moving average
    trend = np.convolve(national, kernel, mode="same")
    ratio = np.full(n, np.nan)
    ratio[6:n - 6] = national[6:n - 6] / trend[6:n - 6]
    by_month = np.array([np.nanmean(ratio[month_of_year == m]) if np.any(np.isfinite(ratio[month_of_year == m])) else 1.0
                         for m in range(1, 13)])
    by_month = by_month / by_month.mean()
    return by_month[month_of_year - 1]
