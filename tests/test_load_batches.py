"""The loader commits files in batches: the database it builds must not depend on where batches end.

Every table (scores included, run bookkeeping aside) must be identical whether each file is committed
on its own (a batch of one, what the loader did before batching), in small batches that split version
chains across commits, in one batch, or over two runs; and a run killed after some batches were
committed and others only staged must be completed exactly by the re-run.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import etl.load
from etl.load import _arrival_order, load_files
from test_load_files import query, return_csv, write_return
from write_session_helpers import assert_same_database, small_demo_inbox, tables


def _mixed_inbox(folder: Path) -> Path:
    """A few dozen demo returns plus what exercises the version chains: resubmissions of one month
    (received an hour apart, so they arrive in order), the same bytes under two names, a rejected file."""
    inbox = small_demo_inbox(folder)
    for hour, total in ((9, 4), (10, 5), (11, 6)):
        write_return(inbox, f"resubmitted_{hour}.csv", return_csv("E06000011", "2026-09", total), datetime(2026, 10, 3, hour))
    write_return(inbox, "twin_a.csv", return_csv("E06000012", "2026-09", 2), datetime(2026, 10, 4, 9))
    write_return(inbox, "twin_b.csv", return_csv("E06000012", "2026-09", 2), datetime(2026, 10, 4, 10))
    write_return(inbox, "rejected.csv", return_csv("E06000013", "2026-09", 3).replace(",total,ALL,3", ",total,ALL,three"),
                 datetime(2026, 10, 4, 11))
    write_return(inbox, "late_resubmission.csv", return_csv("E06000001", "2026-09", 9), datetime(2026, 11, 20, 9))
    return inbox


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _mixed_inbox(tmp_path_factory.mktemp("batches"))


@pytest.fixture(scope="module")
def one_file_per_commit(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: every file committed in its own transaction."""
    db = tmp_path_factory.mktemp("reference") / "o.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(etl.load, "BATCH_FILES", 1)
        summary = load_files(_files(inbox), db)
    assert summary.superseded >= 3 and summary.count("rejected") >= 1 and summary.count("unchanged") == 1
    return db


def _files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.iterdir() if p.name != "SYNTHETIC_DATA.txt")


@pytest.mark.parametrize("batch_files", [2, 3, 10_000])
def test_a_database_is_the_same_whatever_the_batch_size(
    inbox: Path, one_file_per_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_files: int
) -> None:
    monkeypatch.setattr(etl.load, "BATCH_FILES", batch_files)
    load_files(_files(inbox), tmp_path / "o.duckdb")
    assert_same_database(tmp_path / "o.duckdb", one_file_per_commit)


def test_a_database_loaded_over_two_runs_is_the_same_as_one_loaded_in_one(
    inbox: Path, one_file_per_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(etl.load, "BATCH_FILES", 4)
    arrived = _arrival_order(_files(inbox), None)
    resubmitted = next(i for i, p in enumerate(arrived) if p.name == "resubmitted_10.csv")
    load_files(arrived[:resubmitted], tmp_path / "o.duckdb")  # the chain continues in the second run
    second = load_files(arrived[resubmitted:], tmp_path / "o.duckdb")
    assert [o.version for o in second.files if o.file.startswith("resubmitted_")] == [2, 3]
    # The loader's tables; the scoring's own caches (cusum_threshold keeps each calibration) may keep
    # what the first run's scoring added.
    got, want = tables(tmp_path / "o.duckdb"), tables(one_file_per_commit)
    for name in ("submission", "return_count", "validation_issue"):
        assert got[name] == want[name], name


def test_the_versions_of_a_chain_split_across_batches_are_numbered_and_current_as_in_one(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(etl.load, "BATCH_FILES", 2)
    load_files(_files(inbox), tmp_path / "o.duckdb")
    chain = query(tmp_path / "o.duckdb", "select file_name, version, status, is_current from submission"
                  " where authority_code = 'E06000011' order by version")
    assert chain == [("resubmitted_9.csv", 1, "superseded", False), ("resubmitted_10.csv", 2, "superseded", False),
                     ("resubmitted_11.csv", 3, "accepted", True)]


KILLED_AT = 7  # with batches of 3: files 1-6 committed in two batches, the 7th staged when the run dies


def _refresh_in_batches_of_three(inbox: Path, db: Path, fault: str | None = None) -> subprocess.CompletedProcess:
    """The real `oversight refresh` in a process of its own, with batches of three files."""
    code = "import etl.load; etl.load.BATCH_FILES = 3; from etl.cli import app; app()"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OVERSIGHT_FAULT")}
    if fault:
        env["OVERSIGHT_FAULT_AT"] = fault
    return subprocess.run([sys.executable, "-c", code, "refresh", "--inbox", str(inbox), "--db", str(db), "--json"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_a_run_killed_between_batches_keeps_the_committed_ones_and_the_rerun_completes_it_exactly(
    inbox: Path, one_file_per_commit: Path, tmp_path: Path
) -> None:
    shutil.copytree(inbox, tmp_path / "inbox", copy_function=shutil.copy2)
    db = tmp_path / "o.duckdb"

    killed = _refresh_in_batches_of_three(tmp_path / "inbox", db, fault=f"store:{KILLED_AT}")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    working = db.with_name(db.name + ".next")
    stored = query(working, "select s.status, count(c.section) from submission s left join return_count c"
                            " using (submission_id) group by s.submission_id, s.status")
    assert len(stored) == 6, "two whole batches committed, the staged 7th file not"
    assert all(n > 0 for status, n in stored if status != "rejected"), "every committed file is complete"

    rerun = _refresh_in_batches_of_three(tmp_path / "inbox", db)

    assert rerun.returncode == 0, rerun.stderr
    assert tables(db).keys() == tables(one_file_per_commit).keys()
    assert_same_database(db, one_file_per_commit)
