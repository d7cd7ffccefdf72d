"""The write session: atomicity under a forced failure, resuming, the lock, and readers during a refresh."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import etl.load
from etl.errors import DatabaseLockedError
from etl.load import next_path, refresh
from test_load_files import query, return_csv, write_return
from write_session_helpers import write_lock_held_elsewhere

CODES = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]


def fill_inbox(inbox: Path, period: str = "2026-09") -> None:
    for code in CODES:
        write_return(inbox, f"{code}_{period}.csv", return_csv(code, period, 4))


def test_a_failure_mid_run_leaves_the_live_database_and_inbox_untouched_and_a_rerun_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, inbox = tmp_path / "o.duckdb", tmp_path / "inbox"
    write_return(inbox, "first.csv", return_csv("E06000010", "2026-08", 2))
    refresh(inbox, db)
    live_before = query(db, "select submission_id, file_name, status from submission order by all")
    fill_inbox(inbox)

    real_insert = etl.load._insert_counts
    calls = {"n": 0}

    def failing_insert(con, submission_id, result):  # the third file's insert fails
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (forced by the test)")
        real_insert(con, submission_id, result)

    monkeypatch.setattr(etl.load, "_insert_counts", failing_insert)
    with pytest.raises(RuntimeError, match="forced by the test"):
        refresh(inbox, db)

    assert query(db, "select submission_id, file_name, status from submission order by all") == live_before
    assert sorted(p.name for p in inbox.iterdir()) == sorted(f"{c}_2026-09.csv" for c in CODES)
    # The .next file holds exactly the files committed before the failure, each complete.
    partial = query(next_path(db), "select s.file_name, count(c.section) from submission s left join return_count c using (submission_id) where s.period = '2026-09-01' group by all")
    assert len(partial) == 2 and all(n > 0 for _, n in partial)
    assert query(next_path(db), "select status from load_run order by run_id desc limit 1") == [("failed",)]

    monkeypatch.setattr(etl.load, "_insert_counts", real_insert)
    summary = refresh(inbox, db)
    assert sorted(o.status for o in summary.files) == ["accepted"] * 3 + ["unchanged"] * 2
    assert not next_path(db).exists()
    assert query(db, "select count(*) from submission where period = '2026-09-01' and is_current") == [(5,)]
    assert list(inbox.iterdir()) == []


def test_a_second_writer_fails_at_once_with_a_clear_message_naming_the_holder(tmp_path: Path) -> None:
    db, inbox = tmp_path / "o.duckdb", tmp_path / "inbox"
    fill_inbox(inbox)
    with write_lock_held_elsewhere(db):
        with pytest.raises(DatabaseLockedError, match=r"another writer \(pid \d+\) is writing"):
            refresh(inbox, db)
    assert len(list(inbox.iterdir())) == len(CODES)
    assert refresh(inbox, db).count("accepted") == len(CODES)


def test_a_reader_of_the_live_file_keeps_working_during_a_refresh_and_sees_old_or_new_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, inbox = tmp_path / "o.duckdb", tmp_path / "inbox"
    write_return(inbox, "first.csv", return_csv("E06000010", "2026-08", 2))
    refresh(inbox, db)
    fill_inbox(inbox)
    seen: list[int] = []
    real_store = etl.load._Writer.store

    def store_and_read(self, candidate, result):
        outcome = real_store(self, candidate, result)
        # Mid-run, a read-only reader opens the live file: it works and sees the old state only.
        con = duckdb.connect(str(db), read_only=True)
        try:
            seen.append(con.execute("select count(*) from submission").fetchone()[0])
        finally:
            con.close()
        return outcome

    monkeypatch.setattr(etl.load._Writer, "store", store_and_read)
    reader = duckdb.connect(str(db), read_only=True)  # a handle open across the swap
    try:
        refresh(inbox, db)
        assert reader.execute("select count(*) from submission").fetchone()[0] == 1
    finally:
        reader.close()
    assert seen == [1] * len(CODES)
    assert query(db, "select count(*) from submission") == [(1 + len(CODES),)]


def test_a_damaged_working_copy_is_set_aside_and_the_run_starts_again_from_the_live_file(tmp_path: Path) -> None:
    db, inbox = tmp_path / "o.duckdb", tmp_path / "inbox"
    write_return(inbox, "first.csv", return_csv("E06000010", "2026-08", 2))
    refresh(inbox, db)
    fill_inbox(inbox)
    # What an operating-system crash could leave: a working copy that is not a database at all.
    next_path(db).write_bytes(b"\0garbage left by a crash" * 100)

    summary = refresh(inbox, db)

    assert sorted(o.status for o in summary.files) == ["accepted"] * len(CODES)
    assert query(db, "select count(*) from submission where is_current") == [(len(CODES) + 1,)]
    damaged = list(tmp_path.glob("o.duckdb.next.damaged-*"))
    assert len(damaged) == 1, "the damaged copy is kept for inspection, never deleted"
