"""How much under-recording could ANY level-based method find on the independent dataset? An information
bound from the generator's own drawn parameters.

An under-recorder records a fraction f of its concerns, so its recorded level is f x its true level. A
method that compares recorded levels with an expectation can tell it from a clean authority only as far
as f x level falls outside the clean authorities' own spread of levels. This script gives that ceiling
from each seed's `authority_profile.csv` (true level against England, per child) and `ground_truth.csv`
(which authorities under-record and their f), for three comparators:

- england: the recorded level itself (every authority against England's rate);
- region+priority: the residual of log level after a main-effects least-squares fit of region and Prevent
  priority-area status on the clean authorities' log levels (risk adjustment by what those two explain);
- neighbours: log level minus the log of the population-weighted recorded level of the authority's DfE
  statistical neighbours (itself excluded; neighbours' own under-recording included).

Two kinds of bound per comparator:
- exact levels: the method knows every recorded level without noise. Flag below the clean mean minus
  z(0.999) = 3.09 clean sd (0.1% of clean authorities one-sided, the funnel's 99.8% two-sided limit), or at
  the threshold that flags exactly k = 1, 2, 3 clean authorities a seed (between the k-th and (k+1)-th
  lowest clean score);
- counts over 12, 24 and 65 months (a funnel window, the sustained two years, the whole series): the same
  test at 3.09 on log(C / E) with the clean spread sigma plus the count noise of m negative-binomial
  months (variance of log C about 1/E + 1/(m k), shape k = the generator's dispersion), the expected
  recall of each under-recorder summed (an oracle funnel that knows sigma and the true means).

Also the expected recall over the generator's distribution (log level normal with the clean sd, f uniform
on its planted range), so the bound does not rest on only 13 drawn under-recorders.

    python -m benchmarks.under_recording_bound [--seeds 3] [--first-seed N]   # generates into a temp folder
    python -m benchmarks.under_recording_bound --folders DIR [DIR ...]          # kept or generated folders
"""

from __future__ import annotations

import argparse
import csv
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import norm

from etl.reference import read_priority_areas


Z_ONE_SIDED = float(norm.ppf(0.999))  # 3.09: 0.1% one-sided, the 99.8% two-sided funnel limit
CLEAN_FLAGS = (1, 2, 3)
COUNT_MONTHS = (12, 24, 65)  # a funnel window, the sustained two years, the whole series
COMPARATORS = ("england", "region+priority", "neighbours")


@dataclass(frozen=True)
class AuthorityRow:
    code: str
    planted: str          # "" for clean
    level: float          # true level against England's per-child rate
    fraction: float       # share recorded (1 unless under-recording)
    usual: float          # usual expected concerns a month at the true level
    region: str
    priority: bool
    population: float
    neighbours: tuple[str, ...]

    @property
    def recorded(self) -> float:
        return self.level * self.fraction


# --- small pure functions (tested against hand-computed values) ---------------------------------------

