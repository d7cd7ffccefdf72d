"""Disclosure control at the data-access layer: the suppression pattern of the database, and what the
viewer of the request may not see of it.

The pattern (`dashboard.disclosure.protect` over every count behind the rate measures, every period
and window) is computed once per database version for everyone, so the same cells are suppressed on
every page and in every export. Each query module then asks `hidden(con)` for the cells the current
viewer gets as `c` and masks its frame: a national viewer gets an empty set and unchanged frames.
"""

from __future__ import annotations

import duckdb
import polars as pl

from dashboard import disclosure
from dashboard.queries.common import frame
from dashboard.viewer import Viewer, current_viewer

KEYS = ["level", "code", "period", "window", "series"]
PATTERN_KEY = ("disclosure.pattern",)


def pattern(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The suppression pattern of this database (every count cell with `suppressed` and `reason`).

    Cached per database version when `con` is a cursor on the dashboard's served database (the same for
    every viewer); any other connection (a script's, a test's) gets the pattern of its own database.
    """
    from dashboard import database

    if isinstance(con, database.Connection) and database.is_configured():
        return database.cached(PATTERN_KEY, build_pattern, shared=True)
    return build_pattern(con)


def pattern_counts(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(counts, membership): the counts behind the rates and the shares, read once for both patterns."""
    measures = [*disclosure.COUNT_MEASURES, *disclosure.SHARE_MEASURES]
    return frame(con, "disclosure_counts", {"measures": measures}), frame(con, "disclosure_membership")


