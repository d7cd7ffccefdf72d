"""The one write session: every writer (load, refresh, score, any later command) gets the lock, a private
copy, the derived state decided from the database, and the swap; a failed generic writer leaves nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from etl.errors import DatabaseLockedError
from etl.load import load_files, refresh
from etl.scoring import rescore_database
from etl.write_session import next_path, write_session
from test_load_files import query, return_csv, write_return
from write_session_helpers import OVERSIGHT, tables, working_files, write_lock_held_elsewhere

CODES = ("E06000001", "E06000002", "E06000003")


@pytest.fixture
def live(tmp_path: Path) -> Path:
    db, inbox = tmp_path / "o.duckdb", tmp_path / "inbox"
    for code in CODES:
        write_return(inbox, f"SYNTHETIC_{code}_2026-09.csv", return_csv(code, "2026-09", 6))
    refresh(inbox, db)
    return db


def test_score_rescores_through_the_session_while_a_reader_holds_the_live_file(live: Path) -> None:
    reader = duckdb.connect(str(live), read_only=True)  # what the dashboard holds open
    inode = live.stat().st_ino
    try:
        summary = rescore_database(live)
        assert summary.scores > 0
        assert reader.execute("select count(*) from score").fetchone()[0] == summary.scores
    finally:
        reader.close()
    assert live.stat().st_ino != inode, "the live file is replaced whole, never written in place"
    assert working_files(live) == []


def test_score_waits_its_turn_behind_a_refresh_and_names_it(live: Path) -> None:
    with write_lock_held_elsewhere(live, "refresh"):
        with pytest.raises(DatabaseLockedError, match=r"pid \d+, `oversight refresh`"):
            rescore_database(live)
        cli = subprocess.run([str(OVERSIGHT), "score", "--db", str(live)], capture_output=True, text=True)
        assert cli.returncode == 2 and "oversight refresh" in " ".join(cli.stderr.split())
        assert "Traceback" not in cli.stderr


def test_the_synthetic_marker_is_restored_from_the_submissions_by_the_next_writer(live: Path) -> None:
    # The state issue 7 found, left by the code before the scored-state marker: synthetic returns
    # stored, but no synthetic marker and no scores.
    con = duckdb.connect(str(live))
    con.execute("delete from meta where key in ('contains_synthetic_data', 'scored_state')")
    con.execute("delete from score")
    con.close()
    summary = refresh(live.parent / "inbox", live)
    assert summary.count("unchanged") == 0 and summary.files_seen == 0
    assert summary.contains_synthetic_data and summary.rescored
    assert query(live, "select value from meta where key = 'contains_synthetic_data'") == [("true",)]
    assert query(live, "select count(*) from score")[0][0] > 0


def test_the_synthetic_marker_is_removed_when_no_synthetic_submission_remains(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    load_files([write_return(tmp_path / "in", "h.csv", return_csv("E06000001", "2026-09", 7))], db)
    con = duckdb.connect(str(db))
    con.execute("insert into meta values ('contains_synthetic_data', 'true')")
    con.close()
    with write_session(db, "users"):
        pass
    assert query(db, "select value from meta where key = 'contains_synthetic_data'") == []


def test_a_generic_writer_changes_the_live_file_only_by_the_swap_and_keeps_current_scores(live: Path) -> None:
    before = tables(live)
    state = query(live, "select value from meta where key = 'scored_state'")
    with write_session(live, "users") as con:
        con.execute("insert into meta values ('written_by', 'users')")
        assert query(live, "select count(*) from meta where key = 'written_by'") == [(0,)]
    assert query(live, "select value from meta where key = 'written_by'") == [("users",)]
    assert query(live, "select value from meta where key = 'scored_state'") == state
    after = tables(live)
    assert all(after[name] == before[name] for name in before if name != "meta"), "scores current: not recomputed"


def test_a_generic_writer_that_fails_leaves_the_live_file_and_no_working_copy(live: Path) -> None:
    before = tables(live)
    with pytest.raises(RuntimeError, match="half done"):
        with write_session(live, "users") as con:
            con.execute("insert into meta values ('written_by', 'users')")
            raise RuntimeError("half done")
    assert tables(live) == before
    assert working_files(live) == [], "half a generic writer's work is never resumed by a later writer"


def test_a_what_if_configuration_stays_in_force_through_other_writers(live: Path, tmp_path: Path) -> None:
    from etl.settings import SCORING_CONFIG

    text = SCORING_CONFIG.read_text(encoding="utf-8").replace('name = "Good"\nmin_score = 85.0', 'name = "Good"\nmin_score = 99.5')
    other = tmp_path / "strict.toml"
    other.write_text(text, encoding="utf-8")
    version = rescore_database(live, config_path=other).config_version
    with write_session(live, "users"):
        pass
    assert query(live, "select distinct config_version from score") == [(version,)]


def test_a_stale_wal_of_a_working_copy_is_never_replayed_onto_a_fresh_copy(live: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("set checkpoint_threshold = '1GB'")
    con.execute("create table stray (x integer)")
    con.execute("insert into stray values (1)")
    wal = Path(str(other) + ".wal")
    shutil.copyfile(wal, Path(str(next_path(live)) + ".wal"))  # a crash between the two renames leaves this
    con.close()
    write_return(live.parent / "inbox", "E06000004_2026-09.csv", return_csv("E06000004", "2026-09", 3))

    summary = refresh(live.parent / "inbox", live)

    assert summary.count("accepted") == 1
    assert query(live, "select count(*) from duckdb_tables() where table_name = 'stray'") == [(0,)]
    assert working_files(live) == []


def test_the_fault_hook_does_nothing_unless_asked(tmp_path: Path) -> None:
    assert "OVERSIGHT_FAULT_AT" not in os.environ
    db = tmp_path / "o.duckdb"
    load_files([write_return(tmp_path / "in", "h.csv", return_csv("E06000001", "2026-09", 7))], db)
    assert query(db, "select count(*) from submission") == [(1,)]
