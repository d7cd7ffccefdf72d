"""Writing the scoring marts: each rescore computes every mart in full into a staging table, then changes
in the stored mart only the months whose rows differ.

A one-month refresh of the demo changes the rows of one or two months out of 67 (about 32,000 rows), so
rewriting every mart made each refresh write about a million rows, nearly all of them unchanged. Instead:

1. `stage_marts` creates an empty temp table `scoring_staged_<mart>` per mart, with the mart's columns; the
   models (etl/sql/scoring/9*_write_*.sql) and the funnel writer insert into those.
2. `sync_marts` fingerprints each month of the staged and the stored rows (how many rows, and the sum of
   a 64-bit hash of each whole row: the same multiset of rows gives the same pair whatever their order)
   and, in the stored mart, deletes the months whose fingerprints differ and inserts their staged rows.
   When at least half of the months differ (the first load, a change of configuration), it replaces the
   mart instead: dropped and recreated from its own definition in the catalogue (mart_definition.sql),
   which is about twice as fast as deleting every row and leaves the commit only the new rows to write.

Either way the stored mart ends with exactly the staged rows (the tests compare it with a rescore from
nothing). Everything runs in the caller's transaction, so a failure leaves the old marts. Two different
row multisets of a month share a fingerprint only if the row counts match and the sums of their 64-bit
hashes collide (about 2^-64 for changed rows that are not crafted to collide); `oversight score` (a forced
rescore) rewrites every mart whole whatever the fingerprints say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from ..errors import MigrationError
from ..settings import sql_text

MARTS = ("score", "score_component", "measure_value", "funnel_point", "funnel_limit", "flag", "transfer_reconciliation",
         "return_owed")
STAGED_PREFIX = "scoring_staged_"  # a temp table: _drop_temp_tables drops every scoring_* one
REPLACE_SHARE = 0.5  # replace a whole mart when at least this share of its months changed

_MART_DEFINITION = "scoring/mart_definition.sql"  # the create table and index statements of one mart
_MONTH_FINGERPRINTS = "scoring/mart_month_fingerprints.sql"


def staged(mart: str) -> str:
    return STAGED_PREFIX + mart


def stage_marts(con: duckdb.DuckDBPyConnection) -> None:
    """An empty staging table per mart, with the stored mart's columns in the same order."""
    for mart in MARTS:
        _definition(con, mart)  # a clear error when the migrations have not made the mart
        # names from the fixed MARTS tuple
        con.execute(f"create or replace temp table {staged(mart)} as select * from main.{mart} limit 0")


@dataclass(frozen=True)
class MartWrites:
    """What `sync_marts` found and did: per mart, the months whose staged and stored rows differed, and the
    marts it replaced whole."""

    months: dict[str, tuple[date, ...]]
    replaced: tuple[str, ...]

    @property
    def months_changed(self) -> int:
        """Distinct months whose stored rows changed in any mart."""
        return len({month for months in self.months.values() for month in months})


def sync_marts(con: duckdb.DuckDBPyConnection, full: bool = False) -> MartWrites:
    """Make every stored mart hold exactly its staged rows, writing only the months that differ (full:
    replace every mart whatever the fingerprints say)."""
    months: dict[str, tuple[date, ...]] = {}
    replaced: list[str] = []
    for mart in MARTS:
        changed, held = _changed_months(con, mart)
        if full or (held and len(changed) >= REPLACE_SHARE * held):
            _replace(con, mart)
            replaced.append(mart)
        elif changed:
            # names from the fixed MARTS tuple; the months are parameters
            con.execute(f"delete from main.{mart} where period in (select unnest($months))", {"months": changed})
            con.execute(f"insert into main.{mart} select * from {staged(mart)} where period in (select unnest($months))",
                        {"months": changed})
        months[mart] = tuple(changed)
    return MartWrites(months=months, replaced=tuple(replaced))


def _changed_months(con: duckdb.DuckDBPyConnection, mart: str) -> tuple[list[date], int]:
    """The months whose staged and stored rows differ, and how many months either holds."""
    sql = sql_text(_MONTH_FINGERPRINTS).replace("{staged}", staged(mart)).replace("{stored}", f"main.{mart}")
    rows = con.execute(sql).fetchall()  # table names from the fixed MARTS tuple, never from input
    return [period for period, differs in rows if differs], len(rows)


def _replace(con: duckdb.DuckDBPyConnection, mart: str) -> None:
    statements = _definition(con, mart)
    con.execute(f"drop table main.{mart}")  # names from the fixed MARTS tuple
    for statement in statements:
        con.execute(statement)
    con.execute(f"insert into main.{mart} select * from {staged(mart)}")


def _definition(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    statements = [sql for sql, _ in con.execute(sql_text(_MART_DEFINITION), {"table": mart}).fetchall()]
    if not statements:
        raise MigrationError(f"the scoring table {mart} is missing from the database: its migrations have not run")
    return statements
