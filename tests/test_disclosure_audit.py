"""An exact audit of the demo's suppression pattern: from everything a viewer may see, can any hidden
count of 1 to 4 be worked out? Solved by linear algebra over the published cells, for the public and
for council viewers (who also know their own counts), independently of the rule that built the pattern."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import polars as pl
import pytest

from benchmarks.disclosure_pooling import exact_pairs, region_blocks
from dashboard import disclosure
from dashboard.queries.disclosure import pattern_inputs
from dashboard.viewer import Viewer


@pytest.fixture(scope="module")
def table(demo_db: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(pattern, relations, membership) of the demo database."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        cells, relations, blocks, membership = pattern_inputs(con)
    finally:
        con.close()
    return disclosure.protect(cells, relations, blocks, coalition=disclosure.COALITION), relations, membership


def _unknown_to(pattern: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    rows = pattern.filter(pl.col("suppressed"))
    if viewer.role == "council":
        rows = rows.filter(pl.col("owner").is_null() | (pl.col("owner") != viewer.authority_code))
    return rows


def _authority_relations(pattern: pl.DataFrame, relations: pl.DataFrame) -> pl.DataFrame:
    kind = pl.col("relation").str.split("|").list.get(0)
    own = pattern.filter(pl.col("level") == "authority").select("cell", "code")
    return relations.filter(kind.is_in(["category", "window", "step"])).join(own, on="cell")


def test_no_authority_series_gives_away_a_hidden_count_to_the_public(table):
    # Every authority, anchored or not: the engine solves only those with a month known to viewers.
    pattern, relations, _ = table
    leaks = _recovered_by_code(pattern, _authority_relations(pattern, relations), Viewer.public())
    assert leaks == [], leaks[:10]


def _recovered_by_code(pattern: pl.DataFrame, own: pl.DataFrame, viewer: Viewer) -> list[str]:
    unknown = set(_unknown_to(pattern, viewer)["cell"].to_list())
    small = set(pattern.filter(disclosure.small(pl.col("value")))["cell"].to_list())
    found = []
    for block in own.partition_by("code"):
        cells = set(block["cell"].to_list())
        if cells & unknown & small:
            found += sorted(disclosure.determined(block.drop("code"), cells & unknown) & small)
    return found


@pytest.mark.parametrize("viewer", ["public", "council"])
def test_no_region_period_gives_away_a_hidden_count(table, viewer):
    pattern, relations, membership = table
    council = pattern.filter((pl.col("level") == "authority") & pl.col("suppressed") & disclosure.small(pl.col("value")))
    who = Viewer.public() if viewer == "public" else Viewer.council(council["code"][0])
    kind = pl.col("relation").str.split("|").list.get(0)
    located = (
        relations.filter(kind.is_in(["area", "category"]))
        .join(pattern.select("cell", "level", "code", "period", "window"), on="cell")
        .join(membership.rename({"authority_code": "code"}), on="code", how="left")
        .with_columns(pl.when(pl.col("level") == "region").then(pl.col("code")).otherwise(pl.col("region_code")).alias("area"))
        .filter(pl.col("area").is_not_null() & (pl.col("level") != "england"))
        .filter(~(kind == "area") | pl.col("relation").str.contains(pl.col("area")))
    )
    if viewer == "council":  # the council's own region is where its knowledge helps
        located = located.filter(pl.col("area") == membership.filter(pl.col("authority_code") == who.authority_code)["region_code"][0])
    blocks = located.select("relation", "cell", "coefficient",
                            pl.concat_str([pl.col("area"), pl.col("period").cast(pl.String), pl.col("window")]).alias("_key"))
    leaks = _recovered_by_key(pattern, blocks, who)
    assert leaks == [], leaks[:10]


def _recovered_by_key(pattern: pl.DataFrame, blocks: pl.DataFrame, viewer: Viewer) -> list[str]:
    unknown = set(_unknown_to(pattern, viewer)["cell"].to_list())
    small = set(pattern.filter(disclosure.small(pl.col("value")))["cell"].to_list())
    found = []
    for block in blocks.partition_by("_key"):
        cells = set(block["cell"].to_list())
        if cells & unknown & small:
            found += sorted(disclosure.determined(block.drop("_key").unique(), cells & unknown) & small)
    return found


def test_a_council_cannot_subtract_its_own_count_and_the_published_ones_from_its_region_total(table):
    pattern, relations, _ = table
    owners = pattern.filter(pl.col("owner").is_not_null())["owner"].unique().sort().to_list()
    area = relations.filter(pl.col("relation").str.starts_with("area|"))
    for owner in owners:
        assert disclosure.unsafe_relations(pattern, area, owner).is_empty(), owner
    assert disclosure.unsafe_relations(pattern, relations, None).is_empty()


def test_no_two_councils_can_subtract_their_pooled_counts_from_any_relation(table):
    """The rule for coalitions of two, checked on every relation: once the cells of the two owners holding
    most of its unknown cells are removed, none is left with exactly one (tests/test_disclosure.py shows
    why checking the top two is enough)."""
    pattern, relations, _ = table
    unknown = relations.select("relation", "cell").unique().join(
        pattern.filter(pl.col("suppressed")).select("cell", "owner"), on="cell")
    totals = unknown.group_by("relation").len("unknowns")
    top_two = (unknown.filter(pl.col("owner").is_not_null()).group_by("relation", "owner").len("owned")
               .sort("owned", "owner", descending=[True, False]).group_by("relation", maintain_order=True).head(2)
               .group_by("relation").agg(pl.col("owned").sum().alias("removed")))
    exposed = totals.join(top_two, on="relation").filter(pl.col("unknowns") - pl.col("removed") == 1)
    assert exposed.is_empty(), exposed.head(10)


def test_no_two_councils_of_the_demo_councils_region_can_solve_a_hidden_count_exactly(table, demo_db):
    """Every pair of councils in the region of the demo council user, every period: the region's rolling
    12-month relations solved by linear algebra with both councils' own counts known."""
    from etl.users import DEMO_USERS

    pattern, relations, membership = table
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        own = con.execute("select authority_code from app_user where username = ?", [DEMO_USERS[2].username]).fetchone()[0]
    finally:
        con.close()
    region = membership.filter(pl.col("authority_code") == own)["region_code"][0]
    codes = membership.filter(pl.col("region_code") == region)["authority_code"].to_list()
    found = exact_pairs(pattern, region_blocks(pattern, relations, membership), membership, math.inf, only_region=region)
    leaks = found["examples"]
    assert found["pairs_checked"] == len(codes) * (len(codes) - 1) // 2 and found["recovered"] == 0
    assert len(codes) >= 3 and leaks == [], leaks[:10]


