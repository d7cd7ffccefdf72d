"""Two councils pooling what they are each entitled to see: can they work out a hidden count of 1 to 4?

Disclosure control protects every count against one viewer's differencing (the public, or one council
that also knows its own counts). This measures what it would take to protect against two councils of
the SAME region pooling their own counts (councils in different regions gain nothing from each other:
every region relation holds one region's authorities, and the England relation only region totals):

1. the rule check: relations that leave exactly one unknown cell once the cells of any two owners are
   removed (cheap: polars over every relation);
2. the exact check: for every same-region pair, every region x period block of rolling 12-month
   relations solved by linear algebra (`dashboard.disclosure.determined`), as
   tests/test_disclosure_audit.py does for one council;
for both patterns: the single-viewer rule of the GSS guidance (`protect(..., coalition=1)`) and the rule
generalised to coalitions of two (`coalition=2`, what the service serves: `disclosure.COALITION`), with
the build time and the cells each hides.

Run: `.venv/bin/python -m benchmarks.disclosure_pooling --db path/to/oversight.duckdb`.
Results go to benchmarks/results/disclosure_pooling.md and .json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from dashboard import disclosure
from dashboard.queries.disclosure import pattern_inputs

RESULTS = Path(__file__).resolve().parent / "results"


def pair_unsafe_relations(pattern: pl.DataFrame, relations: pl.DataFrame) -> pl.DataFrame:
    """Relations left with exactly one unknown cell once the two owners with most unknown cells in it
    know theirs (the worst pair for each relation; any pair leaving one unknown is found this way or
    by a single owner, which the single-viewer rule already prevents)."""
    unknown = relations.select("relation", "cell").unique().join(
        pattern.filter(pl.col("suppressed")).select("cell", "owner"), on="cell")
    totals = unknown.group_by("relation").len("unknowns")
    top_two = (unknown.filter(pl.col("owner").is_not_null()).group_by("relation", "owner").len("owned")
               .sort("owned", "owner", descending=[True, False])
               .group_by("relation", maintain_order=True).head(2)
               .group_by("relation").agg(pl.col("owned").sum().alias("removed"), pl.col("owner").alias("owners")))
    return (totals.join(top_two, on="relation")
            .filter((pl.col("unknowns") - pl.col("removed") == 1) & (pl.col("owners").list.len() == 2)))


def region_blocks(pattern: pl.DataFrame, relations: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    kind = pl.col("relation").str.split("|").list.get(0)
    return (
        relations.filter(kind.is_in(["area", "category"]))
        .join(pattern.select("cell", "level", "code", "period", "window"), on="cell")
        .filter(pl.col("window") == "rolling12")
        .join(membership.rename({"authority_code": "code"}), on="code", how="left")
        .with_columns(pl.when(pl.col("level") == "region").then(pl.col("code")).otherwise(pl.col("region_code")).alias("area"))
        .filter(pl.col("area").is_not_null() & (pl.col("level") != "england"))
        .filter(~(kind == "area") | pl.col("relation").str.contains(pl.col("area")))
        .select("relation", "cell", "coefficient", "area", pl.col("period").cast(pl.String).alias("period"))
    )


def exact_pairs(pattern: pl.DataFrame, blocks: pl.DataFrame, membership: pl.DataFrame,
                budget_s: float, only_region: str | None = None) -> dict:
    """Every same-region pair (of `only_region`, or of every region, until `budget_s` runs out): hidden
    counts of 1-4 the pair can solve."""
    small = set(pattern.filter(disclosure.small(pl.col("value")))["cell"].to_list())
    suppressed = pattern.filter(pl.col("suppressed")).select("cell", "owner")
    if only_region is not None:
        membership = membership.filter(pl.col("region_code") == only_region)
    regions = membership.group_by("region_code").agg(pl.col("authority_code").sort()).sort("region_code")
    by_area = {key[0]: part for key, part in blocks.partition_by(["area"], as_dict=True).items()}
    pairs = [(region, a, b) for region, codes in regions.iter_rows() for a, b in itertools.combinations(codes, 2)]
    done, recovered, started = 0, [], time.perf_counter()
    for region, a, b in pairs:
        if time.perf_counter() - started > budget_s:
            break
        unknown = set(suppressed.filter(pl.col("owner").is_null() | ~pl.col("owner").is_in([a, b]))["cell"].to_list())
        area = by_area.get(region)
        if area is not None:
            for block in area.partition_by("period"):
                cells = set(block["cell"].to_list())
                if cells & unknown & small:
                    found = disclosure.determined(block.select("relation", "cell", "coefficient").unique(), cells & unknown) & small
                    recovered += [(a, b, cell) for cell in sorted(found)]
        done += 1
    elapsed = time.perf_counter() - started
    return {"pairs": len(pairs), "pairs_checked": done, "seconds": round(elapsed, 1),
            "seconds_per_pair": round(elapsed / max(done, 1), 3),
            "estimated_seconds_all_pairs": round(elapsed / max(done, 1) * len(pairs), 0),
            "recovered": len(recovered), "pairs_recovering": len({(a, b) for a, b, _ in recovered}),
            "examples": [f"{a}+{b}: {cell}" for a, b, cell in recovered[:5]]}


def measure(db: Path, budget_s: float) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cells, relations, blocks, membership = pattern_inputs(con)
    finally:
        con.close()
    runs = {}
    for coalition in (1, 2):
        name = ("one viewer (GSS rule)" if coalition == 1 else f"any {coalition} councils pooling") + \
            (" (served)" if coalition == disclosure.COALITION else "")
        started = time.perf_counter()
        pattern = disclosure.protect(cells, relations, blocks, coalition=coalition)
        build_s = time.perf_counter() - started
        published_windows = pattern.filter((pl.col("level") == "authority") & (pl.col("window") == "rolling12")
                                           & (pl.col("series") == "total") & pl.col("published"))
        started = time.perf_counter()
        unsafe = pair_unsafe_relations(pattern, relations)
        rule_s = time.perf_counter() - started
        exact = exact_pairs(pattern, region_blocks(pattern, relations, membership), membership, budget_s)
        runs[name] = {
            "pattern_seconds": round(build_s, 1),
            "suppressed_cells": int(pattern["suppressed"].sum()),
            "secondary_cells": int((pattern["reason"] == "secondary").sum()),
            "full_windows_shown_to_public": int((~published_windows["suppressed"]).sum()),
            "full_windows": published_windows.height,
            "pair_unsafe_relations": unsafe.height,
            "pair_rule_check_seconds": round(rule_s, 2),
            "exact_pair_audit": exact,
        }
    return {"measured": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.machine(),
            "python": platform.python_version(), "cells": cells.height, "relation_rows": relations.height, "runs": runs}


def write(result: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "disclosure_pooling.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lines = ["# Two councils pooling their own counts", "",
             f"Measured {result['measured']} on {result['machine']}, {result['python']} "
             "(`python -m benchmarks.disclosure_pooling`). "
             f"{result['cells']:,} cells, {result['relation_rows']:,} relation rows.", "",
             "| pattern | build | cells hidden (secondary) | full 12-month totals shown to the public | relations a same-region pair can solve by the rule | exact pair audit: pairs checked / all, time | counts of 1-4 a pair recovers (pairs) |",
             "|---|---|---|---|---|---|---|"]
    for name, run in result["runs"].items():
        exact = run["exact_pair_audit"]
        lines.append(
            f"| {name} | {run['pattern_seconds']} s | {run['suppressed_cells']:,} ({run['secondary_cells']:,}) | "
            f"{run['full_windows_shown_to_public']:,} of {run['full_windows']:,} | {run['pair_unsafe_relations']:,} | "
            f"{exact['pairs_checked']:,} / {exact['pairs']:,} in {exact['seconds']} s "
            f"({exact['seconds_per_pair']} s a pair; all pairs about {exact['estimated_seconds_all_pairs']:.0f} s) | "
            f"{exact['recovered']:,} ({exact['pairs_recovering']:,}) |")
    (RESULTS / "disclosure_pooling.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of exact pair checks per pattern")
    args = parser.parse_args()
    result = measure(args.db, args.budget)
    write(result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