def pattern_inputs(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """What the rates' suppression pattern is built from: (cells, relations, blocks, membership)."""
    counts, membership = pattern_counts(con)
    return *disclosure.rate_cells(counts, membership), membership


def build_pattern(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The counts behind the rates and, as a table of their own, the observed-practice shares."""
    counts, membership = pattern_counts(con)
    cells, relations, blocks = disclosure.rate_cells(counts, membership)
    rates = disclosure.protect(cells, relations, blocks, coalition=disclosure.COALITION)
    share_cells, share_relations = disclosure.share_cells(counts, membership)
    shares = disclosure.protect(share_cells, share_relations, coalition=disclosure.COALITION)
    return pl.concat([rates, shares], how="diagonal_relaxed")


def _warm_pattern() -> None:
    """Build the pattern in the background when the app starts and after every database swap (about 10 s
    on the full demo), so the first council or public request does not wait for it."""
    from dashboard import database

    database.warm(PATTERN_KEY, build_pattern)


_warm_pattern()


def hidden(con: duckdb.DuckDBPyConnection, viewer: Viewer | None = None) -> pl.DataFrame:
    """level, code, period, window, series of the cells the viewer gets as `c` (empty for national)."""
    viewer = viewer or current_viewer()
    if viewer.sees_everything:
        return pl.DataFrame(schema={"level": pl.String, "code": pl.String, "period": pl.Date,
                                    "window": pl.String, "series": pl.String})
    return disclosure.hidden_cells(pattern(con), viewer)


def hidden_neighbour_groups(con: duckdb.DuckDBPyConnection, viewer: Viewer | None = None) -> pl.DataFrame:
    """code, period, window, series where an authority's neighbours' average of a rate includes a hidden
    cell: that average is not shown (with the other neighbours published it would give the cell away)."""
    gone = hidden(con, viewer).filter(pl.col("level") == "authority")
    if gone.is_empty():
        return pl.DataFrame(schema={"code": pl.String, "period": pl.Date, "window": pl.String, "series": pl.String})
    groups = frame(con, "disclosure_neighbours")
    return (
        groups.join(gone.rename({"code": "neighbour"}), on="neighbour")
        .select("code", "period", "window", "series").unique()
    )


def is_hidden(keys: pl.DataFrame, gone: pl.DataFrame, on: list[str]) -> pl.Series:
    """For each row of `keys`, whether it matches a row of `gone` on `on` (rows with nulls never match)."""
    if gone.is_empty() or keys.is_empty():
        return pl.Series("hidden", [False] * keys.height, dtype=pl.Boolean)
    marked = gone.select(on).unique().with_columns(pl.lit(True).alias("_hidden"))
    joined = keys.select(on).with_row_index("_row").join(marked, on=on, how="left").sort("_row")
    return joined["_hidden"].fill_null(False).rename("hidden")


def mask_cells(con: duckdb.DuckDBPyConnection, data: pl.DataFrame, columns: list[str], *, level: str | pl.Expr,
               code: pl.Expr, period: pl.Expr, window: pl.Expr, series: pl.Expr,
               viewer: Viewer | None = None) -> pl.DataFrame:
    """`data` with `columns` nulled, and `disclosure` = 'c', in rows whose count cell the viewer may not see.

    The cell of each row is given by expressions over `data` (or literals): its level, code, period,
    window and series. Rows whose series is null (a score, not a count) are never masked. A national
    viewer gets `data` unchanged apart from an all-null `disclosure` column.
    """
    gone = hidden(con, viewer)
    level_expr = pl.lit(level) if isinstance(level, str) else level
    keys = data.select(level_expr.alias("level"), code.alias("code"), period.cast(pl.Date).alias("period"),
                       window.alias("window"), series.alias("series"))
    flags = is_hidden(keys, gone, KEYS)
    return disclosure.mask_columns(data, flags, columns)


def mask_neighbours(con: duckdb.DuckDBPyConnection, data: pl.DataFrame, columns: list[str], *, code: pl.Expr,
                    period: pl.Expr, window: pl.Expr, series: pl.Expr, viewer: Viewer | None = None) -> pl.DataFrame:
    """Like `mask_cells` for a neighbours' average whose group includes a hidden cell."""
    gone = hidden_neighbour_groups(con, viewer)
    keys = data.select(code.alias("code"), period.cast(pl.Date).alias("period"), window.alias("window"),
                       series.alias("series"))
    return disclosure.mask_columns(data, is_hidden(keys, gone, ["code", "period", "window", "series"]), columns)


def series_expr(measure: pl.Expr | str,
                measures: tuple[str, ...] = (*disclosure.COUNT_MEASURES, *disclosure.SHARE_MEASURES)) -> pl.Expr:
    """The count series behind a measure column or name (null for scores, and for measures not in `measures`)."""
    if isinstance(measure, str):
        return pl.lit(disclosure.series_of_measure(measure) if measure in measures else None, dtype=pl.String)
    mapping = {m: disclosure.series_of_measure(m) for m in measures}
    return measure.replace_strict(mapping, default=None, return_dtype=pl.String)


FUNNEL_FLAGS = ("significantly_low", "significantly_high", "warning_low", "warning_high")
MONTHLY_COUNT_FLAGS = ("sudden_change", "nil_return_run")


def mask_flags(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, code_column: str, period: pl.Expr,
               viewer: Viewer | None = None) -> pl.DataFrame:
    """Flags as the viewer may see them (with a `disclosure` column).

    - A significance flag on a rate whose rolling 12-month count is hidden is dropped: with the funnel's
      published control limits it would bound the count (below a limit of 1.7 and not 0 means 1).
    - Flags about one month's count (a sudden change, a run of nil returns) are dropped for authorities
      the viewer is not entitled to: single months are not published to them, and "nil" says the count
      is 0, which would anchor the rolling windows and give other months away.
    - Details that quote counts are withheld for authorities the viewer is not entitled to, and so are
      the values of those flags (a share of 1 in 42 over a window whose total is published).
    """
    viewer = viewer or current_viewer()
    if viewer.sees_everything:
        return flags.with_columns(pl.lit(None, dtype=pl.String).alias("disclosure"))
    own = viewer.authority_code if viewer.role == "council" else ""
    code = pl.col(code_column)
    not_entitled = code.fill_null("") != own
    rolling = mask_cells(con, flags, [], level="authority", code=code, period=period, window=pl.lit("rolling12"),
                         series=series_expr(pl.col("measure"), disclosure.COUNT_MEASURES), viewer=viewer)
    kept = rolling.filter(
        ~(pl.col("flag_type").is_in(FUNNEL_FLAGS) & (pl.col("disclosure") == disclosure.SUPPRESSED)).fill_null(False)
        & ~(pl.col("flag_type").is_in(MONTHLY_COUNT_FLAGS) & not_entitled)
    )
    withheld = disclosure.withhold_text(kept, code_column, ["detail"], viewer)["detail"]
    kept = kept.with_columns(
        pl.when(pl.col("measure").is_not_null()).then(withheld).otherwise(pl.col("detail")).alias("detail"))
    # The value of a flag whose text is withheld is a share over its evidence window (a count out of a
    # count) or like it; a funnel flag's is the rate itself, withheld above with its count.
    quoting = pl.col("measure").is_not_null() & ~pl.col("flag_type").is_in(FUNNEL_FLAGS) & not_entitled
    return disclosure.mask_columns(kept, quoting, ["value"])
