"""Data access for the national overview: headline figures, a measure by authority, trends by region.

Disclosure control is applied here for the viewer of the request (`dashboard.queries.disclosure`):
rates built on counts the viewer may not see come back null, with `disclosure` = 'c'.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from dashboard.queries import disclosure
from dashboard.queries.common import frame
from dashboard.viewer import current_viewer
from etl.periods import add_months


def authority_values(con: duckdb.DuckDBPyConnection, period: date, window: str, measure: str) -> pl.DataFrame:
    """authority_code, name, region_name, value, disclosure: one measure for every authority scored in the period."""
    data = frame(con, "overview_authority_values", {"period": period, "window": window, "measure": measure})
    return disclosure.mask_cells(con, data, ["value"], level="authority", code=pl.col("authority_code"),
                                 period=pl.lit(period), window=pl.lit(window), series=disclosure.series_expr(measure))


def region_trend(con: duckdb.DuckDBPyConnection, window: str, measure: str) -> pl.DataFrame:
    """region_name, period, value, disclosure for the 9 regions over every period."""
    data = frame(con, "overview_level_trend", {"level": "region", "window": window, "measure": measure})
    return disclosure.mask_cells(con, data, ["value"], level="region", code=pl.col("code"), period=pl.col("period"),
                                 window=pl.lit(window), series=disclosure.series_expr(measure)).drop("code")


def england_trend(con: duckdb.DuckDBPyConnection, window: str, measure: str) -> pl.DataFrame:
    """period, value, disclosure for England over every period."""
    data = frame(con, "overview_level_trend", {"level": "england", "window": window, "measure": measure})
    return disclosure.mask_cells(con, data, ["value"], level="england", code=pl.col("code"), period=pl.col("period"),
                                 window=pl.lit(window), series=disclosure.series_expr(measure)).select(
        "period", "value", "disclosure"
    )


def headline(con: duckdb.DuckDBPyConnection, period: date, window: str) -> dict[str, float | int | None]:
    """composite (England, this period), previous_composite (the month before), flagged_low (authorities)."""
    row = frame(con, "overview_headline", {"period": period, "previous": add_months(period, -1), "window": window})
    headline = row.row(0, named=True)
    if not current_viewer().sees_everything:
        # Counted from the flags this viewer gets, so the tile agrees with the list of flagged authorities.
        seen = flagged(con, period).filter(pl.col("flag_type") == "significantly_low")
        headline["flagged_low"] = seen["authority_code"].n_unique()
    return headline


def flagged(con: duckdb.DuckDBPyConnection, period: date) -> pl.DataFrame:
    """Every flag raised in the period: authority_code, name, region_name, flag_type, measure, value, detail,
    disclosure (significance flags on hidden counts dropped, details quoting counts withheld)."""
    data = frame(con, "overview_flagged", {"period": period})
    return disclosure.mask_flags(con, data, "authority_code", pl.lit(period))


def returns_states(con: duckdb.DuckDBPyConnection, period: date) -> dict[str, int]:
    """How many returns owed for the month are in each state (accepted, queried, late, rejected, missing,
    not_due), judged exactly as the Returns page judges them."""
    from dashboard.queries import returns as returns_queries

    grid = returns_queries.returns_grid(con, period, months=1)
    return dict(grid.group_by("state").len().iter_rows())
