"""Step changes in small monthly counts: a negative-binomial CUSUM (Lucas 1985) with its threshold set by
simulation for a stated national false-alarm rate.

For an authority, month t and a candidate change point c among the last `window_months` months, the
in-control mean of month j >= c is m0_j = b_c x I_j (indirect standardisation over time): I_j is
England's monthly index without the authority (`national_index`: season and trend alike), b_c the
authority's level sum x / sum I over its returns in the up to `baseline_months` months before c (at
least `min_baseline_returns` returns). The shifted mean is m1_j = ratio x m0_j (0.25 for a drop to a
quarter, 3 for a rise). Each month's log-likelihood ratio under a negative binomial with national
shape r (variance m + m^2 / r) is

    llr_j = x_j ln(m1 (m0 + r) / (m0 (m1 + r))) + r ln((m0 + r) / (m1 + r))

(the Poisson form x ln(m1/m0) - (m1 - m0) when r is infinite), and the evidence for c is the sum of
llr_j for j = c..t: the CUSUM recursion S = max(0, S + llr) restarted at each candidate change point,
each judged against the baseline just before it (with `long_window_months`, older change points too,
against their own threshold). A month flags when the evidence of some candidate
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
    long_window_months: int = 0  # 0: off; else older change points up to this many months back
    long_window_share: float = 0.1  # the share of the false-alarm probability they may use
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
              with_span: bool = False, from_month: int = 0, thresholds: Thresholds | None = None,
              long_thresholds: Thresholds | None = None, spans: tuple[int, int] | None = None):
    """(S, b) or, with_span, (S, b, k, h): the CUSUM, the baseline level of the change point that gives S,
    the number of recent months k since that change point and its threshold h (0 without `thresholds`),
    for every month and authority.

    x: months x authorities (nan: no return); season: England's index (`national_index`), a vector over
    months or months x authorities (each authority's own index).
    For month t and each candidate change point c in the last `window_months` months, the baseline is the
    authority's deseasonalised mean over the up to `baseline_months` months before c (at least
    `min_baseline_returns` returns), and the evidence is the sum of llr over c..t. The change point
    chosen is the one whose evidence is furthest above its own threshold h(b_c, n_c) (n_c: returns in
    its baseline), so a short, noisy baseline needs more evidence; without thresholds, the largest.
    With `long_window_months` > `window_months`, older change points (k = t - c + 1 months of evidence,
    window_months < k <= long_window_months) are candidates too, judged against `long_thresholds`.
    spans: (first, last) k to consider (calibration looks at the two groups separately).
    """
    months, units = x.shape
    present = np.isfinite(x)
    xs = np.where(present, x, 0.0)
    # cumulative sums give each baseline in O(1) (row k = the sum of the first k months)
    cx, cw, cn = (np.zeros((months + 1, units)) for _ in range(3))
    np.cumsum(xs, axis=0, out=cx[1:])
    np.cumsum(present, axis=0, out=cn[1:])
    season = np.broadcast_to(np.asarray(season, float).reshape(months, -1), x.shape)
    np.cumsum(np.where(present, season, 0.0), axis=0, out=cw[1:])
    stat = np.full(x.shape, np.nan)
    level = np.full(x.shape, np.nan)
    span = np.zeros(x.shape, dtype=np.int64)
    limit = np.zeros(x.shape)
    w, b = settings.window_months, settings.baseline_months
    first, last = spans or (1, max(w, settings.long_window_months))
    flat = bool(np.all(season == 1.0))
    for t in range(max(settings.min_baseline_returns, from_month), months):
        best = np.full(units, -np.inf)
        best_total = np.full(units, np.nan)
        best_level = np.full(units, np.nan)
        best_span = np.zeros(units, dtype=np.int64)
        best_limit = np.zeros(units)
        for c in range(max(settings.min_baseline_returns, t - last + 1), t - first + 2):
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
                steps = np.where(present[c:t + 1], llr(xs[c:t + 1], m0[None, :] * season[c:t + 1], ratio, shape), 0.0)
                total = steps.sum(axis=0)
            judge = long_thresholds if t - c + 1 > w and long_thresholds is not None else thresholds
            h = judge(m0, returns) if judge is not None else np.zeros(units)
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


def calibrate(ratio: float, shape: float, settings: CusumSettings,
              baseline_returns: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(levels, h, h_long): the thresholds at a grid of in-control levels for a baseline of
    `baseline_returns` returns (default `baseline_months`), by simulation (fixed seed); h_long (older
    change points) is None unless `long_window_months` > `window_months`.

    Each simulated authority has baseline + window + 12 months at a constant level; h is the (1 - alpha)
    quantile of its largest statistic over the last 12 months (every candidate change point with a full
    baseline of that length), alpha the per-authority yearly false-alarm probability. All levels run in
    one pass. With the long window, the two groups of change points share alpha jointly: h is the
    (1 - (1 - share) alpha) quantile of the recent group's yearly maximum, and h_long the smallest value
    that the older group's yearly maximum exceeds, among the simulated authorities the recent group left
    alone, in no more than alpha x simulations minus the recent group's alarms: at least one alarm in a
    year stays alpha in all.
    """
    length = int(baseline_returns or settings.baseline_months)
    settings = replace(settings, baseline_months=length, min_baseline_returns=min(length, settings.min_baseline_returns))
    rng = np.random.default_rng(settings.seed + length)
    levels = np.geomspace(settings.min_level, 60.0, 10)
    alpha = settings.false_alarms_per_year / settings.authorities
    w = settings.window_months
    long = settings.long_window_months > w
    months = length + (settings.long_window_months if long else w) + 12
    largest = np.empty((len(levels), settings.simulations))
    older = np.empty((len(levels), settings.simulations))
    for index, mean in enumerate(levels):  # one level at a time: arrays small enough to stay in cache
        if np.isfinite(shape):
            draws = rng.negative_binomial(shape, shape / (shape + mean), size=(months, settings.simulations))
        else:
            draws = rng.poisson(mean, size=(months, settings.simulations))
        draws = draws.astype(float)
        stat, _ = statistic(draws, np.ones(months), ratio, shape, settings, from_month=months - 12, spans=(1, w))
        largest[index] = np.nanmax(np.nan_to_num(stat[-12:], nan=0.0), axis=0)
        if long:
            stat, _ = statistic(draws, np.ones(months), ratio, shape, settings, from_month=months - 12,
                                spans=(w + 1, settings.long_window_months))
            older[index] = np.nanmax(np.nan_to_num(stat[-12:], nan=0.0), axis=0)
    if not long:
        return levels, np.maximum(np.quantile(largest, 1 - alpha, axis=1), settings.min_threshold), None
    h = np.maximum(np.quantile(largest, 1 - (1 - settings.long_window_share) * alpha, axis=1), settings.min_threshold)
    h_long = np.empty(len(levels))
    for index in range(len(levels)):
        quiet = np.sort(older[index][largest[index] <= h[index]])[::-1]  # the recent group did not alarm
        allowed = int(np.floor(alpha * settings.simulations)) - int((largest[index] > h[index]).sum())
        # exceeded by exactly `allowed` of them (ties aside); none allowed: the largest
        h_long[index] = quiet[min(max(allowed, 0), len(quiet) - 1)] if len(quiet) else np.inf
    return levels, h, np.maximum(h_long, settings.min_threshold)


