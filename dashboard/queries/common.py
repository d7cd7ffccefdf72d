"""Data access shared by every page: the SQL files, periods, authorities, regions, measures, and the
authority check.

Every function takes an open read-only connection (`dashboard.database.connection()` or a plain
DuckDB connection in tests) and returns a polars frame or plain values. SQL lives in
`dashboard/queries/sql/*.sql` and takes bound parameters only; identifiers never come from a request.
The other inputs are checked against allow-lists read from here, by `dashboard.state` (`check_period`,
`check_choice`); `check_authority` is here because it also resolves a DfE number to the GSS code.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from etl.errors import InvalidInputError
from etl.scoring.config import EVIDENCE_MEASURES

SQL_DIR = Path(__file__).resolve().parent / "sql"

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
    # observed practice over 12 months (etl/sql/scoring/26_stg_practice_observed.sql), per cent
    "share_family_member_known": "Concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT (%)",
    "share_shared_with_ct_police": "Concerns flagged SHARED_WITH_CT_POLICE (%)",
    "share_other_mixed": "Concerns typed OTHER or MIXED_UNCLEAR_UNSTABLE (%)",
    "share_concern_type_not_recorded": "Concerns with no concern type, NOT_RECORDED (%)",
    "share_previous_records_received": "Families moved in whose previous authority's records were received (%)",
    "share_transfers_in_recorded": "Records sent to it that its returns show as received (%)",
    "share_transfers_out_recorded": "Records others received from it that its returns show as sent (%)",
}


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pl.DataFrame:
    """Run one named SQL file with bound parameters on a fresh cursor (callbacks run in threads)."""
    return run(con, sql(name), params)


def run(con: duckdb.DuckDBPyConnection, text: str, params: dict | None = None) -> pl.DataFrame:
    """Run the text of a SQL file with bound parameters on a fresh cursor: `frame` for this folder's
    files, directly for a file the ETL shares (etl/sql/explain_*.sql)."""
    return con.cursor().sql(text, params=params or {}).pl()


def measure_label(measure: str) -> str:
    """The measure in words, for menus and table rows: a share ends in '(%)'."""
    return MEASURE_LABELS.get(measure, measure.replace("_", " ").capitalize())


def measure_name(measure: str) -> str:
    """The measure in words without its '(%)', where a unit or parentheses follow (titles, flag texts)."""
    return measure_label(measure).removesuffix(" (%)")


def is_rate(measure: str) -> bool:
    return measure.startswith("rate_")


def is_share(measure: str) -> bool:
    """An observed-practice share: a count out of a count, in per cent."""
    return measure in EVIDENCE_MEASURES


def unit(measure: str) -> str:
    """What a value of the measure is: for captions and axis titles."""
    if is_rate(measure):
        return "per 10,000 children aged 0 to 17, a year"
    if is_share(measure):
        return "per cent, over 12 months"
    return "score out of 100"


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


# ---- input checks -------------------------------------------------------------------------------

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
