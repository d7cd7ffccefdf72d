"""Would comparing an authority with its region or statistical neighbours, instead of England, make
under-recording easier to see? For each kept evaluation database (`benchmarks.independent_dataset
--keep DIR` or a demo folder with its ground_truth.csv), the last month's rolling 12-month total
concerns are compared with three expected counts: England's rate (the funnel's `expected`), the rest of
the authority's region, and its statistical neighbours (population x their pooled rate). The spread of
clean authorities' z = 2(sqrt(O) - sqrt(E)) is the between-authority variation a funnel's limits must
allow for; the planted under-recorders' z is given in units of that spread, with how many planted and
clean authorities fall below -3.09 of those units (a crude last-month check, not the funnel itself).

    python -m benchmarks.funnel_comparators /tmp/keep/seed-7310001 /tmp/keep/seed-7310002 ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import numpy as np

from benchmarks.ground_truth_eval import read_ground_truth

LIMIT = 3.09  # the 99.8% two-sided limit, in units of the clean spread

_ROWS = """
with last as (select max(period) as period from funnel_point)
select f.authority_code, f.observed, f.population, f.expected, a.region_code,
       (select list(n.neighbour_gss_code) from ref_statistical_neighbour as n where n.gss_code = f.authority_code)
from funnel_point as f
join last using (period)
join ref_authority as a on a.gss_code = f.authority_code
where f.measure = 'rate_total_per_10k' and f.expected > 0
"""


def _pooled(codes: list[str], observed: dict, population: dict, code: str) -> float:
    others = [c for c in codes if c in observed and c != code]
    if len(others) < 3:
        return np.nan
    return population[code] * sum(observed[c] for c in others) / sum(population[c] for c in others)


def spread(folder: Path) -> dict[str, dict]:
    """Per comparator: the sd of clean authorities' z and the planted under-recorders' z / sd."""
    with duckdb.connect(str(folder / "oversight.duckdb"), read_only=True) as con:
        rows = con.execute(_ROWS).fetchall()
    planted = {r["authority_code"]: r["problem_type"] for r in read_ground_truth(folder / "ground_truth.csv")}
    observed = {r[0]: r[1] for r in rows}
    population = {r[0]: r[2] for r in rows}
    region = {r[0]: r[4] for r in rows}
    expected = {
        "england": {r[0]: r[3] for r in rows},
        "region": {c: _pooled([k for k in observed if region[k] == region[c]], observed, population, c) for c in observed},
        "neighbours": {r[0]: _pooled(list(r[5] or []), observed, population, r[0]) for r in rows},
    }
    out = {}
    for name, e in expected.items():
        z = {c: 2 * (np.sqrt(observed[c]) - np.sqrt(e[c])) for c in observed if np.isfinite(e[c])}
        sd = float(np.std([v for c, v in z.items() if c not in planted]))
        under = [round(float(z[c]) / sd, 1) for c, t in planted.items() if t == "under_recording" and c in z]
        clean_low = sum(1 for c, v in z.items() if c not in planted and v / sd < -LIMIT)
        out[name] = {"clean_sd": round(sd, 2), "under_recording_z": under,
                     "under_recording_beyond": sum(1 for v in under if v < -LIMIT), "clean_beyond": clean_low}
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders with oversight.duckdb and ground_truth.csv")
    args = parser.parse_args(argv)
    results = {str(folder): spread(folder) for folder in args.folders}
    for folder, by_comparator in results.items():
        for name, r in by_comparator.items():
            print(f"{folder}  {name:10s}  clean sd {r['clean_sd']:.2f}  under-recorders z/sd {r['under_recording_z']}"
                  f"  beyond -{LIMIT}: {r['under_recording_beyond']} planted, {r['clean_beyond']} clean")
    return results


if __name__ == "__main__":
    main()
