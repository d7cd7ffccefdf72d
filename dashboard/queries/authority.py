"""Data access for the authority benchmark: its profile, every measure against comparators, trends,
its score explained, its returns and issues, transfers with counterparts, and flags."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from dashboard.queries.common import MEASURE_LABELS, authorities, frame
from etl.periods import add_months

DIMENSION_ORDER = ("composite", "completeness", "validity", "internal_consistency", "cross_authority",
                   "timeliness", "coverage", "practice")


def profile(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    """gss_code, dfe_code, name, region_code, region_name, valid_from, valid_to of one authority."""
    rows = authorities(con).filter(pl.col("gss_code") == code)
    return rows.row(0, named=True) if rows.height else {}


def neighbours(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """rank, authority_code, name, closeness of its statistical neighbours."""
    return frame(con, "authority_neighbours", {"code": code})


def spine(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """One row per measure (known measures first, in display order): measure, label, authority, region,
    neighbours, england, minimum, q1, median, q3, maximum, authority_rank, authorities."""
    data = frame(con, "authority_spine", {"code": code, "period": period, "window": window})
    order = {measure: index for index, measure in enumerate(MEASURE_LABELS)}
    return (
        data.with_columns(
            pl.col("measure").replace_strict(MEASURE_LABELS, default=pl.col("measure")).alias("label"),
            pl.col("measure").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_order"),
        )
        .sort("_order", "measure")
        .drop("_order")
        .select("measure", "label", "authority", "region", "neighbours", "england", "minimum", "q1", "median",
                "q3", "maximum", "authority_rank", "authorities")
    )


def trend(con: duckdb.DuckDBPyConnection, code: str, window: str, measure: str) -> pl.DataFrame:
    """series (authority | region | neighbours | england), period, value."""
    return frame(con, "authority_trend", {"code": code, "window": window, "measure": measure})


def scores(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """dimension, score, band: composite first, then the dimensions in the standard's order."""
    data = frame(con, "authority_scores", {"code": code, "period": period, "window": window})
    order = {d: i for i, d in enumerate(DIMENSION_ORDER)}
    return (
        data.with_columns(pl.col("dimension").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_o"))
        .sort("_o", "dimension").drop("_o")
    )


def components(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """Why points were lost, largest first: dimension, rule_id, points_lost, composite_points, detail, fix,
    source_period, file_name, row_number."""
    return frame(con, "authority_components", {"code": code, "period": period, "window": window})


def returns_history(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """Every return file from the authority: submission_id, period, file_name, received_at, version,
    status, is_current, errors, queries (newest first)."""
    return frame(con, "authority_returns", {"code": code})


def issues(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """Every validation issue in its files: period, file_name, file_status, rule_id, severity, row_number,
    column_name, value, message, hint."""
    return frame(con, "authority_issues", {"code": code})


def transfers(con: duckdb.DuckDBPyConnection, code: str, period: date, months: int = 12) -> pl.DataFrame:
    """Transfers with each counterpart in the `months` months to `period`: direction, counterpart_code,
    counterpart_name, period, sent, received, difference, status, pending."""
    return frame(con, "authority_transfers", {"code": code, "period": period, "start": add_months(period, -(months - 1))})


def flags(con: duckdb.DuckDBPyConnection, code: str, period: date) -> pl.DataFrame:
    """flag_type, measure, value, detail of the authority's flags in the period."""
    return frame(con, "authority_flags", {"code": code, "period": period})
