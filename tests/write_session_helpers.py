"""Helpers for the write-session failure tests: a small synthetic inbox, a real `oversight refresh`
subprocess with the test-only fault hook (etl/faults.py), and a table-by-table database comparison."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from etl.write_session import write_lock

OVERSIGHT = Path(sys.executable).parent / "oversight"
# Run bookkeeping that legitimately differs between an interrupted build and an uninterrupted one:
# which run stored a file, and when things happened. Everything else must be equal, exactly.
BOOKKEEPING = {
    "load_run": None,  # the whole table: one row per run, timings
    "submission": ("run_id", "loaded_at"),
    "score_config": ("created_at",),
    "schema_migrations": ("applied_at",),
}
# A few dozen files: every return of these authorities in the demo's last months.
AUTHORITIES = ("E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047",
               "E08000013", "E08000007", "E09000006", "E10000007", "E10000016", "E06000015")


def small_demo_inbox(folder: Path) -> Path:
    """A synthetic inbox of a few dozen demo returns (with SYNTHETIC_DATA.txt), mtimes kept."""
    from etl.demo import generate_demo

    full = folder / "full" / "inbox"
    generate_demo(full, seed=20261129, start="2026-06", end="2026-10")
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    for path in sorted(full.iterdir()):
        if path.name == "SYNTHETIC_DATA.txt" or any(f"_{code}_" in path.name for code in AUTHORITIES):
            shutil.copy2(path, inbox / path.name)
    shutil.rmtree(folder / "full")
    return inbox


def copy_inbox(source: Path, destination: Path) -> Path:
    """A fresh copy of an inbox with its modification times (the files' received moments)."""
    shutil.copytree(source, destination, copy_function=shutil.copy2)
    return destination


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def oversight(*args: str, fault: str | None = None, action: str = "kill", timeout: float = 300) -> Run:
    """Run the real `oversight` command; `fault` sets OVERSIGHT_FAULT_AT (etl/faults.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERSIGHT_FAULT")}
    if fault:
        env |= {"OVERSIGHT_FAULT_AT": fault, "OVERSIGHT_FAULT_ACTION": action}
    done = subprocess.run([str(OVERSIGHT), *args], capture_output=True, text=True, env=env, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def refresh(inbox: Path, db: Path, fault: str | None = None, action: str = "kill") -> Run:
    return oversight("refresh", "--inbox", str(inbox), "--db", str(db), "--json", fault=fault, action=action)


def tables(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows in a fixed order, run bookkeeping left out (see BOOKKEEPING)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [name for (name,) in con.execute(
            "select table_name from duckdb_tables() where not temporary order by table_name"
        ).fetchall()]
        content = {}
        for name in names:
            if name in BOOKKEEPING and BOOKKEEPING[name] is None:
                continue
            excluded = BOOKKEEPING.get(name)
            columns = f"* exclude ({', '.join(excluded)})" if excluded else "*"
            content[name] = con.execute(f'select {columns} from "{name}" order by all').fetchall()
        return content
    finally:
        con.close()


# Run bookkeeping aside, every table must be equal exactly, the scoring marts included: the scoring sums
# in fixed-point decimals and sorts its row lists, so the same inputs give the same scores bit for bit
# (issue 7 item 6; tests/test_scoring_reproducible.py).


def assert_same_database(actual: Path, expected: Path) -> None:
    """Table by table, row by row, exactly (scores included), apart from run bookkeeping."""
    got, want = tables(actual), tables(expected)
    assert sorted(got) == sorted(want), "the two databases hold different tables"
    for name in want:
        assert len(got[name]) == len(want[name]), f"table {name}: {len(got[name])} rows, expected {len(want[name])}"
        differing = [(g, w) for g, w in zip(got[name], want[name]) if g != w]
        assert not differing, f"table {name}: {len(differing)} rows differ, first {differing[0]}"


def scalar(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def working_files(db: Path) -> list[str]:
    """What a session leaves beside the live file (working copies, WALs, set-aside copies)."""
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name + ".") and p.name != db.name + ".lock")


FIRST_FILES = 20  # stored by a first, uninterrupted refresh; the faulted run has the rest


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # imported by the test modules
    """The inbox, the database built without interruption, and a live database holding the first files
    (with the inbox of the files still to come)."""
    root = tmp_path_factory.mktemp("kills")
    inbox = small_demo_inbox(root / "source")
    baseline = root / "baseline"
    copy_inbox(inbox, baseline / "inbox")
    done = refresh(baseline / "inbox", baseline / "o.duckdb")
    assert done.returncode == 0, done.stderr
    half = root / "half"
    copy_inbox(inbox, half / "inbox")
    later = half / "later"
    later.mkdir()
    returns = sorted(
        (p for p in (half / "inbox").iterdir() if p.name != "SYNTHETIC_DATA.txt"),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    for path in returns[FIRST_FILES:]:  # the later arrivals wait outside the inbox
        shutil.move(str(path), str(later / path.name))
    done = refresh(half / "inbox", half / "o.duckdb")
    assert done.returncode == 0, done.stderr
    for path in later.iterdir():
        shutil.move(str(path), str(half / "inbox" / path.name))
    later.rmdir()
    return {"inbox": inbox, "baseline": baseline / "o.duckdb", "half": half}


def start_from_half(states: dict[str, Path], folder: Path) -> tuple[Path, Path]:
    shutil.copytree(states["half"], folder, copy_function=shutil.copy2)
    return folder / "inbox", folder / "o.duckdb"


def opens_but_unreadable(path: Path, data: bytes) -> bytes:
    """`data` with one 256 KiB block zeroed such that DuckDB still opens the file (its catalogue is
    intact) but reading every table fails: the damage a check that only opens the file cannot see."""
    header, block = 3 * 4096, 262144
    for start in range(header, len(data) - block + 1, block):
        damaged = data[:start] + bytes(block) + data[start + block:]
        path.write_bytes(damaged)
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue  # that block held the catalogue: the file does not even open
        try:
            for (name,) in con.execute("select table_name from duckdb_tables()").fetchall():
                con.execute(f'select * from "{name}"').fetchall()
        except duckdb.Error:
            return damaged
        finally:
            con.close()
    pytest.fail("no block of the working copy could be damaged so that it opens but cannot be read")


@contextmanager
def write_lock_held_elsewhere(db: Path, *lock_args: str) -> Iterator[None]:
    """Hold the write lock on `db` in another thread for the duration of the block."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with write_lock(db, *lock_args):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10), "the holding thread never took the write lock"
        yield
    finally:
        release.set()
        holder.join()
