"""How often a step drop to a quarter is flagged, by the shipped change detection and by an oracle, at a
stated national false-alarm rate (simulated; seeded, so reproducible). Prints a markdown table.

    python -m benchmarks.change_detection_power [--rates 1 2 3] [--shape 10] [--authorities 4000]
        [--baseline-months 24 --window-months 12]  (the method as it was) [--long-window-months 12]
        [--no-glr] [--record]

`--record` (as `make bench` runs it) also writes the table to benchmarks/results/change_detection.md.

- method: the shipped negative-binomial CUSUM (etl/scoring/cusum.py) with the [sudden_change] settings of
  etl/scoring.toml: baseline estimated from the authority's own months, thresholds simulated for the
  rate, the change point scanned over the window.
- oracle: the same CUSUM told the true usual level (no baseline to estimate, one running CUSUM
  S = max(0, S + llr)), its h set by simulation for the same per-authority yearly false-alarm
  probability: the best a one-authority test of this drop can do at that rate (Lorden 1971; Moustakides 1986).
- glr: a generalised likelihood-ratio test of a drop to an unknown level (Lai 1995; Hoehle & Paul 2008)
  over the same window and baseline: for each change point c, theta = min(1, sum x / sum m0) and
  G = sum x ln theta - (theta - 1) sum m0 (Poisson), thresholds simulated the same way.

Each authority is in control for the baseline plus 12 months, then drops to a quarter for 12 months;
"within k months" counts a flag in the first k months of the step (k = 3, 6, 12). The false-alarm rate
is `rate` clean authorities a year in England: a per-authority yearly probability of rate / authorities
([sudden_change] authorities). Negative-binomial counts with shape r (variance m + m^2/r); no season or
trend (the method divides England's monthly index out). `--long-window-months 12` turns on the older
change points ([sudden_change] long_window_months).
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from etl.scoring.config import load_config
from etl.scoring.cusum import CusumSettings, Thresholds, calibrate, llr, statistic
from etl.scoring.evidence import cusum_settings

LEVELS = (2.0, 3.0, 4.0, 6.0, 10.0)
WITHIN = (3, 6, 12)  # months after the step
AFTER = WITHIN[-1]
RESULTS = Path(__file__).resolve().parent / "results"


def _within(alarm: np.ndarray) -> tuple[float, ...]:
    """The share of authorities (columns) with an alarm in the first k months after the step, for each k in WITHIN."""
    return tuple(float(alarm[:k].any(axis=0).mean()) for k in WITHIN)


def _draw(rng: np.random.Generator, mean: np.ndarray, shape: float, n: int) -> np.ndarray:
    mean = np.broadcast_to(mean, (mean.shape[0], n))
    if not np.isfinite(shape):
        return rng.poisson(mean).astype(float)
    return rng.negative_binomial(shape, shape / (shape + mean)).astype(float)


def _series(rng, level: float, before: int, after: int, ratio: float, shape: float, n: int) -> np.ndarray:
    mean = np.full((before + after, 1), level)
    mean[before:] *= ratio
    return _draw(rng, mean, shape, n)


def oracle(level: float, shape: float, ratio: float, alpha: float, n: int, rng) -> tuple[float, float]:
    """Known in-control level: one CUSUM from 0; h = the (1 - alpha) quantile of its yearly maximum."""
    def run(x):
        s, out = np.zeros(x.shape[1]), np.empty_like(x)
        for t in range(x.shape[0]):
            s = np.maximum(0.0, s + llr(x[t], np.full(x.shape[1], level), ratio, shape))
            out[t] = s
        return out
    clean = run(_series(rng, level, 36, 0, ratio, shape, 4 * n))
    h = np.quantile(clean[24:].max(axis=0), 1 - alpha)
    s = run(_series(rng, level, 24, AFTER, ratio, shape, n))
    return _within(s[24:] > h)


def _glr(x: np.ndarray, settings: CusumSettings, from_month: int) -> np.ndarray:
    months, units = x.shape
    cx = np.zeros((months + 1, units))
    np.cumsum(x, axis=0, out=cx[1:])
    out = np.full(x.shape, np.nan)
    b = settings.baseline_months
    for t in range(from_month, months):
        best = np.zeros(units)
        for c in range(max(b, t - settings.window_months + 1), t + 1):
            expected = (cx[c] - cx[c - b]) / b * (t + 1 - c)
            seen = cx[t + 1] - cx[c]
            with np.errstate(divide="ignore", invalid="ignore"):
                theta = np.minimum(1.0, seen / expected)
                g = np.where(seen > 0, seen * np.log(theta), 0.0) - (theta - 1) * expected
            best = np.maximum(best, np.where(expected / (t + 1 - c) >= settings.min_level, np.nan_to_num(g), 0.0))
        out[t] = best
    return out


def glr(level: float, shape: float, ratio: float, settings: CusumSettings, n: int, rng) -> tuple[float, float]:
    alpha = settings.false_alarms_per_year / settings.authorities
    b = settings.baseline_months
    clean = _glr(_series(rng, level, b + settings.window_months + 12, 0, ratio, shape, 4 * n), settings, b + settings.window_months)
    h = max(np.quantile(clean[-12:].max(axis=0), 1 - alpha), settings.min_threshold)
    s = _glr(_series(rng, level, b + 12, AFTER, ratio, shape, n), settings, b + 12)
    return _within(s[b + 12:] > h)


def method(level: float, shape: float, ratio: float, settings: CusumSettings, n: int, rng) -> tuple[float, float]:
    b = settings.baseline_months
    levels, h, h_long = calibrate(ratio, shape, settings)
    thresholds = Thresholds(np.array([b]), levels, h[None, :])
    older = Thresholds(np.array([b]), levels, h_long[None, :]) if h_long is not None else None
    x = _series(rng, level, b + 12, AFTER, ratio, shape, n)
    stat, _, _, limit = statistic(x, np.ones(x.shape[0]), ratio, shape, settings, with_span=True,
                                  from_month=b + 12, thresholds=thresholds, long_thresholds=older)
    alarm = np.nan_to_num(stat) > limit
    return _within(alarm[b + 12:])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=None,
                        help="national false alarms a year (default: the configured one)")
    parser.add_argument("--shape", type=float, default=10.0, help="negative-binomial shape r (inf: Poisson)")
    parser.add_argument("--authorities", type=int, default=4000, help="simulated authorities with a drop, per level")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--baseline-months", type=int, default=None, help="override [sudden_change] baseline_months")
    parser.add_argument("--window-months", type=int, default=None, help="override [sudden_change] window_months")
    parser.add_argument("--long-window-months", type=int, default=None,
                        help="override [sudden_change] long_window_months (0: recent change points only)")
    parser.add_argument("--no-glr", action="store_true", help="skip the GLR column")
    parser.add_argument("--record", action="store_true", help="also write benchmarks/results/change_detection.md")
    args = parser.parse_args(argv)
    shipped = cusum_settings(load_config())
    overrides = {k: v for k, v in (("baseline_months", args.baseline_months), ("window_months", args.window_months),
                                   ("long_window_months", args.long_window_months)) if v is not None}
    shipped = dataclasses.replace(shipped, **overrides)
    ratio = shipped.drop_ratio
    rates = args.rates or [shipped.false_alarms_per_year]
    lines = [f"Drop to {ratio:g} of the usual level; negative binomial r = {args.shape:g}; baseline {shipped.baseline_months} "
             f"months, window {shipped.window_months}"
             + (f" (older change points to {shipped.long_window_months})" if shipped.long_window_months > shipped.window_months else "")
             + f"; {args.authorities} simulated authorities per cell; seed {args.seed}.", "",
             "| false alarms a year (England) | usual a month | oracle within 3 / 6 / 12 | method (CUSUM) within 3 / 6 / 12 | GLR within 3 / 6 / 12 |",
             "|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    rows = []
    for rate in rates:
        settings = dataclasses.replace(shipped, false_alarms_per_year=rate)
        alpha = rate / settings.authorities
        for level in LEVELS:
            rng = np.random.default_rng(args.seed)
            o = oracle(level, args.shape, ratio, alpha, args.authorities, rng)
            m = method(level, args.shape, ratio, settings, args.authorities, rng)
            g = (float("nan"),) * len(WITHIN) if args.no_glr else glr(level, args.shape, ratio, settings, args.authorities, rng)
            rows.append({"rate": rate, "level": level, "oracle": o, "method": m, "glr": g})
            cell = lambda values: " / ".join(f"{v:.2f}" for v in values)  # noqa: E731
            lines.append(f"| {rate:g} | {level:g} | {cell(o)} | {cell(m)} | {cell(g)} |")
            print(lines[-1], flush=True)
    if args.record:
        RESULTS.mkdir(exist_ok=True)
        header = ["# Change detection: power against a step drop", "",
                  f"Recorded {datetime.now(timezone.utc).isoformat(timespec='seconds')} by `make bench` "
                  "(`python -m benchmarks.change_detection_power --record`). The share of simulated step drops flagged "
                  "within 3 / 6 / 12 months of the step, at each national false-alarm rate; the shipped rate is "
                  f"{shipped.false_alarms_per_year:g} a year (etl/scoring.toml). Method and reading: docs/methodology.md.", ""]
        (RESULTS / "change_detection.md").write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return {"rows": rows}

if __name__ == "__main__":
    main()