def test_the_pattern_hides_every_count_of_one_to_four_and_shows_region_and_england_totals(table):
    pattern, _, _ = table
    assert pattern.filter(disclosure.small(pl.col("value")) & ~pl.col("suppressed")).is_empty()
    totals = pattern.filter(pl.col("level").is_in(["region", "england"]) & (pl.col("series") == "total"))
    assert totals["suppressed"].sum() == 0


@pytest.mark.slow  # on the full demo database (built once per session); kept in make test
def test_a_completeness_causes_points_give_back_its_months_count_so_only_entitled_viewers_get_them(demo_db):
    """Why they are withheld (docs/methodology.md, "Points lost"): for the first 12 authorities by code whose
    rolling-12 rate the public sees, each `not_recorded` cause's points x the sections x the window's
    concerns (rate x population) / 100 is that month's NOT_RECORDED count exactly; the public gets `c`."""
    from conftest import DEMO_END

    from dashboard import database
    from dashboard.queries import authority
    from dashboard.viewer import viewing_as
    from etl.periods import parse_period
    from etl.scoring.config import load_config

    sections = len(load_config().raw["completeness"]["sections"])
    period = parse_period(DEMO_END)
    database.configure(demo_db)  # so the suppression pattern is built once for every call below, as when served
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        concerns = dict(con.execute(
            "select authority_code, observed from funnel_point where measure = $m and period = $p order by 1",
            {"m": disclosure.TOTAL_MEASURE, "p": period}).fetchall())
        published, causes, recovered, small = [], 0, 0, 0
        for code in concerns:
            with viewing_as(Viewer.public()):
                spine = authority.spine(con, code, period, "rolling12").filter(pl.col("measure") == disclosure.TOTAL_MEASURE)
            if spine.height and spine["authority"][0] is not None:
                published.append(code)
            if len(published) == 12:
                break
        for code in published:
            cause = pl.col("rule_id").str.starts_with("not_recorded.")
            everything = authority.components(con, code, period, "rolling12").filter(cause)
            with viewing_as(Viewer.public()):
                public = authority.components(con, code, period, "rolling12").filter(cause)
            assert public["points_lost"].is_null().all() and (public["disclosure"] == "c").all()
            for row in everything.iter_rows(named=True):
                truth = con.execute(
                    "select sum(c.count) from submission as s join return_count as c using (submission_id) "
                    "where s.authority_code = $a and s.period = $p and s.is_current and c.section = $s "
                    "and c.category = 'NOT_RECORDED'",
                    {"a": code, "p": row["source_period"], "s": row["rule_id"].split(".", 1)[1]}).fetchone()[0]
                causes += 1
                recovered += math.isclose(row["points_lost"] * sections * concerns[code] / 100, truth, abs_tol=1e-6)
                small += disclosure.is_small(truth)
    finally:
        con.close()
        database.reset()
    print(f"{len(published)} authorities, {causes} not_recorded causes, {recovered} give back their month's "
          f"count exactly, {small} of those counts 1-4")
    assert len(published) == 12 and causes > 0 and recovered == causes and small > 0
