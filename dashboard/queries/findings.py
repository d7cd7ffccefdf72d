"""Data access for the findings the pages lead with: an authority's flags over a window, the counts
behind its rates (for 95% intervals) and when the data was last loaded.

Counts leave this module only to be turned into intervals by `dashboard.findings.benchmark_table`,
which shows an interval only where the (disclosure-controlled) spine shows the rate itself.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from dashboard.queries import disclosure
from dashboard.queries.common import frame
from etl.periods import add_months


def authority_flags(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """period, flag_type, measure, value, detail, disclosure: the flags of the month, or of the 12 months
    to it, each as the viewer may see it in its own month (`dashboard.queries.disclosure.mask_flags`)."""
    start = add_months(period, -11) if window == "rolling12" else period
    data = frame(con, "findings_authority_flags", {"code": code, "start": start, "end": period})
    return disclosure.mask_flags(con, data.with_columns(pl.lit(code).alias("_code")), "_code",
                                 pl.col("period")).drop("_code")


def rate_counts(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """measure, numerator, denominator for each of the authority's rates."""
    return frame(con, "findings_rate_counts", {"code": code, "period": period, "window": window})


def data_as_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the latest completed load finished (None before any load)."""
    return frame(con, "findings_data_as_at")["loaded_at"][0]
