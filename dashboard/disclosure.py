"""Disclosure control: which counts a viewer may not see, and the frames they get instead (pure functions).

Rules (docs/methodology.md, "Disclosure control"; GSS/ONS small-count practice, DfE symbols):
- Primary suppression: a count of 1 to 4 about an authority the viewer is not entitled to is shown as
  `c` (DfE: confidential). Zero is shown: it reveals nothing about a person.
- Secondary suppression: a suppressed cell must not be recoverable by subtraction. Every published
  total is a *relation* among cells (a region total and its authorities, England and its regions, a
  total and its breakdown, a rolling 12-month window and its months, two consecutive windows and the
  month that enters and the month that leaves). In every relation that holds exactly one unknown
  cell, the next smallest cell is suppressed too, and this is repeated until nothing changes
  (FIELD-NOTES, "Disclosure control"). A council viewer knows its own cells, so a relation must not
  hold exactly one unknown cell *after removing the cells of any one authority* either; otherwise
  "region total - own count - other published counts" recovers a neighbour's count. The served pattern
  goes further (COALITION = 2): no relation may hold exactly one unknown cell after removing the cells of
  any two authorities, so two councils pooling their own counts recover nothing either.
- The pattern is computed once, on the full national table, for viewers who know nothing (public);
  each viewer then sees the cells they are entitled to in full and every other cell as published,
  so the same cells are suppressed on every page and in every export (cross-page differencing fails).
- Rates, intervals, ranks, z-scores and significance flags computed from a suppressed count are not
  shown; scores (not counts) stay visible.
- Observed-practice shares (a count out of a count: concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT out
  of all concerns, say) give their numerator away with their denominator, which for the concern shares
  is the authority's published rolling total, and most authorities' numerators are 1 to 4. So an
  authority's shares are never published to a viewer not entitled to it (`share_cells`: unpublished,
  like its single months), nor are the neighbours' averages and England distributions made of them.
  A region's or England's share is withheld when its numerator, or its denominator less its numerator,
  is 1 to 4, and secondary suppression runs over region = its authorities and England = its regions.
- Symbols (GSS/DfE): `c` for a value withheld from the viewer, `x` for a value that does not exist (no
  return, nothing to calculate from). A row can hold both: only its WITHHELD_COLUMNS read `c`.

The engine (`protect`) works on any cells and relations; `rate_cells` builds them for the dashboard's
count-based measures. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from etl.scoring.config import EVIDENCE_MEASURES

SUPPRESSED = "c"
NOT_AVAILABLE = "x"  # GSS/DfE: a value that does not exist (not recorded, cannot be calculated), never withheld
SMALL_MIN = 1
SMALL_MAX = 4

# Count-based measures: measure_value.numerator is a count of concerns. The total is split into the
# under-18s and everyone else ("other", never shown, but total - under-18s gives it away).
TOTAL_MEASURE = "rate_total_per_10k"
PART_MEASURES = ("rate_under18_per_10k",)
OTHER_SERIES = "other"
COUNT_MEASURES = (TOTAL_MEASURE, *PART_MEASURES)
# Observed-practice shares (etl.scoring.config.EVIDENCE_MEASURES): measure_value.numerator out of
# measure_value.denominator, each its own series of cells.
SHARE_MEASURES = EVIDENCE_MEASURES
WINDOWS = ("month", "rolling12")
# One linear relation between cells per row: sum of coefficient x cell = 0 within each relation.
RELATION_SCHEMA = {"relation": pl.String, "cell": pl.String, "coefficient": pl.Int8}
# The served pattern protects against two councils pooling what they each see (their own counts in full,
# everyone else's as published), not only one viewer: on the demo it costs 745 more hidden cells and no
# build time (benchmarks/results/disclosure_pooling.md; docs/methodology.md).
COALITION = 2
ENGLAND = "E92000001"

# The columns disclosure control may withhold: counts and what is computed from them (rates, intervals,
# ranks, z-scores, funnel flags), by the names the data-access layer gives them. In a row marked `c`, a
# null in one of these is withheld (`c`); a null anywhere else is a value that does not exist (`x`).
# `mask_columns` refuses any other column, so this list cannot fall behind what is masked.
WITHHELD_COLUMNS = frozenset({
    "value", "lower", "upper", "basis", "rank",  # a measure's value, its interval and rank
    "observed", "rate", "z", "flag", "flag_text", "funnel_flag",  # funnel points
    "authority", "authority_rank", "region", "neighbours",  # the spine: one measure against comparators
    "minimum", "q1", "median", "q3", "maximum",  # ... and England's spread of it
    "sent", "received", "difference",  # transfers
    "concerns", "count", "numerator",  # counts by any of their names
    "points_lost", "composite_points", "points",  # points lost to a cause that counts concerns or records
    *COUNT_MEASURES, *SHARE_MEASURES,  # a count-based measure as a column of its own (the region table, the map)
})


def is_small(value: object) -> bool:
    """A count that primary suppression hides (1 to 4)."""
    return isinstance(value, (int, float)) and SMALL_MIN <= value <= SMALL_MAX


def small(expr: pl.Expr) -> pl.Expr:
    return (expr >= SMALL_MIN) & (expr <= SMALL_MAX)


def primary(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """Counts 1-4 in `columns` replaced by 'c' (the columns become text). Primary suppression only."""
    return frame.with_columns(
        pl.when(small(pl.col(name))).then(pl.lit(SUPPRESSED)).otherwise(pl.col(name).cast(pl.String)).alias(name)
        for name in columns
    )


# ---- the engine ---------------------------------------------------------------------------------

def protect(cells: pl.DataFrame, relations: pl.DataFrame, blocks: pl.DataFrame | None = None,
            max_rounds: int = 10_000, coalition: int = 1) -> pl.DataFrame:
    """The suppression pattern of a table: primary, then secondary until no relation gives a cell away.

    `cells`: cell (str, unique), owner (str or null: the authority whose count it is; null for totals
    nobody owns), value (number), published (bool: False for cells never shown but derivable, which
    count as unknown from the start), priority (int: lower is suppressed first as a secondary cell, so
    authority cells go before region totals).
    `relations`: relation, cell (and coefficient, for `blocks`): the cells of each relation (one linear
    equation: sum of coefficient x value = 0, e.g. parts +1 and their total -1).
    `blocks` (optional): block, relation: groups of relations solved together exactly (see below).

    Returns `cells` with `suppressed` (bool: unknown to a viewer who is not the owner) and `reason`
    (`primary`, `secondary`, `unpublished` or null).

    1. The rule (FIELD-NOTES): a relation is unsafe when the number of unknown cells in it, less those
       of any one owner (a council knows its own), is exactly 1. It is made safe by suppressing its
       smallest known cell not owned by that owner, preferring non-zero cells and lower priority. Every
       unsafe relation gains one cell per round; rounds repeat until none is unsafe.
       `coalition` = 2 applies the rule to any two owners pooling their cells (two councils sharing what
       they each know); the default, 1, is the single viewer of the GSS guidance (docs/methodology.md,
       "Two councils pooling their counts", for why and what the stronger rule costs).
    2. The rule looks at one relation at a time, but differences of relations (two overlapping rolling
       windows less their shared months, say) can still pin a cell down. So each block of relations is
       then solved exactly (`determined`); while a small count is determined, the smallest known cell of
       a relation holding it is suppressed too. Steps 1 and 2 repeat until neither adds a cell.
    Deterministic: ties break on the cell name.
    """
    state = cells.with_columns(
        pl.when(~pl.col("published")).then(pl.lit("unpublished"))
        .when(small(pl.col("value"))).then(pl.lit("primary"))
        .otherwise(pl.lit(None, dtype=pl.String)).alias("reason")
    )
    unknown = set(state.filter(pl.col("reason").is_not_null())["cell"].to_list())
    initial = set(unknown)
    sensitive = set(state.filter(small(pl.col("value")))["cell"].to_list())
    for _ in range(max_rounds):
        unknown = _apply_rule(cells, relations, unknown, max_rounds, coalition)
        if blocks is None:
            break
        added = _exact_pass(cells, relations, blocks, unknown, sensitive)
        if not added:
            break
        unknown |= added
    secondary = sorted(unknown - initial)
    return state.with_columns(
        pl.when(pl.col("reason").is_null() & pl.col("cell").is_in(secondary))
        .then(pl.lit("secondary")).otherwise(pl.col("reason")).alias("reason")
    ).with_columns(pl.col("reason").is_not_null().alias("suppressed"))


def _apply_rule(cells: pl.DataFrame, relations: pl.DataFrame, unknown_names: set[str], max_rounds: int,
                coalition: int = 1) -> set[str]:
    """Step 1 of `protect`: the unknown cells once no relation leaves one unknown (for anyone, or any
    `coalition` owners pooling their cells).

    Owners who together hold the most unknown cells of a relation remove the most; if the top j owners
    (j <= coalition) leave exactly one unknown, the relation is unsafe and its new cell must be owned by
    none of them. Checking the top j for each j is enough: any set of j owners removes no more than the
    top j, and one that removes exactly (unknowns - 1) while the top j remove all of them is found at a
    smaller j."""
    # Integer ids for cells, relations and owners keep each round's joins and filters cheap.
    ids = cells.select("cell").with_row_index("cid")
    owners = cells.select(pl.col("owner").drop_nulls().unique().sort()).with_row_index("oid")
    static = (
        relations.select("relation", "cell").unique()
        .with_columns(pl.col("relation").rank("dense").cast(pl.UInt32).alias("relation"))
        .join(cells.select("cell", "owner", "value", "priority"), on="cell", how="inner")
        .join(ids, on="cell").join(owners, on="owner", how="left")
        .select("relation", pl.col("cid").alias("cell"), pl.col("oid").alias("owner"), "value", "priority",
                pl.col("cell").alias("name"))
    )
    unknown = set(ids.filter(pl.col("cell").is_in(sorted(unknown_names)))["cid"].to_list())
    dirty = static  # only relations that gained an unknown cell can have become unsafe
    for _round in range(max_rounds):
        joined = dirty.with_columns(pl.col("cell").is_in(list(unknown)).alias("unknown"))
        totals = joined.group_by("relation").agg(pl.col("unknown").sum().alias("unknowns"))
        ranked = (
            joined.filter(pl.col("unknown") & pl.col("owner").is_not_null())
            .group_by("relation", "owner").len("owned")
            .sort("relation", "owned", "owner", descending=[False, True, False])
            .with_columns(pl.int_range(pl.len()).over("relation").alias("j"))
            .filter(pl.col("j") < coalition)
            .with_columns(pl.col("owned").cum_sum().over("relation").alias("removed"))
        )
        # The smallest j whose top j owners leave exactly one unknown: those owners must not own the new cell.
        hit = (
            ranked.join(totals, on="relation")
            .filter((pl.col("unknowns") >= 2) & (pl.col("unknowns") - pl.col("removed") == 1))
            .group_by("relation").agg(pl.col("j").min().alias("hit"))
        )
        avoid = (
            ranked.join(hit, on="relation").filter(pl.col("j") <= pl.col("hit"))
            .select("relation", "owner")
        )
        # A single unknown cell: a cell of the same owner would leave that owner one unknown again next
        # round, so prefer another owner's cell straight away.
        lone = (
            joined.filter(pl.col("unknown") & pl.col("owner").is_not_null())
            .join(totals.filter(pl.col("unknowns") == 1).select("relation"), on="relation")
            .select("relation", "owner")
        )
        unsafe = pl.concat([totals.filter(pl.col("unknowns") == 1).select("relation"), hit.select("relation")]).unique()
        avoided = pl.concat([avoid, lone]).unique().with_columns(pl.lit(True).alias("_same"))
        candidates = (
            joined.filter(~pl.col("unknown"))
            .join(unsafe, on="relation")
            .join(avoided, on=["relation", "owner"], how="left")
            .with_columns(
                pl.col("_same").fill_null(False),
                (pl.col("value") == 0).alias("_zero"),
                pl.col("value").abs().alias("_size"),
            )
            .sort("relation", "_same", "_zero", "priority", "_size", "name")
            .group_by("relation", maintain_order=True).first()
        )
        chosen = set(candidates["cell"].to_list()) - unknown
        if not chosen:  # safe, or unsafe only where every cell is already unknown (nothing more can help)
            return set(ids.filter(pl.col("cid").is_in(list(unknown)))["cell"].to_list())
        unknown |= chosen
        touched = static.filter(pl.col("cell").is_in(list(chosen)))["relation"].unique().to_list()
        dirty = static.filter(pl.col("relation").is_in(touched))
    raise RuntimeError("secondary suppression did not settle; report this as a bug")


def _exact_pass(cells: pl.DataFrame, relations: pl.DataFrame, blocks: pl.DataFrame, unknown: set[str],
                sensitive: set[str]) -> set[str]:
    """Step 2 of `protect`: cells to suppress so that no small count is determined within any block."""
    import numpy as np

    rows = (
        blocks.join(relations.select("relation", "cell", "coefficient"), on="relation")
        .join(cells.select("cell", "value", "priority"), on="cell")
        .with_columns(pl.col("cell").is_in(sorted(unknown)).alias("_unknown"),
                      pl.col("cell").is_in(sorted(sensitive)).alias("_sensitive"))
    )
    # Only blocks where a small count is unknown and some cell is known can give one away.
    worth = rows.group_by("block").agg((pl.col("_unknown") & pl.col("_sensitive")).any().alias("a"),
                                       (~pl.col("_unknown")).any().alias("b")).filter(pl.col("a") & pl.col("b"))
    rows = (
        rows.join(worth.select("block"), on="block")
        .with_columns((pl.col("cell").rank("dense").over("block") - 1).cast(pl.Int64).alias("_c"),
                      (pl.col("relation").rank("dense").over("block") - 1).cast(pl.Int64).alias("_r"))
        .sort("block", "_c")
    )
    added: set[str] = set()
    for block in rows.partition_by("block", maintain_order=True):
        first = block.unique("_c", keep="first", maintain_order=True).sort("_c")
        names = first["cell"].to_list()
        is_unknown = first["_unknown"].to_numpy().copy()
        is_sensitive = first["_sensitive"].to_numpy()
        order_key = list(zip((first["value"] == 0).to_list(), first["priority"].to_list(),
                             first["value"].abs().to_list(), names))
        matrix = np.zeros((int(block["_r"].max()) + 1, len(names)))
        np.add.at(matrix, (block["_r"].to_numpy(), block["_c"].to_numpy()), block["coefficient"].to_numpy())
        while True:
            exposed = _determined_columns(matrix, is_unknown) & is_sensitive
            if not exposed.any():
                break
            holding = np.abs(matrix[:, exposed]).sum(axis=1) > 0
            near = (np.abs(matrix[holding]).sum(axis=0) > 0) & ~is_unknown
            if not near.any():  # every cell around it is already unknown; nothing more can help
                break
            choice = min(np.flatnonzero(near), key=lambda c: order_key[c])
            is_unknown[choice] = True
            added.add(names[int(choice)])
    return added


def _determined_columns(matrix, is_unknown):
    """Which unknown columns the relations fix: those whose unit vector lies in the row space of the
    relations restricted to the unknown cells (its projection onto that space has length 1)."""
    import numpy as np

    result = np.zeros(matrix.shape[1], dtype=bool)
    columns = np.flatnonzero(is_unknown)
    if columns.size == 0:
        return result
    sub = matrix[:, columns]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    if sub.shape[0] == 0:
        return result
    _, singular, vt = np.linalg.svd(sub, full_matrices=False)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))).sum())
    projection = (vt[:rank] ** 2).sum(axis=0)
    result[columns] = projection > 1 - 1e-7
    return result


def unsafe_relations(cells: pl.DataFrame, relations: pl.DataFrame, known_owner: str | None = None) -> pl.DataFrame:
    """Relations that leave exactly one unknown cell for a viewer who knows `known_owner`'s cells.

    `cells` needs cell, owner and suppressed. An audit: after `protect` it is empty for every owner.
    """
    unknown = cells.filter(pl.col("suppressed"))
    if known_owner is not None:
        unknown = unknown.filter(pl.col("owner").is_null() | (pl.col("owner") != known_owner))
    counts = relations.join(unknown.select("cell"), on="cell").group_by("relation").len("unknowns")
    return counts.filter(pl.col("unknowns") == 1)


def determined(relations: pl.DataFrame, unknown: Iterable[str]) -> set[str]:
    """The unknown cells whose value the published cells pin down exactly (linear algebra, no rule of thumb).

    `relations`: relation, cell, coefficient (sum of coefficient x value = 0 in each relation); every cell
    not in `unknown` is taken as known. A cell u is determined when every solution of the relations
    restricted to the unknown cells gives it the same value, i.e. its column is zero in every vector of
    their null space. Dense SVD: meant for blocks of up to a few thousand unknown cells (audits, tests).
    """
    import numpy as np

    unknown = sorted(set(unknown))
    if not unknown:
        return set()
    rows = relations.filter(pl.col("relation").is_in(relations.filter(pl.col("cell").is_in(unknown))["relation"].unique().to_list()))
    names = sorted(set(rows["cell"].to_list()) | set(unknown))
    index = {name: i for i, name in enumerate(names)}
    local = rows.with_columns(pl.col("cell").replace_strict(index, return_dtype=pl.Int64).alias("_c"),
                              (pl.col("relation").rank("dense") - 1).alias("_r"))
    matrix = np.zeros((int(local["_r"].max() or 0) + 1, len(names)))
    if local.height:
        np.add.at(matrix, (local["_r"].to_numpy(), local["_c"].to_numpy()), local["coefficient"].to_numpy())
    is_unknown = np.array([name in set(unknown) for name in names])
    fixed = _determined_columns(matrix, is_unknown)
    return {name for name, f in zip(names, fixed) if f}


# ---- the dashboard's count table ----------------------------------------------------------------

def _cell_id(level: pl.Expr, code: pl.Expr, period: pl.Expr, window: pl.Expr, series: pl.Expr) -> pl.Expr:
    return pl.concat_str([level, code, period.cast(pl.String), window, series], separator="|")


def rate_cells(counts: pl.DataFrame, membership: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Cells, relations and blocks (for `protect`) of the count-based measures.

    `counts`: level (authority | region | england), code, period (date), window (month | rolling12),
    measure (one of COUNT_MEASURES), numerator (the count). `membership`: authority_code, region_code.

    Series: `total`, each part (`under18`), and `other` = total - parts (never shown for an authority,
    but derivable, so a small one is protected like any other count; as a secondary cell it is chosen
    first, since hiding it costs the reader nothing). Relations, for each series, period and window: region = its authorities; England =
    its regions; total = parts + other (every level); and per authority and series: each rolling
    12-month window = its months, and two consecutive windows = the month entering and the month leaving.
    """
    series_of = {TOTAL_MEASURE: "total", **{m: m.removeprefix("rate_").split("_per_")[0] for m in PART_MEASURES}}
    if "reported" not in counts.columns:
        counts = counts.with_columns(pl.lit(True).alias("reported"))
    base = (
        counts.filter(pl.col("measure").is_in(list(series_of)) & pl.col("numerator").is_not_null())
        .with_columns(pl.col("measure").replace_strict(series_of).alias("series"),
                      pl.col("numerator").cast(pl.Float64).alias("value"),
                      pl.col("reported").fill_null(True))
        .select("level", "code", "period", "window", "series", "value", "reported")
    )
    keys = ["level", "code", "period", "window"]
    wide = base.pivot(on="series", index=keys, values="value", aggregate_function="first")
    parts = [series_of[m] for m in PART_MEASURES if series_of[m] in wide.columns]
    if "total" in wide.columns and parts:
        other = wide.filter(pl.col("total").is_not_null() & pl.all_horizontal(pl.col(p).is_not_null() for p in parts))
        reported = base.filter(pl.col("series") == "total").select(*keys, "reported")
        other = other.select(*keys, pl.lit(OTHER_SERIES).alias("series"),
                             (pl.col("total") - pl.sum_horizontal(parts)).alias("value")).join(reported, on=keys)
        base = pl.concat([base, other.select(base.columns)])
    # Months in each authority's rolling window (a window at the start of its series holds fewer than 12).
    months_in = (
        base.filter((pl.col("level") == "authority") & (pl.col("window") == "month"))
        .select("code", "series", "period").with_columns(pl.int_ranges(0, 12).alias("ahead")).explode("ahead")
        .with_columns(pl.col("period").dt.offset_by(pl.format("{}mo", pl.col("ahead"))))
        .group_by("code", "series", "period").len("months_in")
    )
    base = base.join(months_in, on=["code", "series", "period"], how="left").with_columns(
        pl.when(pl.col("window") == "rolling12").then(pl.col("months_in")).otherwise(None).alias("months_in"))
    authority = pl.col("level") == "authority"
    monthly = pl.col("window") == "month"
    cells = base.with_columns(
        _cell_id(pl.col("level"), pl.col("code"), pl.col("period"), pl.col("window"), pl.col("series")).alias("cell"),
        pl.when(pl.col("level") == "authority").then(pl.col("code")).otherwise(pl.lit(None, dtype=pl.String)).alias("owner"),
        # Published to viewers not entitled: rolling 12-month windows that hold 12 months, and region and
        # England totals. An authority's single months are not (most are 1-4, and publishing the few
        # that are not would tie every window to its months); a month with no return is known to be 0.
        # A window at the start of a series would give its first months away.
        pl.when(~authority).then(True)
        .when(monthly).then(~pl.col("reported") & (pl.col("value") == 0))
        .otherwise(pl.col("months_in").fill_null(0) >= 12).alias("published"),
        # Secondary cells: first those never shown (an authority's "other" costs the reader nothing),
        # then authority cells, then region totals, then England.
        pl.when((pl.col("level") == "authority") & (pl.col("series") == OTHER_SERIES)).then(-1)
        .when(pl.col("level") == "authority").then(0).when(pl.col("level") == "region").then(1).otherwise(2)
        .cast(pl.Int32).alias("priority"),
    )
    found = [r for r in (_category_relations(cells, parts), _area_relations(cells, membership), *_time_relations(cells)) if r.height]
    relations = pl.concat(found) if found else pl.DataFrame(schema=RELATION_SCHEMA)  # none: a database with no returns yet
    return cells, relations, _blocks(cells, relations, membership)


