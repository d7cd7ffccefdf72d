"""The scoring computes every mart in full, then changes the stored marts only in the months whose rows
differ, or replaces a mart whole (dropped and recreated from its definition) when at least half of its
months changed: inside the caller's transaction either way. The definitions the migrations made must survive,
the stored marts must end as a rescore from nothing leaves them, and a rolled-back rescore must leave the
old rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from etl.errors import MigrationError
from etl.scoring import MARTS, rescore
from etl.scoring.summary import ScoreSummary
from returns_fixtures import build_returns_db


def _definitions(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    tables = dict(con.execute("select table_name, sql from duckdb_tables() where schema_name = 'main'").fetchall())
    constraints = con.execute(
        "select table_name, constraint_type, constraint_column_names from duckdb_constraints() "
        "where schema_name = 'main' order by all"
    ).fetchall()
    return {table: (tables[table], [c for c in constraints if c[0] == table]) for table in MARTS}


def _rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {table: con.execute(f"select * from {table} order by all").fetchall() for table in MARTS}  # fixed names


def _rescore(con: duckdb.DuckDBPyConnection, end: str = "commit", full: bool = False) -> ScoreSummary:
    """A rescore in its own transaction, ended by `end` (commit or rollback)."""
    con.execute("begin")
    summary = rescore(con, full=full)
    con.execute("rollback" if end == "rollback" else "commit")
    return summary


def _change_a_count_of_the_latest_month(con: duckdb.DuckDBPyConnection) -> None:
    """One more concern in one authority's return for the latest month (its total and one category), as a
    resubmission of that month would bring."""
    submission = con.execute(
        "select submission_id from submission where is_current and period = (select max(period) from submission where is_current)"
        " order by authority_code limit 1"
    ).fetchone()[0]
    changed = con.execute(
        "update return_count set count = count + 1 where submission_id = ? and ("
        " (section = 'total' and category = 'ALL')"
        " or (section, category) = (select (section, category) from return_count where submission_id = ? and section = 'age_band'"
        "  order by category limit 1))",
        [submission, submission],
    ).fetchall()
    assert changed[0][0] == 2, "the small demo's first return of its latest month has a total and an age band"


@pytest.fixture()
def small_copy(small_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "small.duckdb"
    shutil.copy(small_db, copy)
    return copy


@pytest.fixture()
def scored(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(build_returns_db(tmp_path / "returns.duckdb")))  # scored once by the builder
    yield con
    con.close()


def test_a_rescore_keeps_every_mart_as_the_migrations_defined_it(scored: duckdb.DuckDBPyConnection) -> None:
    before = _definitions(scored)
    _rescore(scored)
    assert _definitions(scored) == before
    # the score's primary key still holds
    row = scored.execute("select * from score limit 1").fetchone()
    assert row is not None
    with pytest.raises(duckdb.ConstraintException):
        scored.execute(f"insert into score values ({', '.join('?' * len(row))})", list(row))


def test_a_rescore_that_is_rolled_back_leaves_the_old_marts(scored: duckdb.DuckDBPyConnection) -> None:
    before = _rows(scored)
    assert before["score"] and before["return_owed"]
    _rescore(scored, "rollback")
    assert _rows(scored) == before


def test_rescoring_the_same_returns_again_gives_the_same_marts(scored: duckdb.DuckDBPyConnection) -> None:
    before = _rows(scored)
    _rescore(scored)
    assert _rows(scored) == before


def test_rescoring_the_same_returns_again_changes_no_stored_month(scored: duckdb.DuckDBPyConnection) -> None:
    summary = _rescore(scored)
    assert (summary.months_changed, summary.marts_replaced) == (0, 0)


def test_a_changed_count_rewrites_only_the_months_it_changes_and_the_marts_end_as_a_rescore_from_nothing_leaves_them(
    small_copy: Path, tmp_path: Path
) -> None:
    con = duckdb.connect(str(small_copy))
    try:
        months = con.execute("select count(distinct period) from score").fetchone()[0]
        first = con.execute("select min(period) from score").fetchone()[0]
        before = con.execute("select * from score where period = ? order by all", [first]).fetchall()
        _change_a_count_of_the_latest_month(con)
        summary = _rescore(con)
        assert summary.marts_replaced == 0
        assert 1 <= summary.months_changed < months / 2, summary
        assert f"results changed in {summary.months_changed} month" in summary.describe()
        assert "(only those months written)" in summary.describe()
        assert con.execute("select * from score where period = ? order by all", [first]).fetchall() == before
        synced = _rows(con)
    finally:
        con.close()
    # the same returns scored from nothing: every mart dropped, recreated and written whole
    full = tmp_path / "full.duckdb"
    shutil.copy(small_copy, full)
    con = duckdb.connect(str(full))
    try:
        con.execute("begin")
        for mart in MARTS:
            con.execute(f"delete from {mart}")  # fixed names
        con.execute("commit")
        summary = _rescore(con)
        assert summary.marts_replaced == len(MARTS)
        assert _rows(con) == synced
    finally:
        con.close()


def test_a_forced_rescore_rewrites_every_mart_whole_and_keeps_their_definitions(scored: duckdb.DuckDBPyConnection) -> None:
    before, definitions = _rows(scored), _definitions(scored)
    summary = _rescore(scored, full=True)
    assert summary.marts_replaced == len(MARTS) and summary.months_changed == 0
    assert f"results changed in 0 months ({len(MARTS)} tables rewritten whole)" in summary.describe()
    assert _rows(scored) == before and _definitions(scored) == definitions


def test_a_rescore_that_is_rolled_back_after_writing_a_changed_month_leaves_the_old_marts(small_copy: Path) -> None:
    con = duckdb.connect(str(small_copy))
    try:
        before = _rows(con)
        _change_a_count_of_the_latest_month(con)
        summary = _rescore(con, "rollback")
        assert summary.months_changed >= 1
        assert _rows(con) == before
    finally:
        con.close()


def test_a_missing_mart_is_named_with_what_to_do(scored: duckdb.DuckDBPyConnection) -> None:
    scored.execute("drop table flag")
    scored.execute("begin")
    with pytest.raises(MigrationError, match="flag is missing.*migrations"):
        rescore(scored)
    scored.execute("rollback")
