"""The one write session every writer goes through: lock, private copy, work, scored state, swap.

    with write_session(db_path, "users") as con:
        con.execute("begin transaction"); con.execute("insert into ..."); con.execute("commit")

How a session runs (docs/architecture.md, "The write session"; docs/operations.md for what an
operator sees):
1. take the exclusive lock `<db>.lock` (a second writer fails at once with DatabaseLockedError);
2. resume `<db>.next` if a killed run left one and it passes a full consistency check (every table
   read in full, so DuckDB verifies every block's checksum); else set it aside with its WAL as
   `<db>.next.damaged-<time>[.wal]` and copy `<db>` (and any `<db>.wal`) to `<db>.next`, via
   `<db>.next.partial` and a rename, after deleting any stale `<db>.next.wal` a crash left behind;
3. migrate (refilling the reference tables when a migration marked them due) and yield a read-write
   connection to `<db>.next` (no transaction open; fsync off: it is a private copy, fsynced once
   before the swap);
4. after the block: in one transaction, recompute `meta('contains_synthetic_data')` from the stored
   submissions and rescore if the scores do not match the stored returns and configuration
   (etl/scored_state.py), unless the block did that itself in its last transaction (`settles=True`:
   `load` and `refresh`); checkpoint; close; fsync; `os.replace(<db>.next, <db>)`.

If the block raises, the live file is untouched. `load` and `refresh` commit complete files (in
batches), so their `<db>.next` is kept for the re-run to resume; any other writer's working copy
is deleted (with its WAL). A full disk always deletes the working copy (it is what fills the disk)
and raises DiskFullError saying how much space the run needs. DuckDB and OS errors become
DatabaseError: a user sees what happened and what to do, never a traceback.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from .db import check_database_file, connect, migrate, rollback_quietly, sync_reference_if_due
from .errors import DatabaseError, DatabaseLockedError, DiskFullError, OversightError
from .faults import fault_point

log = logging.getLogger(__name__)

# Writers whose working copy is worth resuming: they commit one complete file per transaction.
RESUMABLE_COMMANDS = frozenset({"load", "refresh"})
MIB = 1024 * 1024


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def next_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".next")


def wal_path(path: Path) -> Path:
    """DuckDB's write-ahead log of a database file: always beside it, named `<file>.wal`."""
    return path.with_name(path.name + ".wal")


# --- the lock ----------------------------------------------------------------------------------


@contextmanager
def write_lock(db_path: Path | str, command: str = "") -> Iterator[None]:
    """Hold an exclusive, non-blocking flock on `<db>.lock`; it records the holder's pid and command.

    The kernel drops the lock when its process dies, so a crash never leaves a stale lock behind.
    """
    db_path = Path(db_path)
    check_database_file(db_path)  # a folder or another kind of file: say so before making a lock beside it
    db_path.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 128, 0).decode("ascii", "replace").split()
        os.close(fd)
        pid = holder[0] if holder else "unknown"
        what = f", `oversight {holder[1]}`" if len(holder) > 1 else ""
        raise DatabaseLockedError(
            f"another writer (pid {pid}{what}) is writing {db_path}; wait for it to "
            f"finish and run again. The lock is {path}; it is released automatically when that process ends."
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}".strip().encode("ascii", "replace") + b"\n", 0)
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --- the session -------------------------------------------------------------------------------


