"""A full disk: the run says "No space left on device" and how much space it needs, deletes what it
created (so the disk is not left full), leaves the live database and the inbox untouched, exits 2
without a traceback; once space is freed the same command completes the work exactly."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from write_session_helpers import (  # noqa: F401 (states is a fixture)
    assert_same_database, oversight, refresh, start_from_half, states, tables, working_files,
)


def assert_reported_disk_full(run) -> None:
    assert run.returncode == 2
    message = " ".join(run.stderr.split())  # rich wraps long lines
    assert "No space left on device" in message
    assert "MiB free there" in message and "live database" in message
    assert "Traceback" not in run.stderr and "cannot rollback" not in run.stderr


@pytest.mark.parametrize("fault", ["store:10", "rescore"])
def test_an_injected_disk_full_is_reported_cleaned_up_and_the_rerun_completes(
    states: dict[str, Path], tmp_path: Path, fault: str
) -> None:
    inbox, db = start_from_half(states, tmp_path / "run")
    live_before, inbox_before = tables(db), sorted(p.name for p in inbox.iterdir())

    full = refresh(inbox, db, fault=fault, action="enospc")

    assert_reported_disk_full(full)
    assert working_files(db) == [], "the working copy and its WAL are deleted: they are what fills the disk"
    assert tables(db) == live_before
    assert sorted(p.name for p in inbox.iterdir()) == inbox_before

    rerun = refresh(inbox, db)
    assert rerun.returncode == 0, rerun.stderr
    assert_same_database(db, states["baseline"])


@pytest.fixture
def small_filesystem(tmp_path: Path):
    """A 48 MiB tmpfs (needs root: skipped where mounting is not allowed)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not root'})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_real_full_disk_is_reported_cleaned_up_and_the_rerun_completes(
    states: dict[str, Path], tmp_path: Path, small_filesystem: Path
) -> None:
    inbox, half_db = start_from_half(states, tmp_path / "run")
    db = small_filesystem / "o.duckdb"
    shutil.copy2(half_db, db)
    live_before = tables(db)
    filler = small_filesystem / "filler"
    # Room for the copy of the live file and a little more: the run fills the disk while storing.
    room = db.stat().st_size + 256 * 1024
    filler.write_bytes(bytes(shutil.disk_usage(small_filesystem).free - room))

    full = oversight("refresh", "--inbox", str(inbox), "--db", str(db))

    assert_reported_disk_full(full)
    assert working_files(db) == []
    assert tables(db) == live_before
    assert shutil.disk_usage(small_filesystem).free >= room - 64 * 1024, "the space the run took is given back"
    filler.unlink()
    rerun = oversight("refresh", "--inbox", str(inbox), "--db", str(db))
    assert rerun.returncode == 0, rerun.stderr
    assert_same_database(db, states["baseline"])
    assert not os.listdir(inbox) or os.listdir(inbox) == ["SYNTHETIC_DATA.txt"]


def test_a_full_disk_while_filing_away_says_the_database_is_up_to_date_and_the_rerun_moves_the_rest(
    states: dict[str, Path], tmp_path: Path
) -> None:
    inbox, db = start_from_half(states, tmp_path / "run")

    full = refresh(inbox, db, fault="archive:3", action="enospc")

    assert full.returncode == 2 and "Traceback" not in full.stderr
    message = " ".join(full.stderr.split())
    assert "is up to date" in message and "No space left on device" in message
    assert_same_database(db, states["baseline"])
    rerun = refresh(inbox, db)
    assert rerun.returncode == 0, rerun.stderr
    assert os.listdir(inbox) == ["SYNTHETIC_DATA.txt"]
    assert_same_database(db, states["baseline"])
