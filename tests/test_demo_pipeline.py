"""The synthetic demo end to end: generated, refreshed into DuckDB, archived and quarantined."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from etl.periods import add_months, format_period, month_range, parse_period
from etl.reference import load_reference

from conftest import DEMO_END, DEMO_START

pytestmark = pytest.mark.slow


def _ground_truth(demo_dir: Path) -> list[dict[str, str]]:
    with (demo_dir / "ground_truth.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_owed_return_is_loaded_except_the_planted_gaps(demo_dir: Path, demo_db: Path) -> None:
    reference = load_reference()
    truth = _ground_truth(demo_dir)
    planted_missing = {(row["authority_code"], row["period_from"]) for row in truth if row["problem_type"] == "missing_months"}
    owed = {
        (authority.gss_code, format_period(period))
        for period in month_range(parse_period(DEMO_START), parse_period(DEMO_END))
        for authority in reference.expected_authorities(period)
    }
    current = {
        (code, format_period(period))
        for code, period in _query(demo_db, "select authority_code, period from submission where is_current")
    }
    assert current <= owed, "a current return exists for an authority that owed none that month"
    gaps = owed - current
    assert planted_missing <= gaps
    # Anything else missing is a planted late return, for the last months, that has not arrived yet.
    late = {row["authority_code"] for row in truth if row["problem_type"] == "late_submissions"}
    not_yet = gaps - planted_missing
    assert {code for code, _ in not_yet} <= late
    last = parse_period(DEMO_END)
    assert {period for _, period in not_yet} <= {format_period(last), format_period(add_months(last, -1))}


def test_each_authority_and_month_has_exactly_one_current_return(demo_db: Path) -> None:
    duplicated = _query(
        demo_db,
        "select authority_code, period, count(*) from submission where is_current group by all having count(*) > 1",
    )
    assert duplicated == []


def test_planted_rejections_are_rejected_and_quarantined_with_their_reasons(demo_dir: Path, demo_db: Path) -> None:
    planted = [row for row in _ground_truth(demo_dir) if row["problem_type"] == "rejected_files"]
    rejected = _query(demo_db, "select file_name from submission where status = 'rejected'")
    assert len(rejected) == len(planted) > 0
    quarantined = sorted((demo_dir / "quarantine").rglob("*.errors.txt"))
    assert len(quarantined) == len(planted)
    for errors in quarantined:
        returned = errors.with_name(errors.name.removesuffix(".errors.txt"))
        assert returned.exists(), f"{returned.name} should sit beside its errors"
        assert "E1" in errors.read_text(), "the errors list should name the rule that rejected the file"


def test_resubmissions_keep_the_earlier_version_as_superseded(demo_dir: Path, demo_db: Path) -> None:
    planted = {(row["authority_code"], row["period_from"]) for row in _ground_truth(demo_dir) if row["problem_type"] == "resubmissions"}
    superseded = {
        (code, format_period(period))
        for code, period in _query(demo_db, "select authority_code, period from submission where status = 'superseded'")
    }
    assert planted and planted <= superseded
    versions = _query(
        demo_db,
        "select max(version) from submission where status <> 'rejected' and authority_code = ? and period = ?",
        [next(iter(planted))[0], parse_period(next(iter(planted))[1])],
    )
    assert versions == [(2,)]


def test_the_refresh_empties_the_inbox_into_archive_and_quarantine(demo_dir: Path, demo_db: Path) -> None:
    left = [p.name for p in (demo_dir / "inbox").iterdir() if p.suffix in {".csv", ".xlsx"}]
    assert left == []
    archived = sum(1 for p in (demo_dir / "archive").rglob("*") if p.suffix in {".csv", ".xlsx"})
    (stored,) = _query(demo_db, "select count(*) from submission where status <> 'rejected'")[0]
    assert archived == stored


def test_the_demo_database_says_it_holds_synthetic_data(demo_db: Path) -> None:
    assert _query(demo_db, "select value from meta where key = 'contains_synthetic_data'") == [("true",)]
    assert _query(demo_db, "select count(*) from submission where not is_synthetic") == [(0,)]


def test_alias_files_are_loaded_as_queried_not_rejected(demo_dir: Path, demo_db: Path) -> None:
    authorities = {row["authority_code"] for row in _ground_truth(demo_dir) if row["problem_type"] == "alias_labels"}
    statuses = _query(
        demo_db,
        "select distinct s.status from submission s join validation_issue v using (submission_id)"
        " where s.authority_code in (select unnest(?::varchar[])) and v.rule_id in ('Q203','Q204','Q205','Q206','Q207','Q208')",
        [sorted(authorities)],
    )
    assert statuses and {status for (status,) in statuses} <= {"queried", "superseded"}
