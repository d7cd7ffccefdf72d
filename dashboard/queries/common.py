"""Data access shared by every page: periods, authorities, regions, measures, meta, input checks.

Every function takes an open read-only connection (`dashboard.database.connection()` or a plain
DuckDB connection in tests) and returns a polars frame or plain values. SQL lives in
`dashboard/queries/sql/*.sql` and takes bound parameters only; identifiers never come from a request.
The `check_*` functions validate a value that arrived from a browser against an allow-list read from
the database and raise `InvalidInputError` with a message that says what is allowed.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from etl.errors import InvalidInputError
from etl.periods import format_period, parse_period

SQL_DIR = Path(__file__).resolve().parent / "sql"
WINDOWS = ("month", "rolling12")

# Every measure the dashboard knows how to label, in display order. A measure in measure_value that is
# not listed here is still offered, under its own name.
MEASURE_LABELS: dict[str, str] = {
    "composite": "Composite recording-quality score",
    "completeness": "Completeness score",
    "validity": "Validity score",
    "internal_consistency": "Internal consistency score",
    "cross_authority": "Cross-authority consistency score",
    "timeliness": "Timeliness score",
    "coverage": "Coverage score",
    "practice": "Recording practice score",
    "rate_under18_per_10k": "Concerns about under-18s per 10,000 children",
    "rate_total_per_10k": "All concerns per 10,000 children",
}


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pl.DataFrame:
    """Run one named SQL file with bound parameters on a fresh cursor (callbacks run in threads)."""
    return con.cursor().sql(sql(name), params=params or {}).pl()


def measure_label(measure: str) -> str:
    return MEASURE_LABELS.get(measure, measure.replace("_", " ").capitalize())


def is_rate(measure: str) -> bool:
    return measure.startswith("rate_")


def unit(measure: str) -> str:
    """What a value of the measure is: for captions and axis titles."""
    return "per 10,000 children aged 0 to 17, a year" if is_rate(measure) else "score out of 100"


# ---- lists the pages offer --------------------------------------------------------------------

def periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every period that has scores, oldest first."""
    return frame(con, "common_periods")["period"].to_list()


def measures(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Measures in measure_value: the known ones in display order, then any others by name."""
    present = set(frame(con, "common_measures")["measure"].to_list())
    known = [m for m in MEASURE_LABELS if m in present]
    return known + sorted(present - set(known))


def regions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """region_code, region_name in name order."""
    return frame(con, "common_regions")


def authorities(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every authority in the reference: gss_code, dfe_code, name, region_code, region_name,
    valid_from, valid_to (null = open-ended), in name order."""
    return frame(con, "common_authorities")


def authorities_in_period(con: duckdb.DuckDBPyConnection, period: date) -> pl.DataFrame:
    """The authorities that owed a return in `period` (reorganised ones only while they existed)."""
    return authorities(con).filter(
        (pl.col("valid_from").is_null() | (pl.col("valid_from") <= period))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= period))
    )


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(frame(con, "common_meta").iter_rows())


# ---- input checks -------------------------------------------------------------------------------

def check_period(con: duckdb.DuckDBPyConnection, value: object) -> date:
    """A 'YYYY-MM' period that has scores."""
    if not isinstance(value, str):
        raise InvalidInputError(f"period {value!r} is not a month in the form YYYY-MM; choose a month from the list")
    period = parse_period(value)
    available = periods(con)
    if period not in available:
        span = f"{format_period(available[0])} to {format_period(available[-1])}" if available else "none yet"
        raise InvalidInputError(f"there are no scores for {format_period(period)}; choose a month from {span}")
    return period


def check_window(value: object) -> str:
    if value not in WINDOWS:
        raise InvalidInputError(f"period type {value!r} must be 'month' or 'rolling12' (the 12 months ending in the month)")
    return str(value)


def check_measure(con: duckdb.DuckDBPyConnection, value: object, allowed: list[str] | None = None) -> str:
    options = allowed if allowed is not None else measures(con)
    if not isinstance(value, str) or value not in options:
        raise InvalidInputError(f"measure {value!r} is not one of the measures on offer ({', '.join(options)})")
    return value


def check_region(con: duckdb.DuckDBPyConnection, value: object) -> str:
    codes = regions(con)["region_code"].to_list()
    if not isinstance(value, str) or value not in codes:
        raise InvalidInputError(f"region {value!r} is not an English region code (E12000001 to E12000009)")
    return value


def check_authority(con: duckdb.DuckDBPyConnection, value: object) -> str:
    """An authority's GSS code; a DfE number (e.g. '805') or another alias is resolved to it."""
    table = authorities(con)
    if isinstance(value, str) and value.strip():
        code = value.strip().upper()
        if code in set(table["gss_code"].to_list()):
            return code
        by_dfe = table.filter(pl.col("dfe_code") == value.strip())
        if by_dfe.height == 1:
            return by_dfe["gss_code"].item()
    raise InvalidInputError(
        f"authority {str(value)[:40]!r} is not a local authority code in the reference tables; "
        "choose an authority from the list (by name, GSS code such as E06000001, or DfE number)"
    )
