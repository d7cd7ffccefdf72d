"""Step drops found against clean authorities alarmed, at each national false-alarm rate.

The operating points behind the decision in docs/methodology.md ("Known limits"): the step-drop
CUSUM's threshold is set for `[sudden_change] false_alarms_per_year` in England; a higher rate finds
more drops sooner and alarms more clean authorities. The power table (benchmarks/change_detection_power)
simulates one authority at a time; this runs the whole pipeline. For each seed it builds the data once
(the demo, or the independent dataset of benchmarks/independent_dataset), then for each rate rescores a
copy of the database with that rate (`etl.scoring.rescore_database` with a what-if TOML) and counts,
from the marts, with the project's evaluator (benchmarks.ground_truth_eval):

- planted step drops flagged within 6 and within 12 months of the step;
- clean authorities with a step-drop alarm, and those whose only flag is that alarm;
- overall recall and precision over clean authorities (every type, not only step drops).

    python -m benchmarks.step_drop_operating_points [--source demo independent] [--seeds 3] [--rates 0.5 1 2 6] [--record]

Plain runs write to test-artifacts/step_drop_operating_points/; `--record` writes the tracked
benchmarks/results/step_drop_operating_points.md and .json (as `make bench` does).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import duckdb

from benchmarks.ground_truth_eval import DEFAULT_SEED as DEMO_SEED
from benchmarks.ground_truth_eval import (DEMO_END, DEMO_START, DETECTORS, RESULTS, _evidence, _found,
                                          build_demo, evaluate_run, read_ground_truth)
from etl.settings import SCORING_CONFIG, fixed_today

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "step_drop_operating_points"
DEFAULT_RATES = (0.5, 1.0, 2.0, 6.0)
LATER_WITHIN_MONTHS = 12
SOURCES = ("demo", "independent")
_RATE_LINE = re.compile(r"^false_alarms_per_year\s*=.*$", re.MULTILINE)


def config_with_rate(toml_text: str, rate: float) -> str:
    """The scoring TOML with `[sudden_change] false_alarms_per_year` set to `rate`, everything else as it is."""
    if rate <= 0:
        raise ValueError(f"a false-alarm rate must be above 0 a year; got {rate}")
    changed, count = _RATE_LINE.subn(f"false_alarms_per_year = {float(rate)!r}", toml_text)
    if count != 1:
        raise ValueError(f"expected one `false_alarms_per_year =` line in the scoring TOML, found {count}")
    return changed


def _found_within(db: Path, truth: Path, months: int) -> int:
    """Planted step drops with a drop flag in one of the first `months` months of the step."""
    planted = {row["authority_code"]: row for row in read_ground_truth(truth) if row["problem_type"] == "step_drop"}
    con = duckdb.connect(str(db), read_only=True)
    try:
        evidence = _evidence(con, DETECTORS["step_drop"])
    finally:
        con.close()
    detector = DETECTORS["step_drop"]._replace(within_months=months)
    return sum(_found(detector, evidence, code, row["period_from"]) for code, row in planted.items())


def _build(source: str, seed: int, work: Path) -> tuple[Path, Path, str | None]:
    """The scored database, its ground truth, and the fixed 'today' it was scored at (None: today)."""
    if source == "demo":
        db, truth, _ = build_demo(work, seed, DEMO_START, DEMO_END)
        return db, truth, None
    from benchmarks.independent_dataset import Settings, _as_of, build

    work.mkdir(parents=True)
    build(work, seed, Settings())
    return work / "oversight.duckdb", work / "ground_truth.csv", _as_of(Settings())


def run_seed(source: str, seed: int, rates: list[float]) -> list[dict]:
    """One row per rate: the step drops found, the clean authorities alarmed, overall recall and precision."""
    from etl.scoring import rescore_database

    shipped_text = SCORING_CONFIG.read_text(encoding="utf-8")
    work = Path(tempfile.mkdtemp(prefix=f"oversight-opp-{source}-{seed}-"))
    rows = []
    try:
        started = time.perf_counter()
        built, truth, as_of = _build(source, seed, work / "build")
        print(f"{source} seed {seed}: built in {time.perf_counter() - started:.0f} s", flush=True)
        for rate in rates:
            db = work / f"rate-{rate:g}.duckdb"
            shutil.copyfile(built, db)
            toml = work / f"scoring-{rate:g}.toml"
            toml.write_text(config_with_rate(shipped_text, rate), encoding="utf-8")
            started = time.perf_counter()
            with fixed_today(as_of) if as_of else nullcontext():
                rescore_database(db, toml)
            rescored = time.perf_counter() - started
            results, summary = evaluate_run(db, truth)
            step = results["step_drop"]  # the evaluator's own: found and missed within STEP_DROP_WITHIN_MONTHS
            only_step = sorted(code for code, kinds in summary["flagged_clean_kinds"].items() if kinds == ["step_drop"])
            rows.append({
                "source": source, "seed": seed, "rate": rate, "planted": step["planted"],
                "found_within_6": step["found"],
                "found_within_12": _found_within(db, truth, LATER_WITHIN_MONTHS),
                "missed_within_6": step["missed"],
                "clean_step_alarmed": step["flagged_clean"], "clean_only_step": only_step,
                "overall_recall": summary["overall_recall"], "precision": summary["precision"],
                "flagged_planted": summary["flagged_planted"], "flagged_clean": len(summary["flagged_clean"]),
                "rescore_s": round(rescored, 1),
            })
            row = rows[-1]
            print(f"  rate {rate:g}: drops within 6 {row['found_within_6']}/{row['planted']}, within 12 {row['found_within_12']}; "
                  f"clean step-alarmed {len(row['clean_step_alarmed'])}; precision {row['precision']} ({rescored:.0f} s)", flush=True)
            db.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def pool_rows(rows: list[dict]) -> list[dict]:
    """Summed over seeds, per source and rate; precision pooled as flagged planted / all flagged."""
    pooled: dict[tuple[str, float], dict] = {}
    for row in rows:
        cell = pooled.setdefault((row["source"], row["rate"]), {
            "source": row["source"], "rate": row["rate"], "seeds": [], "planted": 0, "found_within_6": 0, "found_within_12": 0,
            "clean_step_alarmed": 0, "clean_only_step": 0, "flagged_planted": 0, "flagged_clean": 0})
        cell["seeds"].append(row["seed"])
        for key in ("planted", "found_within_6", "found_within_12", "flagged_planted", "flagged_clean"):
            cell[key] += row[key]
        cell["clean_step_alarmed"] += len(row["clean_step_alarmed"])
        cell["clean_only_step"] += len(row["clean_only_step"])
    for cell in pooled.values():
        flagged = cell["flagged_planted"] + cell["flagged_clean"]
        cell["precision"] = round(cell["flagged_planted"] / flagged, 3) if flagged else None
        cell["recall_within_6"] = round(cell["found_within_6"] / cell["planted"], 3) if cell["planted"] else None
        cell["recall_within_12"] = round(cell["found_within_12"] / cell["planted"], 3) if cell["planted"] else None
    return sorted(pooled.values(), key=lambda c: (SOURCES.index(c["source"]), c["rate"]))


def render(report: dict) -> str:
    shipped = report["shipped_rate"]
    lines = [
        "# Step drops: operating points of the national false-alarm rate",
        "",
        f"Written by `python -m benchmarks.step_drop_operating_points{' --record' if report['recorded'] else ''}` at "
        f"{report['recorded_at']}. Each seed's data is built and scored once, then rescored with "
        "`[sudden_change] false_alarms_per_year` at each rate (everything else as shipped: "
        f"{shipped:g} a year). Counts from the scoring marts with benchmarks/ground_truth_eval's definitions; "
        "a drop counts as found within N months when a `sudden_change` drop flag falls in one of the first N months "
        "of the step. Reading and decision: docs/methodology.md (\"Known limits\").",
        "",
        "| data | seeds | false alarms a year (England) | step drops found within 6 months | within 12 months "
        "| clean authorities with a step-drop alarm | ... whose only flag it is | overall precision (every type) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cell in report["pooled"]:
        marker = " (shipped)" if cell["rate"] == shipped else ""
        lines.append(
            f"| {cell['source']} | {', '.join(map(str, cell['seeds']))} | {cell['rate']:g}{marker} | "
            f"{cell['found_within_6']}/{cell['planted']} ({cell['recall_within_6']}) | "
            f"{cell['found_within_12']}/{cell['planted']} ({cell['recall_within_12']}) | {cell['clean_step_alarmed']} | "
            f"{cell['clean_only_step']} | {cell['precision']} ({cell['flagged_planted']} planted, {cell['flagged_clean']} clean flagged) |"
        )
    lines += ["", "Per seed:", "", "| data | seed | rate | drops within 6 / 12 of planted | missed within 6 | clean step-alarmed (only flag in bold) "
              "| precision | rescore |", "|---|---|---|---|---|---|---|---|"]
    for row in report["rows"]:
        alarmed = ", ".join(f"**{c}**" if c in row["clean_only_step"] else c for c in row["clean_step_alarmed"]) or "none"
        lines.append(f"| {row['source']} | {row['seed']} | {row['rate']:g} | {row['found_within_6']} / {row['found_within_12']} of "
                     f"{row['planted']} | {', '.join(row['missed_within_6']) or 'none'} | {alarmed} | {row['precision']} | {row['rescore_s']} s |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    from etl.scoring.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", nargs="+", choices=SOURCES, default=list(SOURCES), help="which data (default both)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per source (default 3: each source's development seeds)")
    parser.add_argument("--rates", type=float, nargs="+", default=list(DEFAULT_RATES), help="national false alarms a year")
    parser.add_argument("--record", action="store_true", help="write benchmarks/results/step_drop_operating_points.md/.json")
    parser.add_argument("--out", type=Path, help=f"folder for the results when not recording (default {ARTIFACTS.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    from benchmarks.independent_dataset import DEFAULT_SEED as INDEPENDENT_SEED

    first = {"demo": DEMO_SEED, "independent": INDEPENDENT_SEED}
    rows = []
    for source in args.source:
        for index in range(args.seeds):
            rows += run_seed(source, first[source] + index, args.rates)
    report = {
        "recorded": args.record,
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "shipped_rate": float(load_config().section("sudden_change")["false_alarms_per_year"]),
        "rates": args.rates,
        "pooled": pool_rows(rows),
        "rows": rows,
    }
    out = RESULTS if args.record else (args.out or ARTIFACTS)
    out.mkdir(parents=True, exist_ok=True)
    (out / "step_drop_operating_points.md").write_text(render(report), encoding="utf-8")
    (out / "step_drop_operating_points.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render(report), flush=True)
    return report


if __name__ == "__main__":
    main()