def simulate_thresholds(ratio: float, shape: float, settings: CusumSettings) -> tuple[Thresholds, Thresholds | None]:
    """The thresholds for recent and (None unless the long window is on) older change points at every
    baseline length of `baseline_lengths` (uncached; the scoring keeps them in cusum_threshold,
    etl/scoring/evidence.py)."""
    lengths = baseline_lengths(settings)
    grids = [calibrate(ratio, shape, settings, int(length)) for length in lengths]
    recent = Thresholds(lengths, grids[0][0], np.array([g[1] for g in grids]))
    older = Thresholds(lengths, grids[0][0], np.array([g[2] for g in grids])) if grids[0][2] is not None else None
    return recent, older


def threshold(levels: np.ndarray, h: np.ndarray, level: np.ndarray) -> np.ndarray:
    """h at each baseline level, interpolated on log level (clamped to the grid)."""
    return np.interp(np.log(np.clip(level, levels[0], levels[-1])), np.log(levels), h)


# Cells whose Anscombe residual is beyond this are downweighted in England's index (Noufaily et al. 2013).
RESIDUAL_LIMIT = 2.58


def _main_effects(xs: np.ndarray, weight: np.ndarray, iterations: int = 200,
                  tolerance: float = 1e-10) -> tuple[np.ndarray, np.ndarray] | None:
    """(index, level) of the weighted Poisson main-effects model E[x_at] = level_a x I_t by iterative
    proportional fitting; index scaled to mean 1 over the months with any weight; None if nothing to fit."""
    months = xs.shape[0]
    reported = weight.sum(axis=1) > 0
    if not reported.any():
        return None
    index = np.ones(months)
    level = np.zeros(xs.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(iterations):
            exposure = (weight * index[:, None]).sum(axis=0)
            level = np.where(exposure > 0, (weight * xs).sum(axis=0) / exposure, 0.0)
            expected = (weight * level[None, :]).sum(axis=1)
            raw = np.where(expected > 0, (weight * xs).sum(axis=1) / expected, np.nan)
            norm = np.nanmean(raw[reported]) if np.any(np.isfinite(raw[reported])) else np.nan
            if not np.isfinite(norm) or norm <= 0:
                return None  # nothing but zeros: no index
            new = np.where(np.isfinite(raw), raw / norm, 1.0)
            done = np.max(np.abs(new - index)) < tolerance
            index = new
            if done:
                break
    return index, level


def national_index(x: np.ndarray, rounds: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """England's monthly index, covering season and trend alike (indirect standardisation over time):
    (index, leave_out), index a vector over months (mean 1 over months with any return) and leave_out
    months x authorities, the index with that authority's own returns left out.

    The index comes from the Poisson main-effects model E[x_at] = level_a x I_t fitted to the months
    with a return (iterative proportional fitting, Deming and Stephan 1940): level_a = sum_t w x_at /
    sum_t w I_t over a's returns, I_t = sum_a w x_at / sum_a w level_a over the authorities with a return
    in t, so a missing return neither lowers England's month nor the authority's level. The weights w
    make it robust to the few authorities whose recording breaks (a nil run, a step drop): after a fit,
    a cell whose Anscombe residual 3/2 (x^(2/3) - e^(2/3)) / (e^(1/6) sqrt(1 + e / r)) (e = level x I, r
    England's negative-binomial shape) is beyond RESIDUAL_LIMIT gets weight 1 / residual^2, and the
    model is refitted, until the weights settle (the reweighting of Farrington et al. 1996, with the
    limit of Noufaily et al. 2013). An authority is judged against the index without its own returns,
    I_t(-a) = (sum_a' w x_a't - w x_at) / (sum_a' w level_a' - w level_a), so its own drop cannot pull its
    expected counts down; where no other authority reported, the full index is used.

    x: months x authorities, nan where no return.
    """
    present = np.isfinite(x)
    xs = np.where(present, x, 0.0)
    months = x.shape[0]
    weight = present.astype(float)
    fitted = _main_effects(xs, weight)
    if fitted is None:
        return np.ones(months), np.ones(x.shape)
    index, level = fitted
    shape = nb_shape(np.where(present, x, np.nan) / index[:, None])
    for _ in range(rounds):
        expected = level[None, :] * index[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            dispersion = 1.0 + (expected / shape if np.isfinite(shape) else 0.0)
            residual = 1.5 * (np.cbrt(xs) ** 2 - np.cbrt(expected) ** 2) / (expected ** (1 / 6) * np.sqrt(dispersion))
            new = np.where(present & np.isfinite(residual) & (np.abs(residual) > RESIDUAL_LIMIT),
                           1.0 / residual ** 2, present.astype(float))
        if np.allclose(new, weight, atol=1e-6):
            break
        weight = new
        fitted = _main_effects(xs, weight)
        if fitted is None:
            return np.ones(months), np.ones(x.shape)
        index, level = fitted
    with np.errstate(invalid="ignore", divide="ignore"):
        # the raw ratio's scale: index = raw / norm (norm constant over months)
        total, cover = (weight * xs).sum(axis=1), (weight * level[None, :]).sum(axis=1)
        norm = np.nanmean(np.where(cover > 0, total / cover, np.nan)[cover > 0] / index[cover > 0])
        rest = cover[:, None] - weight * level[None, :]
        leave_out = (total[:, None] - weight * xs) / rest / norm
    leave_out = np.where(np.isfinite(leave_out) & (rest > 1e-9), leave_out, index[:, None])
    return index, leave_out
