"""The same returns give the same scores, bit for bit (issue 7 item 6): however many threads DuckDB uses
to add up the fractional units, however often the database is rescored, and whether the
zero-inflated fits and the funnel's groups are computed again or taken from the last rescore."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from etl.scoring import MARTS, rescore


def _rescored_marts(db: Path, threads: int, refit: bool = False) -> dict[str, list[tuple]]:
    """The marts after a rescore; refit: without the zero-inflated fits and the funnel groups the last rescore
    kept (practice_fit, funnel_memo)."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"set threads = {int(threads)}")
        con.execute("begin transaction")
        if refit:
            con.execute("delete from practice_fit")
            con.execute("delete from funnel_memo")
        rescore(con)
        con.execute("commit")
        return {table: con.execute(f"select * from {table} order by all").fetchall() for table in MARTS}  # fixed names
    finally:
        con.close()


@pytest.mark.slow
def test_two_rescores_of_the_demo_give_identical_marts(demo_db: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    shutil.copy(demo_db, first)
    shutil.copy(demo_db, second)
    one = _rescored_marts(first, threads=1)  # reusing the stored fits and funnel groups
    many = _rescored_marts(second, threads=4, refit=True)  # fitting them all again
    for table in MARTS:
        assert len(one[table]) == len(many[table]), table
        different = sum(a != b for a, b in zip(one[table], many[table]))
        assert different == 0, f"{different} rows of {table} differ between two rescores of the same returns"
    # and the stored scores are the ones a rescore of the same file gives again
    assert _rescored_marts(first, threads=4)["score"] == one["score"]
