"""What disclosure control withholds of the observed-practice shares, and what it costs.

For one database: how many authorities' 12-month share numerators are 1 to 4 in its latest period (why
an authority's shares are never published to a viewer not entitled to it), the cells of the shares'
suppression pattern by level and reason (`dashboard.disclosure.share_cells` + `protect`, as
`dashboard.queries.disclosure.build_pattern` serves them), and the time to build that pattern.

And what the completeness score, which stays visible, gives back to the public (docs/methodology.md,
"Points lost", limit): for each authority whose rolling-12 count of concerns the public sees in the latest
period, (100 - score) x sections x concerns / 100 is the window's count of answers recorded as
NOT_RECORDED; how often that count is 1 to 4, and how often it equals the concern-type NOT_RECORDED
numerator, which the shares withhold.

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
from dashboard.queries.disclosure import hidden, pattern_counts
from dashboard.viewer import Viewer
from etl.scoring.config import load_config

RESULTS = Path(__file__).resolve().parent / "results"


def measure(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        started = time.perf_counter()
        counts, membership = pattern_counts(con)
        read_s = time.perf_counter() - started
        completeness = completeness_given_back(con)
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
        "completeness_given_back": completeness,
    }


def completeness_given_back(con: duckdb.DuckDBPyConnection) -> dict:
    """What the public can work out from each authority's rolling-12 completeness score in the latest
    period, where the public sees that authority's rolling-12 count of concerns (see the module docstring)."""
    sections = len(load_config().raw["completeness"]["sections"])
    period = con.execute("select max(period) from score").fetchone()[0]
    rows = con.execute(
        """
        select s.authority_code, s.score, s.denominator - s.numerator as not_recorded, f.observed as concerns,
               m.numerator as concern_type_not_recorded
        from score as s
        join funnel_point as f on f.authority_code = s.authority_code and f.period = s.period and f.measure = $total
        left join measure_value as m on m.level = 'authority' and m.code = s.authority_code and m.period = s.period
             and m."window" = 'rolling12' and m.measure = 'share_concern_type_not_recorded'
        where s.period = $p and s."window" = 'rolling12' and s.dimension = 'completeness' and s.score is not null
        order by s.authority_code
        """,
        {"p": period, "total": disclosure.TOTAL_MEASURE},
    ).fetchall()
    withheld = hidden(con, Viewer.public()).filter(
        (pl.col("level") == "authority") & (pl.col("period") == period) & (pl.col("window") == "rolling12")
        & (pl.col("series") == "total"))
    not_published = set(withheld["code"].to_list())
    published = recovered = small = share_small = share_given_back = 0
    for code, score, not_recorded, concerns, share_numerator in rows:
        if code in not_published:
            continue  # the public does not see this authority's count of concerns
        published += 1
        worked_out = (100 - score) * sections * concerns / 100
        # the stored score has 6 decimals: the worked-out count is within 5e-8 x concerns of a whole number
        exact = round(worked_out) == round(not_recorded) and abs(worked_out - round(worked_out)) < 0.01
        recovered += exact
        small += exact and disclosure.is_small(round(worked_out))
        if share_numerator is not None and disclosure.is_small(share_numerator):
            share_small += 1
            share_given_back += exact and round(worked_out) == share_numerator
    return {"period": str(period), "authorities": len(rows), "count_published": published,
            "not_recorded_worked_out": recovered, "not_recorded_1_4": small,
            "share_numerator_1_4": share_small, "share_numerator_given_back": share_given_back}


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
    given = result["completeness_given_back"]
    lines += ["", f"What the rolling-12 completeness score gives back to the public, {given['period']} "
              "((100 - score) x sections x concerns / 100, where the public sees the authority's count of concerns):", "",
              "| authorities scored | count of concerns published | NOT_RECORDED answers worked out exactly | of those 1-4 "
              "| concern-type NOT_RECORDED numerator 1-4 (withheld) | ... given back exactly by the score |",
              "|---|---|---|---|---|---|",
              f"| {given['authorities']} | {given['count_published']} | {given['not_recorded_worked_out']} "
              f"| {given['not_recorded_1_4']} | {given['share_numerator_1_4']} | {given['share_numerator_given_back']} |"]
    (RESULTS / "share_disclosure.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    result = measure(parser.parse_args().db)
    write(result)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