def share_cells(counts: pl.DataFrame, membership: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cells and relations (for `protect`) of the observed-practice shares: one cell per level, code,
    period, window and share (series = the measure), valued at its numerator.

    `counts`: level (authority | region | england), code, period, window, measure (one of
    SHARE_MEASURES), numerator, denominator. An authority's cells are never published (a viewer entitled
    to the authority sees them as its owner); a region's or England's is not published when the
    denominator less the numerator is 1 to 4 (the numerator of 1 to 4 is primary suppression's), since
    hiding a share hides both. Relations: region = its authorities, England = its regions.
    """
    schema = {"level": pl.String, "code": pl.String, "period": pl.Date, "window": pl.String, "series": pl.String,
              "value": pl.Float64, "cell": pl.String, "owner": pl.String, "published": pl.Boolean, "priority": pl.Int32}
    rows = counts.filter(pl.col("measure").is_in(list(SHARE_MEASURES)) & pl.col("numerator").is_not_null())
    if rows.is_empty():
        return pl.DataFrame(schema=schema), pl.DataFrame(schema=RELATION_SCHEMA)
    authority = pl.col("level") == "authority"
    cells = rows.select(
        "level", "code", pl.col("period").cast(pl.Date), "window", pl.col("measure").alias("series"),
        pl.col("numerator").cast(pl.Float64).alias("value"),
        _cell_id(pl.col("level"), pl.col("code"), pl.col("period"), pl.col("window"), pl.col("measure")).alias("cell"),
        pl.when(authority).then(pl.col("code")).otherwise(pl.lit(None, dtype=pl.String)).alias("owner"),
        (~authority & ~small(pl.col("denominator") - pl.col("numerator"))).alias("published"),
        pl.when(authority).then(0).when(pl.col("level") == "region").then(1).otherwise(2).cast(pl.Int32).alias("priority"),
    ).select(list(schema))
    return cells, _area_relations(cells, membership)


def _blocks(cells: pl.DataFrame, relations: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    """Blocks solved exactly by `protect`, where a combination of relations could pin a cell down.

    - An authority's own relations (its breakdowns and windows over every period; the steps between
      windows are differences of windows, so add nothing), but only for an authority with a month known
      to every viewer (a month with no return, so 0). Without one, its single months are never known:
      the full windows fix them only up to a pattern repeating every 12 months that sums to 0 over any
      window, which moves every month but no window, so no month and no hidden window is determined
      (the audit in tests/test_disclosure_audit.py checks every authority regardless).
    - Each region's rolling-window relations in one period (its authorities and their breakdowns).
      Its single months need none: every reported month is unknown, and two or more unknown
      authorities in a region total can trade counts between them.
    """
    kind = pl.col("relation").str.split("|").list.get(0)
    anchored = cells.filter((pl.col("level") == "authority") & (pl.col("window") == "month") & pl.col("published"))
    own = (
        relations.filter(kind.is_in(["category", "window"])).select("relation", "cell")
        .join(cells.filter(pl.col("level") == "authority").select("cell", "code"), on="cell")
        .filter(pl.col("code").is_in(anchored["code"].unique().to_list()))
        .select(pl.concat_str([pl.lit("authority"), pl.col("code")], separator="|").alias("block"), "relation")
    )
    areas = (
        relations.filter(kind.is_in(["area", "category"])).select("relation", "cell")
        .join(cells.filter(pl.col("window") == "rolling12").select("cell", "level", "code", "period", "window"), on="cell")
        .join(membership.rename({"authority_code": "code"}), on="code", how="left")
        .with_columns(pl.when(pl.col("level") == "region").then(pl.col("code")).otherwise(pl.col("region_code"))
                      .alias("area"))
        .filter(pl.col("area").is_not_null() & (pl.col("level") != "england"))
        .filter(~(kind == "area") | pl.col("relation").str.contains(pl.col("area")))
        .select(pl.concat_str([pl.lit("area"), pl.col("area"), pl.col("period").cast(pl.String), pl.col("window")],
                              separator="|").alias("block"), "relation")
    )
    return pl.concat([own, areas]).unique()


def _category_relations(cells: pl.DataFrame, parts: list[str]) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame(schema=RELATION_SCHEMA)
    rows = cells.filter(pl.col("series").is_in(["total", OTHER_SERIES, *parts]))
    return rows.select(
        pl.concat_str([pl.lit("category"), pl.col("level"), pl.col("code"), pl.col("period").cast(pl.String),
                       pl.col("window")], separator="|").alias("relation"),
        "cell",
        pl.when(pl.col("series") == "total").then(-1).otherwise(1).cast(pl.Int8).alias("coefficient"),
    )


def _area_relations(cells: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    key = lambda area: pl.concat_str(  # noqa: E731
        [pl.lit("area"), area, pl.col("period").cast(pl.String), pl.col("window"), pl.col("series")], separator="|")
    authorities = cells.filter(pl.col("level") == "authority").join(
        membership.rename({"authority_code": "code"}), on="code", how="inner")
    regions = cells.filter(pl.col("level") == "region")
    england = cells.filter(pl.col("level") == "england")
    one = lambda value: pl.lit(value, dtype=pl.Int8).alias("coefficient")  # noqa: E731
    return pl.concat([
        authorities.select(key(pl.col("region_code")).alias("relation"), "cell", one(1)),
        regions.select(key(pl.col("code")).alias("relation"), "cell", one(-1)),
        regions.select(key(pl.lit(ENGLAND)).alias("relation"), "cell", one(1)),
        england.select(key(pl.lit(ENGLAND)).alias("relation"), "cell", one(-1)),
    ])


def _time_relations(cells: pl.DataFrame) -> list[pl.DataFrame]:
    """Per authority and series: a rolling window and its months; consecutive windows and the two months."""
    authority = cells.filter(pl.col("level") == "authority")
    months = authority.filter(pl.col("window") == "month").select("code", "series", pl.col("period").alias("month"),
                                                                  pl.col("cell").alias("month_cell"))
    rolling = authority.filter(pl.col("window") == "rolling12").select("code", "series", "period", "cell")
    rid = lambda kind: pl.concat_str([pl.lit(kind), pl.col("code"), pl.col("period").cast(pl.String),  # noqa: E731
                                      pl.col("series")], separator="|")
    spans = rolling.with_columns(pl.int_ranges(0, 12).alias("back")).explode("back").with_columns(
        pl.col("period").dt.offset_by(pl.format("-{}mo", pl.col("back"))).alias("month"))
    one = lambda value: pl.lit(value, dtype=pl.Int8).alias("coefficient")  # noqa: E731
    window = pl.concat([
        rolling.select(rid("window").alias("relation"), "cell", one(-1)),
        spans.join(months, on=["code", "series", "month"]).select(rid("window").alias("relation"),
                                                                  pl.col("month_cell").alias("cell"), one(1)),
    ])
    previous = rolling.select("code", "series", pl.col("period").dt.offset_by("1mo"), pl.col("cell"))
    entering = rolling.join(months, left_on=["code", "series", "period"], right_on=["code", "series", "month"])
    leaving = rolling.with_columns(pl.col("period").dt.offset_by("-12mo").alias("month")).join(
        months, on=["code", "series", "month"])
    step = pl.concat([
        rolling.join(previous.select("code", "series", "period"), on=["code", "series", "period"])
        .select(rid("step").alias("relation"), "cell", one(1)),
        previous.join(rolling.select("code", "series", "period"), on=["code", "series", "period"])
        .select(rid("step").alias("relation"), "cell", one(-1)),
        entering.join(previous.select("code", "series", "period"), on=["code", "series", "period"])
        .select(rid("step").alias("relation"), pl.col("month_cell").alias("cell"), one(-1)),
        leaving.join(previous.select("code", "series", "period"), on=["code", "series", "period"])
        .select(rid("step").alias("relation"), pl.col("month_cell").alias("cell"), one(1)),
    ])
    return [window, step]


def hidden_cells(pattern: pl.DataFrame, viewer) -> pl.DataFrame:
    """level, code, period, window, series of the cells this viewer gets as `c` (suppressed or never
    published, and not theirs)."""
    if viewer.sees_everything:
        return pattern.filter(pl.lit(False)).select("level", "code", "period", "window", "series")
    rows = pattern.filter(pl.col("suppressed"))
    if viewer.role == "council":
        rows = rows.filter(pl.col("owner").is_null() | (pl.col("owner") != viewer.authority_code))
    return rows.select("level", "code", "period", "window", "series")


def series_of_measure(measure: str) -> str | None:
    """The count series behind a measure (`total`, `under18`; a share is its own series), or None for scores."""
    if measure == TOTAL_MEASURE:
        return "total"
    if measure in PART_MEASURES:
        return measure.removeprefix("rate_").split("_per_")[0]
    if measure in SHARE_MEASURES:
        return measure
    return None


# ---- what a viewer gets -------------------------------------------------------------------------

def mask_columns(frame: pl.DataFrame, hidden: pl.Series | pl.Expr, columns: Iterable[str]) -> pl.DataFrame:
    """Null `columns` where `hidden` is true, and mark those rows with `disclosure` = 'c'.

    Only columns in WITHHELD_COLUMNS may be masked: tables and exports print a null there as `c` and
    any other null as `x` (not available), so a column masked but not listed would read as missing.
    """
    undeclared = sorted(set(columns) - WITHHELD_COLUMNS)
    if undeclared:
        raise ValueError(f"columns {undeclared} are not in disclosure.WITHHELD_COLUMNS: add them there first")
    present = [c for c in columns if c in frame.columns]
    flag = hidden if isinstance(hidden, pl.Expr) else pl.lit(hidden)
    marked = frame.with_columns(
        *(pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in present),
        pl.when(flag).then(pl.lit(SUPPRESSED)).otherwise(
            pl.col("disclosure") if "disclosure" in frame.columns else pl.lit(None, dtype=pl.String)
        ).alias("disclosure"),
    )
    return marked


def mask_transfers(frame: pl.DataFrame, viewer) -> pl.DataFrame:
    """Transfers between two authorities: sent, received and difference shown in full only to
    a viewer entitled to both sides. Otherwise a count of 1-4 on either side is `c`, and then both sides
    and the difference are withheld (one side and the difference, or a matched status, give the other).
    """
    if viewer.sees_everything:  # only national viewers are entitled to both sides of every transfer
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("disclosure"))
    hidden = small(pl.col("sent")).fill_null(False) | small(pl.col("received")).fill_null(False)
    return mask_columns(frame, hidden, ["sent", "received", "difference"])


def withhold_text(frame: pl.DataFrame, code_column: str, columns: Iterable[str], viewer,
                  note: str = "withheld: may contain another authority's counts") -> pl.DataFrame:
    """Free-text columns (explanations, validation messages) replaced by `note` for authorities the viewer
    is not entitled to: the texts quote counts ('1 of 6 concerns ...') that no pattern can protect."""
    if viewer.sees_everything or frame.is_empty() or code_column not in frame.columns:
        return frame
    own = viewer.authority_code if viewer.role == "council" else None
    not_entitled = pl.col(code_column).is_null() | (pl.col(code_column) != (own or ""))
    return frame.with_columns(
        pl.when(not_entitled & pl.col(c).is_not_null()).then(pl.lit(note)).otherwise(pl.col(c).cast(pl.String)).alias(c)
        for c in columns if c in frame.columns
    )
