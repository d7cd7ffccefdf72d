"""A real `oversight refresh` killed with SIGKILL at chosen moments: the re-run completes the work and
the database equals one built without interruption, scores and the synthetic marker included.

The kills come from the test-only fault hook (etl/faults.py, OVERSIGHT_FAULT_AT): the process sends
itself SIGKILL at the named point, exactly what `kill -9` or the OOM killer does. Each scenario starts
from a live database already holding the first files, so the run copies a real live file.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import duckdb
import pytest

from etl.reading_marker import marker_path
from write_session_helpers import (  # noqa: F401 (states is a fixture)
    assert_same_database, opens_but_unreadable, refresh, scalar, start_from_half, states, tables,
    working_files,
)


def filed_away(folder: Path) -> list[str]:
    names = [p.name for sub in ("archive", "quarantine") if (folder / sub).exists()
             for p in (folder / sub).rglob("*") if p.is_file() and not p.name.endswith(".errors.txt")]
    return sorted(names)


@pytest.mark.parametrize(
    "fault",
    [
        "copy",        # the live file copied to <db>.next.partial, not yet renamed
        "store:15",    # during the load: 14 files committed in <db>.next, the 15th just committed
        "rescore",     # every file stored; scores computed but not committed (issue 7, case 1)
        "swap",        # <db>.next complete and fsynced, not yet swapped in
        "archive:10",  # swapped in; 9 files moved to the archive, the rest still in the inbox
    ],
)
def test_a_refresh_killed_at_any_moment_is_completed_by_the_next_run_exactly(
    states: dict[str, Path], tmp_path: Path, fault: str
) -> None:
    inbox, db = start_from_half(states, tmp_path / "run")
    live_before = tables(db)
    returns = sorted(p.name for p in inbox.iterdir() if p.name != "SYNTHETIC_DATA.txt")

    killed = refresh(inbox, db, fault=fault)

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if fault.startswith("archive"):
        assert len(filed_away(db.parent)) > 0  # the new database is live; filing away was cut short
    else:
        assert tables(db) == live_before, "the live database must not change before the swap"
        assert sorted(p.name for p in inbox.iterdir() if p.name != "SYNTHETIC_DATA.txt") == returns

    rerun = refresh(inbox, db)

    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert_same_database(db, states["baseline"])
    assert scalar(db, "select value from meta where key = 'contains_synthetic_data'") == "true"
    assert scalar(db, "select count(*) from score") > 0
    assert working_files(db) == [], "nothing of the killed run may be left beside the live file"
    assert [p.name for p in inbox.iterdir()] == ["SYNTHETIC_DATA.txt"]
    everything = sorted(p.name for p in states["inbox"].iterdir() if p.name != "SYNTHETIC_DATA.txt")
    assert filed_away(db.parent) == everything, "every file filed away exactly once"
    if fault == "rescore":  # every file was stored before the kill: rescoring is decided from the database
        summary = json.loads(rerun.stdout)
        assert summary["files_unchanged"] == summary["files_seen"] > 0
        assert summary["rescored"] is True and summary["contains_synthetic_data"] is True


@pytest.mark.parametrize("damage", ["truncated", "zeroed"])
def test_a_damaged_working_copy_is_set_aside_with_its_wal_and_the_run_starts_again(
    states: dict[str, Path], tmp_path: Path, damage: str
) -> None:
    inbox, db = start_from_half(states, tmp_path / "run")
    assert refresh(inbox, db, fault="store:15").returncode == -signal.SIGKILL
    working = db.with_name(db.name + ".next")
    wal = working.with_name(working.name + ".wal")
    assert working.exists() and wal.exists(), "a killed run leaves its copy and the log of its commits"
    data = bytearray(working.read_bytes())
    if damage == "truncated":  # what a copy cut short leaves
        working.write_bytes(bytes(data[: len(data) // 2]))
    else:  # a copy that opens but one of whose data blocks was never written (an OS crash without fsync)
        working.write_bytes(opens_but_unreadable(working, bytes(data)))

    rerun = refresh(inbox, db)

    assert rerun.returncode == 0, rerun.stderr
    assert "damaged" in rerun.stderr
    aside = sorted(p.name for p in db.parent.glob("o.duckdb.next.damaged-*"))
    assert len(aside) == 2 and aside[1] == aside[0] + ".wal", "the damaged copy is kept with its WAL"
    assert_same_database(db, states["baseline"])
    assert not working.exists() and not wal.exists()



# --- a file the process dies reading (etl/reading_marker.py) -------------------------------------------

def _marker(db: Path) -> dict | None:
    """What `<db>.reading` names: None when it is missing or empty (no file being read)."""
    path = marker_path(db)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return json.loads(text) if text else None


def test_a_file_one_run_died_reading_is_read_again_with_a_warning_and_the_database_is_as_if_it_had_not(
    states: dict[str, Path], tmp_path: Path
) -> None:
    inbox, db = start_from_half(states, tmp_path / "run")

    killed = refresh(inbox, db, fault="read:3")  # dies while the third new file is being read

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    marker = _marker(db)
    assert marker is not None and marker["deaths"] == 0 and (inbox / marker["name"]).is_file()

    rerun = refresh(inbox, db)

    assert rerun.returncode == 0, rerun.stderr
    warnings = json.loads(rerun.stdout)["warnings"]
    assert len(warnings) == 1
    assert f"stopped while reading {marker['name']}" in warnings[0] and "read again" in warnings[0]
    assert_same_database(db, states["baseline"])
    assert working_files(db) == [], "the marker goes once a run has been through its files"


def test_a_file_two_runs_in_a_row_died_reading_is_set_aside_unread_with_its_reason_and_the_rest_load(
    states: dict[str, Path], tmp_path: Path
) -> None:
    inbox, db = start_from_half(states, tmp_path / "run")

    for deaths in (0, 1):
        killed = refresh(inbox, db, fault="read:3")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        marker = _marker(db)
        assert marker is not None and marker["deaths"] == deaths
    poison = marker["name"]

    third = refresh(inbox, db)

    assert third.returncode == 0, third.stderr
    summary = json.loads(third.stdout)
    (outcome,) = [f for f in summary["files"] if f["file"] == poison]
    assert outcome["status"] == "rejected" and outcome["issue_count"] == 1
    assert f"stopped while reading {poison}" in summary["warnings"][0] and "set aside unread" in summary["warnings"][0]
    con = duckdb.connect(str(db), read_only=True)
    try:
        issues = con.execute("select i.rule_id, i.message from validation_issue i join submission s using (submission_id) "
                             "where s.file_name = ?", [poison]).fetchall()
    finally:
        con.close()
    assert len(issues) == 1 and issues[0][0] == "E101"
    assert "the last 2 runs that read this file each stopped while reading it" in issues[0][1]
    (kept,) = (db.parent / "quarantine").rglob(poison)
    assert "set aside unread" in kept.with_name(poison + ".errors.txt").read_text(encoding="utf-8")
    everything = sorted(p.name for p in states["inbox"].iterdir() if p.name != "SYNTHETIC_DATA.txt")
    assert filed_away(db.parent) == everything, "every file filed away exactly once"
    loaded = scalar(db, "select count(*) from submission where validation_status <> 'rejected'")
    assert loaded == scalar(states["baseline"], "select count(*) from submission where validation_status <> 'rejected'") - 1
    assert working_files(db) == []
