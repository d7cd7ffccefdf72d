"""`refresh`: the inbox is processed, loaded files archived, rejected ones quarantined with their errors."""

from __future__ import annotations

import os
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
    queries = query(tmp_path / "o.duckdb", "select count(*) from validation_issue where severity <> 'error'")[0][0]
    words = {1: "1 error", 0: "0 errors"}.get(len(stored), f"{len(stored)} errors")
    assert f"{words} and {queries} {'query' if queries == 1 else 'queries'}." in errors  # never "error(s)"


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


def test_a_file_whose_name_is_not_utf8_is_loaded_under_a_readable_name_and_archived_under_its_own(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "o.duckdb"
    inbox.mkdir()
    raw_name = b"caf\xe9 return.csv"  # Windows-1252 bytes copied onto a UTF-8 file system
    (inbox / os.fsdecode(raw_name)).write_text(
        return_csv("E06000001", "2026-09", 3), encoding="utf-8")
    write_return(inbox, "other.csv", bad_return())
    summary = refresh(inbox, db)
    assert sorted(o.status for o in summary.files) == ["accepted", "rejected"]
    assert query(db, "select file_name from submission order by file_name") == [("caf\ufffd return.csv",), ("other.csv",)]
    archived = [p.name.encode("utf-8", "surrogateescape") for p in (tmp_path / "archive" / "2026-09").iterdir()]
    assert archived == [raw_name]  # the file itself keeps its name, byte for byte


def test_a_symbolic_link_in_the_inbox_is_never_followed_and_is_set_aside_with_the_reason(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "o.duckdb"
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the server's own file\n", encoding="utf-8")
    write_return(inbox, "good.csv", return_csv("E06000001", "2026-09", 3))
    (inbox / "link.csv").symlink_to(secret)
    summary = refresh(inbox, db, quarantine_dir=tmp_path / "q")
    assert [o.file for o in summary.files] == ["good.csv"]
    assert [name for name, _, _ in summary.set_aside] == ["link.csv"]
    kept = tmp_path / "q" / "not-a-return" / "link.csv"
    assert kept.is_symlink() and not (inbox / "link.csv").exists()
    reason = (tmp_path / "q" / "not-a-return" / "link.csv.errors.txt").read_text(encoding="utf-8")
    assert "symbolic link" in reason and "root:x" not in reason
    assert query(db, "select count(*) from submission") == [(1,)]
    stored = query(db, "select string_agg(message, ' ') from validation_issue")[0][0] or ""
    assert "root:x" not in stored


def test_counts_at_the_standards_nine_digit_maximum_load_and_are_scored(tmp_path: Path) -> None:
    # A council may type 999,999,999 (the standard allows nine digits): sums of such counts over a
    # return's sections passed the scoring's fixed-point range, and the whole refresh failed.
    inbox, db = tmp_path / "inbox", tmp_path / "o.duckdb"
    for month in ("2026-07", "2026-08", "2026-09"):
        write_return(inbox, f"big-{month}.csv", return_csv("E06000001", month, 999_999_999))
        write_return(inbox, f"small-{month}.csv", return_csv("E06000002", month, 4))
    summary = refresh(inbox, db)
    assert summary.count("rejected") == 0 and summary.rescored
    completeness = query(db, "select score, denominator from score where authority_code = 'E06000001' "
                             "and dimension = 'completeness' and period = '2026-09-01' and \"window\" = 'month'")
    assert completeness and 0 <= completeness[0][0] <= 100
    assert completeness[0][1] >= 999_999_999  # the unit's denominator: sections x the total
