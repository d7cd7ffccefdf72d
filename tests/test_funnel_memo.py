"""The funnel's result for each (measure, period) group is kept with a digest of its inputs (funnel_memo), so
a rescore recomputes only the groups whose inputs changed, gives the marts a computation from nothing gives,
and `oversight score` (a full rescore) recomputes every group."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from etl.scoring import funnel_marts, rescore
from etl.scoring.config import parse_config
from etl.settings import SCORING_CONFIG
from test_scoring_marts import _change_a_count_of_the_latest_month, _rescore, _rows, small_copy  # noqa: F401 (fixture)


@pytest.fixture()
def con(small_copy: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The small demo, rescored once by this code (so its memo holds every group)."""
    connection = duckdb.connect(str(small_copy))
    _rescore(connection)
    yield connection
    connection.close()


def _digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select group_key, digest from funnel_memo").fetchall())


def _funnel_groups(con: duckdb.DuckDBPyConnection, latest_only: bool = False) -> set[str]:
    """The (measure, period) groups funnel_point holds, as the memo names them."""
    latest = "where period = (select max(period) from funnel_point)" if latest_only else ""
    rows = con.execute(f"select distinct measure || ' ' || strftime(period, '%Y-%m-%d') from funnel_point {latest}").fetchall()
    return {key for (key,) in rows}


def test_the_memo_holds_one_result_for_every_group_the_funnel_draws(con: duckdb.DuckDBPyConnection) -> None:
    groups = _funnel_groups(con)
    assert set(_digests(con)) == groups
    assert len(groups) > 2


def test_a_changed_count_in_the_latest_month_recomputes_only_that_months_groups(con: duckdb.DuckDBPyConnection) -> None:
    before = _digests(con)
    _change_a_count_of_the_latest_month(con)
    _rescore(con)
    after = _digests(con)
    changed = {key for key in after if before.get(key) != after[key]}
    assert changed and changed <= _funnel_groups(con, latest_only=True)
    assert set(after) == set(before)
    # and the marts are the ones a rescore computing every group from nothing gives
    reused = _rows(con)
    con.execute("delete from funnel_memo")
    _rescore(con)
    assert _rows(con) == reused


def _doctor_a_kept_point(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Replace the kept funnel_point rows of group `key` by rows whose rate is 12345 (digest unchanged)."""
    blob = con.execute("select point from funnel_memo where group_key = ?", [key]).fetchone()[0]
    table = pa.ipc.open_stream(blob).read_all()
    doctored = table.set_column(table.schema.get_field_index("rate"), "rate", pc.add(pc.multiply(table["rate"], 0.0), 12345.0))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, doctored.schema) as writer:
        writer.write_table(doctored)
    con.execute("update funnel_memo set point = ? where group_key = ?", [sink.getvalue().to_pybytes(), key])


def test_an_unchanged_group_is_taken_from_the_memo_and_a_full_rescore_computes_it_again(con: duckdb.DuckDBPyConnection) -> None:
    key = min(_digests(con))
    measure, period = key.rsplit(" ", 1)
    doctored = "select count(*) from funnel_point where measure = ? and period = ? and rate = 12345"
    _doctor_a_kept_point(con, key)
    _rescore(con)  # the group's inputs are unchanged, so its kept rows are used as they are
    assert con.execute(doctored, [measure, period]).fetchone()[0] > 0
    _rescore(con, full=True)  # oversight score: every group computed again, and kept again
    assert con.execute(doctored, [measure, period]).fetchone()[0] == 0
    _rescore(con)
    assert con.execute(doctored, [measure, period]).fetchone()[0] == 0


def test_a_change_to_the_funnel_code_recomputes_every_group(con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _digests(con)
    monkeypatch.setattr(funnel_marts, "_code_digest", lambda: "another version of the funnel code")
    _rescore(con)
    after = _digests(con)
    assert set(after) == set(before)
    assert all(after[key] != before[key] for key in before)


def test_a_change_of_funnel_settings_recomputes_every_group(con: duckdb.DuckDBPyConnection) -> None:
    before = _digests(con)
    points = con.execute("select count(*) from funnel_limit").fetchone()[0]
    toml = SCORING_CONFIG.read_text(encoding="utf-8")
    assert toml.count("limit_points = 100\n") == 1
    con.execute("begin")
    rescore(con, parse_config(toml.replace("limit_points = 100\n", "limit_points = 101\n")))
    con.execute("commit")
    after = _digests(con)
    assert all(after[key] != before[key] for key in before)
    # every limit curve was drawn again, with one more point
    assert con.execute("select count(*) from funnel_limit").fetchone()[0] == points + points // 100
