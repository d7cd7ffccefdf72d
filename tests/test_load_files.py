"""Loading return files: storage, idempotency, resubmission, rejected files and synthetic marking."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from etl.load import load_files

SECTIONS = {
    "concern_type": "ISLAMIST", "age_band": "AGE_11_15", "sex": "MALE", "referral_source": "EDUCATION",
    "action": "EARLY_HELP",
}

FLAGS = ("FAMILY_MEMBER_KNOWN_TO_PREVENT", "MOVED_IN_LAST_12_MONTHS", "PREVIOUS_AUTHORITY_RECORDS_RECEIVED", "SHARED_WITH_CT_POLICE")
PRACTICE = ("SYSTEM_FLAGS_FAMILY_MEMBERS", "RECORDS_UNREFERRED_CONCERNS", "USES_NATIONAL_CATEGORIES", "WRITTEN_RECORDING_POLICY")


def return_csv(code: str, period: str, total: int) -> str:
    """A canonical, valid return: every breakdown in one category, flags 0, practice declared."""
    lines = ["authority_code,period,section,category,count", f"{code},{period},total,ALL,{total}"]
    lines += [f"{code},{period},{section},{category},{total}" for section, category in SECTIONS.items()]
    lines += [f"{code},{period},flag,{flag},0" for flag in FLAGS]
    lines += [f"{code},{period},practice,{practice},1" for practice in PRACTICE]
    return "\n".join(lines) + "\n"


def write_return(folder: Path, name: str, text: str, received: datetime | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if received is not None:
        stamp = received.timestamp()
        os.utime(path, (stamp, stamp))
    return path


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_loaded_return_stores_its_submission_and_counts(tmp_path: Path) -> None:
    path = write_return(tmp_path / "in", "h.csv", return_csv("E06000001", "2026-09", 7))
    summary = load_files([path], tmp_path / "o.duckdb")
    assert [o.status for o in summary.files] == ["accepted"]
    rows = query(tmp_path / "o.duckdb", "select authority_code, period, version, status, is_current from submission")
    assert [(r[0], r[1].isoformat(), r[2], r[3], r[4]) for r in rows] == [("E06000001", "2026-09-01", 1, "accepted", True)]
    total = query(tmp_path / "o.duckdb", "select count from return_count where section = 'total'")
    assert total == [(7,)]


def test_loading_the_same_file_twice_changes_nothing_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    path = write_return(tmp_path / "in", "h.csv", return_csv("E06000001", "2026-09", 7))
    load_files([path], db)
    before = query(db, "select * from submission order by submission_id"), query(db, "select * from return_count order by all")
    second = load_files([path], db)
    assert [o.status for o in second.files] == ["unchanged"]
    assert second.to_dict()["files_unchanged"] == 1
    after = query(db, "select * from submission order by submission_id"), query(db, "select * from return_count order by all")
    assert after == before


def test_a_resubmission_becomes_current_and_keeps_the_earlier_version_as_superseded(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    first = write_return(tmp_path / "in", "h1.csv", return_csv("E06000001", "2026-09", 7), datetime(2026, 10, 3))
    second = write_return(tmp_path / "in", "h2.csv", return_csv("E06000001", "2026-09", 9), datetime(2026, 10, 9))
    load_files([first], db)
    summary = load_files([second], db)
    assert summary.superseded == 1
    rows = query(db, "select file_name, version, status, validation_status, is_current from submission order by version")
    assert rows == [("h1.csv", 1, "superseded", "accepted", False), ("h2.csv", 2, "accepted", "accepted", True)]
    current_total = query(
        db, "select c.count from return_count c join submission s using (submission_id) where s.is_current and c.section = 'total'"
    )
    assert current_total == [(9,)]


def test_an_older_file_arriving_late_is_stored_as_superseded_and_the_newest_stays_current(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    newer = write_return(tmp_path / "in", "new.csv", return_csv("E06000001", "2026-09", 9), datetime(2026, 10, 9))
    older = write_return(tmp_path / "in", "old.csv", return_csv("E06000001", "2026-09", 7), datetime(2026, 10, 3))
    load_files([newer], db)
    load_files([older], db)
    rows = query(db, "select file_name, version, status, is_current from submission order by version")
    assert rows == [("old.csv", 1, "superseded", False), ("new.csv", 2, "accepted", True)]


def test_a_rejected_file_is_kept_with_its_issues_and_supersedes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    good = write_return(tmp_path / "in", "good.csv", return_csv("E06000001", "2026-09", 7), datetime(2026, 10, 3))
    bad_text = return_csv("E06000001", "2026-09", 7).replace("total,ALL,7", "total,ALL,-3")
    bad = write_return(tmp_path / "in", "bad.csv", bad_text, datetime(2026, 10, 9))
    load_files([good], db)
    summary = load_files([bad], db)
    assert [o.status for o in summary.files] == ["rejected"]
    rows = query(db, "select file_name, status, is_current, version from submission order by submission_id")
    assert rows == [("good.csv", "accepted", True, 1), ("bad.csv", "rejected", False, None)]
    issues = query(db, "select count(*) from validation_issue v join submission s using (submission_id) where s.file_name = 'bad.csv' and v.severity = 'error'")
    assert issues[0][0] >= 1
    counts = query(db, "select count(*) from return_count c join submission s using (submission_id) where s.file_name = 'bad.csv'")
    assert counts == [(0,)]


def test_synthetic_files_are_marked_and_the_database_says_it_holds_synthetic_data(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    path = write_return(tmp_path / "in", "SYNTHETIC_E06000001_2026-09.csv", return_csv("E06000001", "2026-09", 7))
    load_files([path], db)
    assert query(db, "select is_synthetic from submission") == [(True,)]
    assert query(db, "select value from meta where key = 'contains_synthetic_data'") == [("true",)]


def test_a_real_file_is_not_marked_synthetic(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    load_files([write_return(tmp_path / "in", "h.csv", return_csv("E06000001", "2026-09", 7))], db)
    assert query(db, "select is_synthetic from submission") == [(False,)]
    assert query(db, "select value from meta where key = 'contains_synthetic_data'") == []


def test_each_run_is_recorded_with_its_counts(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    folder = tmp_path / "in"
    paths = [write_return(folder, f"r{i}.csv", return_csv(code, "2026-09", 3)) for i, code in enumerate(["E06000001", "E06000002"])]
    summary = load_files(paths, db)
    runs = query(db, "select run_id, command, status, files_seen, files_accepted, finished_at is not null from load_run")
    assert runs == [(summary.run_id, "load", "completed", 2, 2, True)]
    as_json = summary.to_dict()
    assert as_json["files_seen"] == 2 and len(as_json["files"]) == 2
    assert {f["authority"] for f in as_json["files"]} == {"E06000001", "E06000002"}


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    from etl.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="no such file"):
        load_files([tmp_path / "nope.csv"], tmp_path / "o.duckdb")


def test_a_device_given_as_a_return_is_refused_by_name(tmp_path: Path) -> None:
    from etl.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="not a regular file .*: /dev/null"):
        load_files(["/dev/null"], tmp_path / "o.duckdb")
    assert not (tmp_path / "o.duckdb").exists()
