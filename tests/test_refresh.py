"""`refresh`: the inbox is processed, loaded files archived, rejected ones quarantined with their errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from etl.load import refresh
from test_load_files import query, return_csv, write_return


def bad_return() -> str:
    return return_csv("E06000002", "2026-09", 5).replace("total,ALL,5", "total,ALL,-3")


def test_loaded_files_are_archived_by_period_and_keep_their_received_time(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    received = datetime(2026, 10, 4, 9, 30)
    write_return(inbox, "h.csv", return_csv("E06000001", "2026-09", 3), received)
    summary = refresh(inbox, tmp_path / "o.duckdb")
    archived = tmp_path / "archive" / "2026-09" / "h.csv"
    assert archived.exists() and not (inbox / "h.csv").exists()
    assert summary.files[0].moved_to == str(archived)
    assert datetime.fromtimestamp(archived.stat().st_mtime) == received


def test_a_rejected_file_is_quarantined_beside_a_readable_list_of_its_errors(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_return(inbox, "bad.csv", bad_return())
    refresh(inbox, tmp_path / "o.duckdb", quarantine_dir=tmp_path / "q")
    folder = tmp_path / "q" / "2026-09"
    assert (folder / "bad.csv").exists()
    errors = (folder / "bad.csv.errors.txt").read_text(encoding="utf-8")
    stored = query(tmp_path / "o.duckdb", "select rule_id, row_number from validation_issue where severity = 'error'")
    for rule, row in stored:
        assert rule in errors
        assert f"row {row}" in errors if row is not None else "whole file" in errors
    assert "How to fix:" in errors and "bad.csv" in errors


def test_a_file_name_clash_in_the_archive_gets_a_suffix_and_overwrites_nothing(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "o.duckdb"
    write_return(inbox, "h.csv", return_csv("E06000001", "2026-09", 3), datetime(2026, 10, 2))
    refresh(inbox, db)
    write_return(inbox, "h.csv", return_csv("E06000001", "2026-09", 4), datetime(2026, 10, 8))
    refresh(inbox, db)
    folder = tmp_path / "archive" / "2026-09"
    assert sorted(p.name for p in folder.iterdir()) == ["h.1.csv", "h.csv"]
    assert "ALL,3" in (folder / "h.csv").read_text() and "ALL,4" in (folder / "h.1.csv").read_text()


def test_an_already_loaded_file_put_back_in_the_inbox_is_only_moved(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "o.duckdb"
    text = return_csv("E06000001", "2026-09", 3)
    write_return(inbox, "h.csv", text)
    refresh(inbox, db)
    write_return(inbox, "again.csv", text)
    summary = refresh(inbox, db)
    assert [o.status for o in summary.files] == ["unchanged"]
    assert query(db, "select count(*) from submission") == [(1,)]
    assert (tmp_path / "archive" / "2026-09" / "again.csv").exists()


def test_dotfiles_and_the_synthetic_marker_stay_in_the_inbox_and_the_marker_marks_files_synthetic(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "o.duckdb"
    write_return(inbox, "h.csv", return_csv("E06000001", "2026-09", 3))
    (inbox / "SYNTHETIC_DATA.txt").write_text("synthetic")
    (inbox / ".partial-upload.csv").write_text("half a file")
    summary = refresh(inbox, db)
    assert [o.file for o in summary.files] == ["h.csv"]
    assert sorted(p.name for p in inbox.iterdir()) == [".partial-upload.csv", "SYNTHETIC_DATA.txt"]
    assert query(db, "select is_synthetic from submission") == [(True,)]


def test_a_mixed_inbox_is_counted_in_the_summary(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_return(inbox, "a.csv", return_csv("E06000001", "2026-09", 3))
    write_return(inbox, "b.csv", bad_return())
    d = refresh(inbox, tmp_path / "o.duckdb").to_dict()
    assert (d["files_seen"], d["files_rejected"], d["files_accepted"] + d["files_queried"]) == (2, 1, 1)
    assert {f["file"]: f["status"] for f in d["files"]}["b.csv"] == "rejected"
