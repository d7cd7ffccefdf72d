"""The scoring empties its marts by dropping and recreating them inside the caller's transaction: the
definitions the migrations made must survive, and a rolled-back rescore must leave the old rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.scoring import MARTS, rescore
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


def _rescore(con: duckdb.DuckDBPyConnection, end: str = "commit") -> None:
    """A rescore in its own transaction, ended by `end` (commit or rollback)."""
    con.execute("begin")
    rescore(con)
    con.execute("rollback" if end == "rollback" else "commit")


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
