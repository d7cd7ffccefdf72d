"""`database_status`: the latest runs and, for the latest period, returns expected, received, late, rejected, missing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

import duckdb

from etl.errors import DatabaseError
from etl.scoring import rescore_database
from etl.settings import SCORING_CONFIG
from etl.load import load_files
from etl.reference import load_reference
from etl.report import render_status
from etl.status import database_status
from test_load_files import return_csv, write_return


def test_the_latest_period_shows_received_late_rejected_and_missing_authorities(tmp_path: Path, monkeypatch) -> None:
    # today 2026-10-30: September is the latest month whose deadline (15 October) has passed
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-10-30")
    db, folder = tmp_path / "o.duckdb", tmp_path / "in"
    on_time = write_return(folder, "a.csv", return_csv("E06000001", "2026-09", 3), datetime(2026, 10, 10))
    late = write_return(folder, "b.csv", return_csv("E06000002", "2026-09", 3), datetime(2026, 10, 20))
    bad = return_csv("E06000003", "2026-09", 3).replace("total,ALL,3", "total,ALL,-1")
    rejected = write_return(folder, "c.csv", bad, datetime(2026, 10, 5))
    older = write_return(folder, "d.csv", return_csv("E06000004", "2026-08", 3), datetime(2026, 9, 5))
    load_files([on_time, late, rejected, older], db)

    report = database_status(db)
    expected = {a.gss_code for a in load_reference().expected_authorities(date(2026, 9, 1))}
    assert report.period == date(2026, 9, 1)
    assert {a.code for a in report.expected} == expected
    assert {a.code for a in report.received} == {"E06000001", "E06000002"}
    assert [a.code for a in report.late] == ["E06000002"]
    assert [a.code for a in report.rejected] == ["E06000003"]
    assert {a.code for a in report.missing} == expected - {"E06000001", "E06000002", "E06000003"}
    as_json = report.to_dict()
    assert as_json["expected"] == as_json["received"] + as_json["rejected"] + as_json["missing"]
    assert as_json["runs"][0]["files_seen"] == 4


def test_status_follows_the_deadline_the_scoring_used(tmp_path: Path, monkeypatch) -> None:
    # one source: status reads return_owed, which the scoring writes with [timeliness] from score_config
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-10-30")
    db, folder = tmp_path / "o.duckdb", tmp_path / "in"
    late = write_return(folder, "b.csv", return_csv("E06000002", "2026-09", 3), datetime(2026, 10, 20))
    load_files([late], db)
    assert [a.code for a in database_status(db).late] == ["E06000002"]
    text = SCORING_CONFIG.read_text(encoding="utf-8").replace("deadline_months_after = 1", "deadline_months_after = 2")
    other = tmp_path / "two-months.toml"
    other.write_text(text, encoding="utf-8")
    rescore_database(db, config_path=other)
    report = database_status(db)
    # deadline now 15 November 2026: the return is on time and the month is not yet due for the others
    assert report.period == date(2026, 9, 1) and report.deadline == date(2026, 11, 15)
    assert report.late == [] and [a.code for a in report.received] == ["E06000002"]
    assert report.missing == [] and len(report.not_due) == len(report.expected) - 1


def test_a_rejected_file_for_an_old_month_does_not_make_everyone_owe_it(tmp_path: Path) -> None:
    db, folder = tmp_path / "o.duckdb", tmp_path / "in"
    good = write_return(folder, "a.csv", return_csv("E06000001", "2026-09", 3), datetime(2026, 10, 10))
    bad = return_csv("E06000003", "2020-01", 3).replace("total,ALL,3", "total,ALL,-1")
    rejected = write_return(folder, "c.csv", bad, datetime(2026, 10, 5))
    load_files([good, rejected], db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        first = con.execute("select min(period) from return_owed").fetchone()[0]
        scored = con.execute("select min(period) from score").fetchone()[0]
    finally:
        con.close()
    assert first == date(2026, 9, 1) and scored == date(2026, 9, 1)


def test_status_renders_and_lists_recent_runs_newest_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-10-30")
    db, folder = tmp_path / "o.duckdb", tmp_path / "in"
    for n in range(7):
        load_files([write_return(folder, f"r{n}.csv", return_csv("E06000001", "2026-09", n))], db)
    report = database_status(db)
    assert [run["run_id"] for run in report.runs] == [7, 6, 5, 4, 3]
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(render_status(report))
    assert "Returns for 2026-09" in console.export_text()


def test_status_of_a_missing_database_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="oversight refresh"):
        database_status(tmp_path / "none.duckdb")
