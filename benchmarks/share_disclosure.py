"""What disclosure control withholds of the observed-practice shares, and what it costs.

For one database: how many authorities' 12-month share numerators are 1 to 4 in its latest period (why
an authority's shares are never published to a viewer not entitled to it), the cells of the shares'
suppression pattern by level and reason (`dashboard.disclosure.share_cells` + `protect`, as
`dashboard.queries.disclosure.build_pattern` serves them), and the time to build that pattern.

Run: `.venv/bin/python -m benchmarks.share_disclosure --db data/oversight.duckdb` (the database `make
run` builds). Results go to benchmarks/results/share_disclosure.md and .json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from dashboard import disclosure
from dashboard.queries.disclosure import pattern_counts

RESULTS = Path(__file__).resolve().parent / "results"


def measure(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        started = time.perf_counter()
        counts, membership = pattern_counts(con)
        read_s = time.perf_counter() - started
    finally:
        con.close()
    started = time.perf_counter()
    cells, relations = disclosure.share_cells(counts, membership)
    pattern = disclosure.protect(cells, relations, coalition=disclosure.COALITION)
    build_s = time.perf_counter() - started
    shares = counts.filter(pl.col("measure").is_in(list(disclosure.SHARE_MEASURES)))
    latest = shares["period"].max()
    small = (
        shares.filter((pl.col("level") == "authority") & (pl.col("period") == latest) & pl.col("numerator").is_not_null())
        .group_by("measure").agg(disclosure.small(pl.col("numerator")).mean().round(2).alias("share_small"),
                                 pl.len().alias("authorities"))
        .sort("measure")
    )
    by_reason = (pattern.group_by("level", pl.col("reason").fill_null("shown")).len()
                 .sort("level", "reason"))
    return {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.machine(),
        "python": platform.python_version(), "latest_period": str(latest),
        "small_numerators": small.to_dicts(), "cells_by_level_and_reason": by_reason.to_dicts(),
        "cells": cells.height, "relation_rows": relations.height,
        "read_seconds": round(read_s, 2), "pattern_seconds": round(build_s, 2),
    }


def write(result: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "share_disclosure.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lines = ["# Disclosure control of the observed-practice shares", "",
             f"Measured {result['measured']} on {result['machine']}, {result['python']} "
             "(`python -m benchmarks.share_disclosure --db data/oversight.duckdb`). "
             f"{result['cells']:,} cells, {result['relation_rows']:,} relation rows; counts read with the rates' in "
             f"{result['read_seconds']} s, share pattern built in {result['pattern_seconds']} s.", "",
             f"Authorities whose 12-month numerator is 1 to 4, {result['latest_period']}:", "",
             "| share | authorities | numerator 1-4 |", "|---|---|---|"]
    lines += [f"| {row['measure']} | {row['authorities']} | {row['share_small']:.0%} |" for row in result["small_numerators"]]
    lines += ["", "Cells of the shares' pattern (every period):", "", "| level | reason | cells |", "|---|---|---|"]
    lines += [f"| {row['level']} | {row['reason']} | {row['len']:,} |" for row in result["cells_by_level_and_reason"]]
    (RESULTS / "share_disclosure.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    result = measure(parser.parse_args().db)
    write(result)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