@contextmanager
def write_session(
    db_path: Path | str, command: str, *, locked: bool = False, incoming_bytes: int = 0, settles: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to `<db>.next` (migrated, no transaction open); swap it in on success.

    command: what is writing (`refresh`, `score`, `users`...: messages, the lock, whether a failed
    run's copy is kept). locked: the caller already holds `write_lock(db_path)` (a refresh files the
    inbox away under the same lock). incoming_bytes: size of the new files, for the disk-full estimate.
    settles: the block's last transaction settles the derived state itself (`load` and `refresh` do,
    together with their run record, etl/load.py), so the session does not compute it a second time.
    """
    db_path = Path(db_path)
    if not locked:
        with write_lock(db_path, command):
            with write_session(
                db_path, command, locked=True, incoming_bytes=incoming_bytes, settles=settles
            ) as con:
                yield con
        return
    target = next_path(db_path)
    con: duckdb.DuckDBPyConnection | None = None
    try:
        prepare_next(db_path)
        con = connect(target)
        # Checkpoint once at the end rather than every 16 MB of WAL; no fsync on the private copy (a
        # killed process loses nothing: the OS keeps written pages); swap() fsyncs the finished file.
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("set fsync_mode = 'none'")
        migrate(con)
        sync_reference_if_due(con)
        yield con
        if not settles:
            settle(con)
        fault_point("checkpoint")
        con.execute("checkpoint")
        con.close()
        con = None
        swap(target, db_path)
    except BaseException as exc:
        if con is not None:
            _close_quietly(con)
        if not isinstance(exc, Exception):  # Ctrl+C, SystemExit: keep the copy as a kill would
            raise
        translated = _failure(exc, db_path, command, incoming_bytes)
        if translated is exc:
            raise
        raise translated from exc


def settle(con: duckdb.DuckDBPyConnection) -> None:
    """Make the derived state match the stored state, in one transaction: the synthetic marker
    follows the submissions; the scores follow the returns and the configuration they were scored with."""
    from .scored_state import ensure_scored, recorded_config, sync_synthetic_marker

    con.execute("begin transaction")
    try:
        sync_synthetic_marker(con)
        ensure_scored(con, config=recorded_config(con))
        con.execute("commit")
    except BaseException:
        rollback_quietly(con)
        raise


def _close_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.close()
    except duckdb.Error:
        pass


# --- the working copy --------------------------------------------------------------------------


def prepare_next(db_path: Path) -> bool:
    """Resume a sound `<db>.next` (True), else build a fresh copy of the live file (False)."""
    target = next_path(db_path)
    if target.exists():
        problem = damage(target)
        if problem is None:
            return True
        aside = set_aside(target)
        log.warning(
            "the working copy %s left by an earlier run is damaged (%s): kept as %s; starting again from %s",
            target, problem, aside, db_path,
        )
    partial = db_path.with_name(db_path.name + ".next.partial")
    for leftover in (wal_path(target), partial, wal_path(partial)):
        # A WAL without its database (a crash between two renames) must never be replayed onto a fresh copy.
        leftover.unlink(missing_ok=True)
    if db_path.exists():
        shutil.copyfile(db_path, partial)
        if wal_path(db_path).exists():  # someone wrote the live file in place: keep what they committed
            shutil.copyfile(wal_path(db_path), wal_path(target))
        fault_point("copy")
        os.replace(partial, target)  # a crash mid-copy never leaves a half-copied .next behind
    return False


def damage(path: Path) -> str | None:
    """Why a working copy cannot be resumed, or None when it is sound.

    Opening proves little (a truncated or half-written file can open): every table is read in full,
    every column hashed, so DuckDB checks the checksum of every block it holds. Read-only: the check
    changes nothing (the WAL, if any, is replayed in memory only).
    """
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return _first_line(exc)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
            " and not temporary order by all"
        ).fetchall()
        if ("main", "schema_migrations") not in tables:
            return "it has no schema_migrations table: it is not an oversight database"
        for schema, table in tables:
            # names come from DuckDB's own catalogue, quoted; no user input
            con.execute(f'select bit_xor(hash(t)) from "{schema}"."{table}" as t').fetchall()
        return None
    except duckdb.Error as exc:
        return _first_line(exc)
    finally:
        _close_quietly(con)


def set_aside(path: Path) -> Path:
    """Rename a damaged database file together with its WAL; kept for inspection, never deleted."""
    aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
    number = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.damaged-{int(time.time())}-{number}")
        number += 1
    if wal_path(path).exists():
        os.replace(wal_path(path), wal_path(aside))
    os.replace(path, aside)
    return aside


def remove_working_copy(db_path: Path) -> None:
    """Delete what a session created beside the live file: `<db>.next`, `.next.partial`, their WALs."""
    target = next_path(db_path)
    partial = db_path.with_name(db_path.name + ".next.partial")
    for path in (target, wal_path(target), partial, wal_path(partial)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def swap(target: Path, db_path: Path) -> None:
    """fsync the finished copy and atomically replace the live file with it."""
    leftover_wal = wal_path(target)
    if leftover_wal.exists():
        if leftover_wal.stat().st_size > 0:
            raise DatabaseError(
                f"{leftover_wal} still holds changes after the checkpoint, so {target} is not complete; "
                "it was not swapped in. Run the same command again"
            )
        leftover_wal.unlink()
    _fsync(target)
    fault_point("swap")
    # The live WAL (if something wrote the live file in place) was copied into .next before the run;
    # removed before the swap so no reader can ever replay it onto the new file.
    wal_path(db_path).unlink(missing_ok=True)
    os.replace(target, db_path)
    _fsync(db_path.parent)


def _fsync(path: Path) -> None:
    """Flush a file (or a directory entry) to stable storage."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- failures ----------------------------------------------------------------------------------