def main_effects_residuals(y: np.ndarray, groups: list[str], flags: np.ndarray, fit_on: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares fit y ~ group + flag on the rows in `fit_on`; residuals for every row and the fit's
    residual sd sqrt(RSS / (n - p))."""
    levels = sorted(set(groups))
    design = np.column_stack([np.array([g == level for g in groups], dtype=float) for level in levels]
                             + [np.asarray(flags, dtype=float)])
    design = design[:, _independent_columns(design[fit_on])]
    coef, *_ = np.linalg.lstsq(design[fit_on], y[fit_on], rcond=None)
    residuals = y - design @ coef
    dof = int(fit_on.sum()) - design.shape[1]
    return residuals, float(np.sqrt(np.sum(residuals[fit_on] ** 2) / dof))


def _independent_columns(design: np.ndarray) -> list[int]:
    """Columns kept so the design has full column rank (a flag constant within the fitted rows is dropped)."""
    keep: list[int] = []
    for j in range(design.shape[1]):
        if np.linalg.matrix_rank(design[:, keep + [j]]) == len(keep) + 1:
            keep.append(j)
    return keep


def threshold_for_clean_flags(clean_scores: np.ndarray, k: int) -> float:
    """The score below which exactly k clean authorities lie: midway between the k-th and (k+1)-th lowest."""
    ordered = np.sort(clean_scores)
    return float((ordered[k - 1] + ordered[k]) / 2)


def recall_over_generator(sigma: float, fraction_range: tuple[float, float], z: float = Z_ONE_SIDED) -> float:
    """Expected recall at exact levels: f ~ U(a, b), residual log level ~ N(0, sigma), flag below -z sigma.
    P = mean over f of Phi((-z sigma - log f) / sigma)."""
    f = np.linspace(fraction_range[0], fraction_range[1], 2001)
    return float(np.mean(norm.cdf((-z * sigma - np.log(f)) / sigma)))


def count_noise_recall(log_recorded: float, mean: float, sigma: float, expected_recorded: float, expected_true: float,
                       shape: float, months: int = 12, z: float = Z_ONE_SIDED) -> float:
    """Oracle funnel on `months` months of counts: flag when (log(C/E) - mean) / sqrt(sigma^2 + v(E)) < -z, with
    v(E) = 1/E + 1/(months shape) the variance of the log of a year of negative-binomial months at the
    expected count E the method sees (the authority's true-level count); C has mean expected_recorded.
    P(flag) = Phi((mean - z s - log_recorded) / sqrt(v(expected_recorded)))."""
    s = np.sqrt(sigma ** 2 + 1 / expected_true + 1 / (months * shape))
    noise = np.sqrt(1 / expected_recorded + 1 / (months * shape))
    return float(norm.cdf((mean - z * s - log_recorded) / noise))


# --- reading a generated folder -------------------------------------------------------------------------

_FRACTION = re.compile(r"records (\d+)% of its concerns")


def read_folder(folder: Path) -> list[AuthorityRow]:
    from etl.reference import load_reference

    ref = load_reference()
    priority = {row["gss_code"] for row in read_priority_areas()}
    with (folder / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        fractions = {row["authority_code"]: int(_FRACTION.search(row["detail"]).group(1)) / 100
                     for row in csv.DictReader(handle) if row["problem_type"] == "under_recording"}
    rows = []
    with (folder / "authority_profile.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["authority_code"]
            info = ref.authority(code)
            if info is None or info.valid_to is not None:  # only authorities current at the end of the series
                continue
            rows.append(AuthorityRow(
                code=code, planted=row["planted"], level=float(row["level_vs_england"]),
                fraction=fractions.get(code, 1.0), usual=float(row["usual_per_month"]), region=info.region_code,
                priority=code in priority, population=float(ref.population(code, 2024) or 0),
                neighbours=tuple(ref.neighbours(code)),
            ))
    return [r for r in rows if r.level > 0 and r.population > 0]


def scores(rows: list[AuthorityRow]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per comparator: every authority's score (log recorded level against its expectation) and the mask
    of rows the clean spread is taken from."""
    clean = np.array([r.planted == "" for r in rows])
    log_recorded = np.log([r.recorded for r in rows])
    residuals, _ = main_effects_residuals(log_recorded, [r.region for r in rows], np.array([r.priority for r in rows]), clean)
    by_code = {r.code: r for r in rows}
    neighbour = []
    for r in rows:
        others = [by_code[c] for c in r.neighbours if c in by_code and c != r.code]
        pooled = sum(o.recorded * o.population for o in others) / sum(o.population for o in others) if others else np.nan
        neighbour.append(np.log(r.recorded) - np.log(pooled))
    return {"england": (log_recorded, clean), "region+priority": (residuals, clean), "neighbours": (np.array(neighbour), clean)}


def bound(rows: list[AuthorityRow], shape: float) -> dict[str, dict]:
    under = np.array([r.planted == "under_recording" for r in rows])
    out = {}
    for name, (score, clean) in scores(rows).items():
        ok = np.isfinite(score)
        c = score[clean & ok]
        mean, sigma = float(np.mean(c)), float(np.std(c, ddof=1))
        planted_scores = score[under & ok]
        limit = mean - Z_ONE_SIDED * sigma
        result = {
            "clean": int(c.size), "planted": int(planted_scores.size), "clean_sd": sigma,
            "found_at_0.1%": int(np.sum(planted_scores < limit)),
            "clean_below_0.1%": int(np.sum(c < limit)),
        }
        for k in CLEAN_FLAGS:
            result[f"found_at_{k}_clean"] = int(np.sum(planted_scores < threshold_for_clean_flags(c, k)))
        for months in COUNT_MONTHS:
            result[f"counts_{months}_expected_found"] = float(sum(
                count_noise_recall(float(score[i]), mean, sigma, months * rows[i].usual * rows[i].fraction,
                                   months * rows[i].usual, shape, months)
                for i in np.flatnonzero(under & ok)))
        out[name] = result
    return out


def _report(per_seed: dict[str, dict], fraction_range: tuple[float, float]) -> str:
    lines = ["| comparator | clean sd of log level | planted | found, exact levels, 0.1% one-sided (clean flagged) "
             "| found at 1 / 2 / 3 clean flags a seed | expected recall from 12 / 24 / 65 months of counts, oracle funnel at 0.1% "
             "| expected recall over the generator's distribution, exact levels |", "|---|---|---|---|---|---|---|"]
    for name in COMPARATORS:
        results = [seed[name] for seed in per_seed.values()]
        planted = sum(r["planted"] for r in results)
        sds = ", ".join(f"{r['clean_sd']:.3f}" for r in results)
        found = sum(r["found_at_0.1%"] for r in results)
        clean_flagged = sum(r["clean_below_0.1%"] for r in results)
        found_k = [sum(r[f"found_at_{k}_clean"] for r in results) for k in CLEAN_FLAGS]
        ks = " / ".join(str(n) for n in found_k) + " (" + ", ".join(f"{n / planted:.2f}" for n in found_k) + ")"
        counts = " / ".join(f"{sum(r[f'counts_{m}_expected_found'] for r in results) / planted:.2f}" for m in COUNT_MONTHS)
        generator = np.mean([recall_over_generator(r["clean_sd"], fraction_range) for r in results])
        lines.append(f"| {name} | {sds} | {planted} | {found} ({found / planted:.2f}; {clean_flagged} clean) | {ks} "
                     f"| {counts} | {generator:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.independent_dataset import DEFAULT_SEED, Settings, generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", nargs="*", type=Path, default=[], help="folders with authority_profile.csv and ground_truth.csv")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    settings = Settings()
    per_seed: dict[str, dict] = {}
    if args.folders:
        for folder in args.folders:
            per_seed[str(folder)] = bound(read_folder(folder), settings.dispersion)
    else:
        with tempfile.TemporaryDirectory(prefix="bound-") as tmp:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                folder = Path(tmp) / str(seed)
                generate(folder, seed, settings)
                per_seed[str(seed)] = bound(read_folder(folder), settings.dispersion)
    print(_report(per_seed, settings.under_recording_fraction))
    return per_seed


if __name__ == "__main__":
    main()