def _failure(exc: Exception, db_path: Path, command: str, incoming_bytes: int) -> Exception:
    """Clean up after a failed session and say what happened: the exception to raise."""
    target = next_path(db_path)
    if is_disk_full(exc):
        remove_working_copy(db_path)
        return DiskFullError(disk_full_message(db_path, command, incoming_bytes, exc))
    if command not in RESUMABLE_COMMANDS:
        remove_working_copy(db_path)  # half a generic writer's work must never be swapped in later
    if isinstance(exc, OversightError):
        return exc
    if isinstance(exc, (duckdb.Error, OSError)):
        kept = (
            f"the work committed so far is kept in {target} and the same command resumes it"
            if command in RESUMABLE_COMMANDS and target.exists() else "its working copy was removed"
        )
        return DatabaseError(
            f"`oversight {command}` could not write {target}: {_first_line(exc)}. The live database "
            f"{db_path} is unchanged; {kept}. Run the same command again; if it fails the same way, see "
            "docs/operations.md (\"When a run fails\")"
        )
    return exc


def is_disk_full(exc: BaseException) -> bool:
    """True if the error, or any error it was raised from or while handling, is a full disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(current) or "Disk quota exceeded" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def space_needed(db_path: Path, incoming_bytes: int) -> int:
    """Bytes a session needs free beside the live file (an estimate, generous on purpose): the copy of
    the live file and its WAL, as much again for the WAL and checkpoint of a rescore that rewrites
    every mart, five times the new files (stored rows, issues and marts take about 3.6 times a CSV's
    bytes: the 23 MB demo inbox makes an 84 MB database) and 32 MiB for a new file's fixed overhead."""
    live = sum(p.stat().st_size for p in (db_path, wal_path(db_path)) if p.exists())
    return 2 * live + 5 * incoming_bytes + 32 * MIB


def disk_full_message(db_path: Path, command: str, incoming_bytes: int, exc: BaseException) -> str:
    needed = space_needed(db_path, incoming_bytes)
    folder = db_path.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = 0
    live = db_path.stat().st_size if db_path.exists() else 0
    return (
        f"No space left on device: `oversight {command}` ran out of disk space in {folder} while writing "
        f"its working copy ({_first_line(exc)}). Nothing was lost: the live database {db_path} is "
        "unchanged, the inbox is untouched, and the working copy was deleted to give the space back. "
        f"The run needs about {needed / MIB:,.0f} MiB free there ({free / MIB:,.0f} MiB free now; the "
        f"live database is {live / MIB:,.0f} MiB, the new files {incoming_bytes / MIB:,.1f} MiB). "
        "Free space (or move the database to a larger disk) and run the same command again."
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
