"""Loading returns into DuckDB: validation, per-file transactions, archive and quarantine.

A run goes through the one write session (etl/write_session.py: lock, private copy `<db>.next`,
swap): validated files are staged in memory and committed to the copy in batches (one transaction and
one bulk insert per table for up to BATCH_FILES files; a statement per file costs more than the file's
validation); then, in one transaction, the synthetic marker is recomputed from the stored submissions,
the marts are rescored if they do not match the stored returns and configuration
(etl/scored_state.py) and the run is recorded; the session swaps the copy in; only then are inbox
files moved. The live file is never written, so readers see the old state or the new one. A killed
run leaves its copy, every committed file complete, for the re-run to resume; files staged but not
yet committed are simply loaded again. When a file cannot be staged, the files before it are
committed before the error is raised, as if each had had its own transaction. A file the process died
reading in two runs in a row is rejected unread by the next (etl/reading_marker.py), so one file that
crashes a reader cannot stop every refresh after it.

Versions: every accepted or queried return for an (authority, period) is kept. Versions are numbered
in order of receipt (file modification time, then order of loading) and the most recently received
one is current; the others are `superseded`. A file that arrives late but was received before the
current one is stored as superseded at once. Rejected files are kept with their issues, never current.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb
import pyarrow as pa

from .clock import utc_now
from .db import connect, rollback_quietly, sync_reference
from .errors import DatabaseError, InvalidInputError, OversightError
from .faults import fault_point
from .periods import format_period
from .reading_marker import ReadingMarker
from .returns import Issue, ValidationResult, file_label
from .scored_state import ensure_scored, sync_synthetic_marker
from .settings import sql_text
from .submissions import receipt_time
from .validate import refuse_unread, validate_file
from .wording import plural
from .write_session import lock_path, next_path, write_lock, write_session

__all__ = [
    "FileOutcome", "RunSummary", "file_away", "inbox_files", "load_files", "lock_path", "next_path",
    "refresh", "write_lock",
]

SYNTHETIC_PREFIX = "SYNTHETIC_"
SYNTHETIC_MARKER = "SYNTHETIC_DATA.txt"
# From this many files a run shows a progress bar.
PROGRESS_BAR_FILES = 40
# Files staged before a commit, and a cap on their count rows (memory): a few statements per batch
# instead of four per file. A kill loses at most one uncommitted batch, which the re-run loads again.
BATCH_FILES = 500
BATCH_ROWS = 100_000


@dataclass
class FileOutcome:
    """What happened to one file in a run."""

    file: str
    status: str  # accepted | queried | rejected | unchanged
    authority_code: str | None
    period: date | None
    issue_count: int
    submission_id: int | None = None
    version: int | None = None
    is_current: bool = False
    stored_status: str | None = None  # for unchanged files: the status of the stored submission
    moved_to: str | None = None
    path: Path | None = field(default=None, repr=False)
    issues: list[Issue] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "status": self.status,
            "authority": self.authority_code,
            "period": format_period(self.period) if self.period else None,
            "issue_count": self.issue_count,
            "submission_id": self.submission_id,
            "version": self.version,
            "current": self.is_current,
            "moved_to": self.moved_to,
        }


@dataclass
class RunSummary:
    """One `load` or `refresh` run: its counts, timing and per-file outcomes."""

    run_id: int
    command: str
    db_path: str
    started_at: datetime
    finished_at: datetime | None = None
    duration_s: float = 0.0
    status: str = "running"
    files: list[FileOutcome] = field(default_factory=list)
    superseded: int = 0
    rescored: bool = False
    contains_synthetic_data: bool = False
    # Inbox entries a refresh did not read, as (name, why, where it was moved or None when left in place).
    set_aside: list[tuple[str, str, str | None]] = field(default_factory=list)
    # What the operator should know that no file outcome says (the run before this one died, say).
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.files if outcome.status == status)

    @property
    def files_seen(self) -> int:
        return len(self.files)

    @property
    def returns_per_second(self) -> float:
        return round(self.files_seen / self.duration_s, 1) if self.duration_s > 0 else 0.0

    def to_dict(self) -> dict:
        """The `--json` summary."""
        return {
            "run_id": self.run_id,
            "command": self.command,
            "database": self.db_path,
            "status": self.status,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": self.finished_at.isoformat(timespec="seconds") if self.finished_at else None,
            "files_seen": self.files_seen,
            "files_accepted": self.count("accepted"),
            "files_queried": self.count("queried"),
            "files_rejected": self.count("rejected"),
            "files_unchanged": self.count("unchanged"),
            "files_superseded": self.superseded,
            "duration_s": round(self.duration_s, 3),
            "returns_per_second": self.returns_per_second,
            "rescored": self.rescored,
            "contains_synthetic_data": self.contains_synthetic_data,
            "files": [outcome.to_dict() for outcome in self.files],
            "set_aside": [{"name": name, "reason": why, "moved_to": moved} for name, why, moved in self.set_aside],
            "warnings": list(self.warnings),
        }


# --- the public entry points -------------------------------------------------------------------


def load_files(
    paths: Iterable[Path | str],
    db_path: Path | str,
    *,
    progress: bool = False,
    received_at: datetime | None = None,
) -> RunSummary:
    """Validate and store return files (nothing is moved); received_at overrides the files' mtimes."""
    files = [Path(p) for p in paths]
    special = [str(p) for p in files if p.exists() and not p.is_file()]
    if special:
        raise InvalidInputError(f"not a regular file (a folder, device, pipe or socket): {', '.join(special)}. "
                                "Give the paths of CSV or XLSX return files")
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise InvalidInputError(f"no such file: {', '.join(missing)}. Check the path and run again")
    return _write_session("load", files, Path(db_path), progress=progress, received_at=received_at)


def refresh(
    inbox: Path | str,
    db_path: Path | str,
    *,
    archive_dir: Path | str | None = None,
    quarantine_dir: Path | str | None = None,
    progress: bool | Callable[[int, int, str, "FileOutcome | None"], None] = False,
) -> RunSummary:
    """Load every new file in the inbox, then archive loaded files and quarantine rejected ones.

    `progress`: True draws a bar; a callable is called as (done, total, file name, outcome) before each
    file (outcome None) and after it (etl.refresh_job.ProgressFile writes these for the web page)."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InvalidInputError(f"inbox {inbox} is not a folder: create it or pass --inbox DIR")
    archive = Path(archive_dir) if archive_dir else inbox.parent / "archive"
    quarantine = Path(quarantine_dir) if quarantine_dir else inbox.parent / "quarantine"
    db_path = Path(db_path)
    with write_lock(db_path, "refresh"):
        summary = _write_session("refresh", inbox_files(inbox), db_path, progress=progress, locked=True)
        try:
            file_away(summary, archive, quarantine)
            set_aside_unread(summary, inbox, quarantine)
        except OSError as exc:  # a full disk or a permission: the database is already up to date
            raise OversightError(
                f"the database {db_path} is up to date (run {summary.run_id}), but moving the files out of "
                f"{inbox} failed: {exc}. Fix that (free space, permissions on {archive} and {quarantine}) and "
                "run `oversight refresh` again: files already loaded are recognised and just moved"
            ) from exc
    return summary


def inbox_files(inbox: Path) -> list[Path]:
    """The files a refresh should look at: every regular file but dotfiles and the synthetic marker.

    A symbolic link is never followed (one pointing at a server file would have its lines quoted in the
    errors of a rejected return, for anyone who can drop files in the inbox to read): see `set_aside_unread`."""
    return sorted(
        path
        for path in inbox.iterdir()
        if path.is_file() and not path.is_symlink() and not path.name.startswith(".") and path.name != SYNTHETIC_MARKER
    )


NOT_A_RETURN = "not-a-return"  # the quarantine folder of inbox entries set aside unread


def set_aside_unread(summary: RunSummary, inbox: Path, quarantine: Path) -> None:
    """Say what the refresh left unread: symbolic links are moved (the link, never its target) to
    quarantine/not-a-return/ beside a note of why; folders stay where they are and are named."""
    for path in sorted(inbox.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_symlink():
            why = "a symbolic link, which a refresh never follows (nothing was read); put the return file itself in the inbox"
            folder = quarantine / NOT_A_RETURN
            folder.mkdir(parents=True, exist_ok=True)
            destination = _free_name(folder, path.name)
            destination.with_name(destination.name + ".errors.txt").write_text(
                f"Inbox entry: {file_label(path)}\nSet aside by oversight refresh (run {summary.run_id}) on "
                f"{summary.started_at:%Y-%m-%d %H:%M} UTC: it is {why}.\n", encoding="utf-8")
            os.rename(path, destination)  # moves the link itself
            summary.set_aside.append((file_label(path), why, str(destination)))
        elif path.is_dir():
            summary.set_aside.append((file_label(path), "a folder; returns inside folders are not read, so put them "
                                      "in the inbox itself", None))


# --- the run ------------------------------------------------------------------------------------


def _write_session(
    command: str,
    files: list[Path],
    db_path: Path,
    *,
    progress: bool,
    received_at: datetime | None = None,
    locked: bool = False,
) -> RunSummary:
    """Store the files through the one write session (etl/write_session.py), then return the summary."""
    started = time.perf_counter()
    with _cyclic_gc_paused():
        candidates = [_Candidate.of(path, received_at) for path in _arrival_order(files, received_at)]
        incoming = sum(c.path.stat().st_size for c in candidates)
        with write_session(db_path, command, locked=locked, incoming_bytes=incoming, settles=True) as con:
            marker = ReadingMarker(db_path)  # under the session's lock: one run reads it at a time
            try:
                summary = _run(command, candidates, con, progress, started, marker)
            finally:
                marker.close(finished=False)
    summary.db_path = str(db_path)
    return summary


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the run, then restore it.

    A run holds hundreds of thousands of small objects (staged rows, issues, outcomes), and each full
    collection rescans every one of them: in the full demo that cost more than all the inserts. These
    objects form no reference cycles, so reference counting frees them as before; only the scans stop.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    command: str, candidates: list[_Candidate], con: duckdb.DuckDBPyConnection,
    progress: bool, started: float, marker: ReadingMarker,
) -> RunSummary:
    writer = _Writer.open(con, command)
    try:
        _store_all(writer, candidates, progress, marker)
        writer.finish(started)
    except BaseException as exc:
        writer.fail(exc, started)
        raise
    return writer.summary


def _arrival_order(files: list[Path], received_at: datetime | None) -> list[Path]:
    """Oldest first, so resubmissions usually arrive after the file they replace."""
    if received_at is not None:
        return list(files)
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


@dataclass
class _Candidate:
    path: Path
    sha256: str
    received_at: datetime
    is_synthetic: bool

    @property
    def name(self) -> str:
        """What is stored and printed as the file's name (the file keeps its own)."""
        return file_label(self.path)

    @classmethod
    def of(cls, path: Path, received_at: datetime | None) -> "_Candidate":
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if received_at is None:
            # A web submission's receipt (etl.submissions) records when the service received it.
            received_at = receipt_time(path, digest)
        if received_at is None:
            # Naive UTC, like every timestamp in the database; a move keeps the mtime.
            received_at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None)
        synthetic = path.name.startswith(SYNTHETIC_PREFIX) or (path.parent / SYNTHETIC_MARKER).exists()
        return cls(path, digest, received_at, synthetic)


def _store_all(writer: "_Writer", candidates: list[_Candidate], progress: bool, marker: ReadingMarker) -> None:
    # Decided once, up front, as before the run stored anything (two copies of a new file are both stored).
    fresh = [c.sha256 not in writer.known for c in candidates]
    report = progress if callable(progress) else None
    bar = _Bar(len(candidates)) if progress is True and len(candidates) >= PROGRESS_BAR_FILES else None
    try:
        for done, (candidate, new) in enumerate(zip(candidates, fresh)):
            if report is not None:
                report(done, len(candidates), candidate.name, None)
            outcome = writer.store(candidate, _read(candidate, marker)) if new else writer.unchanged(candidate)
            writer.summary.files.append(outcome)
            if report is not None:
                report(done + 1, len(candidates), candidate.name, outcome)
            if bar is not None:
                bar.advance()
    finally:
        if bar is not None:
            bar.stop()
    _warn_of_death(writer.summary, marker, candidates)
    marker.close(finished=True)


def _read(candidate: _Candidate, marker: ReadingMarker) -> ValidationResult:
    """Validate one new file, with the reading marker naming it while its readers run
    (etl/reading_marker.py); a file the runs before died reading is refused unread instead."""
    if marker.set_aside(candidate.sha256):
        return refuse_unread(candidate.path, candidate.sha256, (
            f"the last {marker.deaths(candidate.sha256)} runs that read this file each stopped while reading it "
            "(the process died: a crash in a file reader, or it ran out of memory), so it is set aside unread "
            "to let the other returns load; save the return again (CSV is safest) and send the new file, "
            "or send this one to the national data team to examine"))
    marker.reading(candidate.sha256, candidate.name)
    fault_point("read")  # test-only (etl/faults.py)
    result = validate_file(candidate.path)
    marker.done()
    return result


def _warn_of_death(summary: RunSummary, marker: ReadingMarker, candidates: list[_Candidate]) -> None:
    last = marker.died_reading
    if last is None:
        return
    said = (f"the run before this one stopped while reading {last.name} (the process died: killed, out of "
            "memory, or a crash in a file reader)")
    present = any(c.sha256 == last.sha256 for c in candidates)
    if not present:
        summary.warnings.append(f"{said}; that file was not in this run")
    elif marker.set_aside(last.sha256):
        summary.warnings.append(f"{said}, as did the run before it: the file is set aside unread (error E101)")
    else:
        summary.warnings.append(f"{said}; it was read again in this run (a second stop on it sets it aside)")


class _Bar:
    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("Loading returns"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._task = self._progress.add_task("load", total=total)
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def stop(self) -> None:
        self._progress.stop()


# --- storing files -----------------------------------------------------------------------------


@dataclass
class _Version:
    submission_id: int
    received_at: datetime
    version: int | None
    is_current: bool
    validation_status: str

    @property
    def status(self) -> str:
        return self.validation_status if self.is_current else "superseded"


@dataclass
class _Known:
    submission_id: int
    authority_code: str | None
    period: date | None
    stored_status: str
    issue_count: int


class _Batch:
    """The rows of the files stored since the last commit, written in one transaction by `flush`.

    Submission rows keep their _Version object, so a row committed with its batch carries the version
    number and currency its chain has at commit time (a later file of the same batch may supersede it).
    `dirty` holds versions committed in earlier batches whose number or currency has changed since.
    """

    def __init__(self) -> None:
        self.submissions: list[tuple[_Candidate, ValidationResult, _Version]] = []
        self.counts: dict[str, list] = {name: [] for name in _COUNT_COLUMNS}
        self.issues: dict[str, list] = {name: [] for name in _ISSUE_COLUMNS}
        self.dirty: dict[int, _Version] = {}
        self.outcomes: list[FileOutcome] = []

    def __len__(self) -> int:
        return len(self.submissions)

    @property
    def rows(self) -> int:
        return len(self.counts["submission_id"])

    def mark(self) -> tuple[int, int, int]:
        return len(self.submissions), self.rows, len(self.issues["submission_id"])

    def discard_to(self, mark: tuple[int, int, int]) -> None:
        """Drop what a file that failed half-way through staging left in the batch."""
        submissions, rows, issues = mark
        del self.submissions[submissions:]
        for values in self.counts.values():
            del values[rows:]
        for values in self.issues.values():
            del values[issues:]

    def ids(self) -> set[int]:
        return {version.submission_id for _, _, version in self.submissions}

    def clear(self) -> None:
        self.__init__()


class _Writer:
    """The open `<db>.next` and what the loader keeps in memory about it: digests, version chains and
    the batch of files staged but not yet committed."""

    def __init__(self, con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
        self.con = con
        self.summary = summary
        self.known: dict[str, _Known] = {}
        self.chains: dict[tuple[str, date], list[_Version]] = {}
        self.next_id = 1
        self.stored = 0
        self.batch = _Batch()
        self._flush_failed = False

    @classmethod
    def open(cls, con: duckdb.DuckDBPyConnection, command: str) -> "_Writer":
        """Start a run on the session's connection (migrated; fsync and checkpoint settings made there)."""
        sync_reference(con)
        con.execute(
            "update load_run set status = 'failed', error = 'interrupted: the run stopped before finishing'"
            " where status = 'running'"
        )
        started_at = utc_now()
        run_id = con.execute(
            "insert into load_run (command, started_at, status) values (?, ?, 'running') returning run_id",
            [command, started_at],
        ).fetchone()[0]
        writer = cls(con, RunSummary(run_id=run_id, command=command, db_path="", started_at=started_at))
        writer._read_state()
        return writer

    def _read_state(self) -> None:
        rows = self.con.execute(_sql("load_known_submissions")).fetchall()
        for sid, sha, authority, period, received, version, current, status, verdict, issues in rows:
            self.known[sha] = _Known(sid, authority, period, status, issues)
            if verdict != "rejected" and authority is not None and period is not None:
                self.chains.setdefault((authority, period), []).append(
                    _Version(sid, received, version, current, verdict)
                )
            self.next_id = max(self.next_id, sid + 1)

    def unchanged(self, candidate: _Candidate) -> FileOutcome:
        known = self.known[candidate.sha256]
        return FileOutcome(
            file=candidate.name, status="unchanged", authority_code=known.authority_code,
            period=known.period, issue_count=known.issue_count, submission_id=known.submission_id,
            stored_status=known.stored_status, path=candidate.path,
        )

    def store(self, candidate: _Candidate, result: ValidationResult) -> FileOutcome:
        """Stage one validated file in the batch (committed by `flush`, at the latest when the run ends)."""
        if result.sha256 in self.known:  # the same content twice in one run
            return self.unchanged(candidate)
        outcome = FileOutcome(
            file=candidate.name, status=result.status, authority_code=result.authority_code,
            period=result.period, issue_count=len(result.issues), submission_id=self.next_id,
            path=candidate.path, issues=list(result.issues),
        )
        new = _Version(self.next_id, candidate.received_at, None, False, result.status)
        chain_key = (result.authority_code, result.period) if result.status != "rejected" else None
        chain = self.chains.get(chain_key, []) if chain_key else []
        numbering, superseded = _place(chain, new) if chain_key else ({}, 0)
        batch = self.batch
        mark = batch.mark()
        try:
            _insert_submission(batch, self.summary.run_id, candidate, result, new)
            if result.status != "rejected":
                _insert_counts(batch, new.submission_id, result)
            if result.issues:
                _insert_issues(batch, new.submission_id, result.issues)
        except BaseException:
            batch.discard_to(mark)
            self.flush()  # the files before this one are complete: commit them, then report the failure
            raise
        if chain_key:
            changes = _renumber([*chain, new], numbering)
            _update_versions(batch, [v for v in changes if v is not new])
        batch.outcomes.append(outcome)
        self._remember(candidate, result, new, chain_key, superseded, outcome)
        fault_point("store")  # test-only (etl/faults.py)
        if len(batch) >= BATCH_FILES or batch.rows >= BATCH_ROWS:
            self.flush()
        return outcome

    def flush(self) -> None:
        """Commit the staged files in one transaction: a bulk insert per table, one update of the
        versions committed earlier whose number or currency changed."""
        batch = self.batch
        if not batch.submissions and not batch.dirty:
            return
        self.con.execute("begin transaction")
        try:
            _write_batch(self.con, batch, self.summary.run_id)
            self.con.execute("commit")
        except BaseException as exc:
            rollback_quietly(self.con)
            self._flush_failed = True
            if isinstance(exc, duckdb.Error):
                names = [candidate.name for candidate, _, _ in batch.submissions]
                which = names[0] if len(names) == 1 else f"the {len(names)} files {names[0]} to {names[-1]}"
                raise DatabaseError(
                    f"could not store {which}: {exc}. The live database is unchanged; "
                    "run the same command again to finish the work"
                ) from exc
            raise
        batch.clear()

    def _remember(self, candidate, result, new, chain_key, superseded: int, outcome: FileOutcome) -> None:
        self.known[result.sha256] = _Known(new.submission_id, result.authority_code, result.period,
                                           new.status if chain_key else "rejected", len(result.issues))
        if chain_key:
            self.chains.setdefault(chain_key, []).append(new)
            self.summary.superseded += superseded
        outcome.version, outcome.is_current = new.version, new.is_current
        self.next_id += 1
        self.stored += 1

    def finish(self, started: float) -> None:
        """Commit the last batch; then scores, synthetic marker and the run record in one transaction.
        Whether to rescore is decided from the database (etl/scored_state.py), so a re-run after a kill
        during rescoring rescores. The write session is told not to settle again (etl/write_session.py)."""
        self.flush()
        summary = self.summary
        self.con.execute("begin transaction")
        try:
            summary.contains_synthetic_data = sync_synthetic_marker(self.con)
            summary.rescored = ensure_scored(self.con) is not None
            summary.finished_at = utc_now()
            summary.duration_s = time.perf_counter() - started
            summary.status = "completed"
            self._record_run()
            self.con.execute("commit")
        except BaseException:
            rollback_quietly(self.con)
            summary.rescored = False
            raise

    def fail(self, exc: BaseException, started: float) -> None:
        """Commit the files staged before the failure and record it in `<db>.next` (best effort); the
        live file is untouched."""
        summary = self.summary
        rollback_quietly(self.con)  # an I/O error can leave an aborted transaction open
        if not self._flush_failed:
            try:
                self.flush()
            except (duckdb.Error, DatabaseError):
                pass
        unstored = {id(outcome) for outcome in self.batch.outcomes}  # never committed: not part of the run
        summary.files = [outcome for outcome in summary.files if id(outcome) not in unstored]
        summary.finished_at = utc_now()
        summary.duration_s = time.perf_counter() - started
        summary.status = "failed"
        try:
            self._record_run(error=f"{type(exc).__name__}: {exc}"[:1000])
        except duckdb.Error:
            pass  # the connection itself is broken; the next run marks this one failed

    def _record_run(self, error: str | None = None) -> None:
        s = self.summary
        self.con.execute(
            "update load_run set finished_at = ?, files_seen = ?, files_accepted = ?, files_queried = ?,"
            " files_rejected = ?, files_unchanged = ?, files_superseded = ?, duration_s = ?, status = ?,"
            " error = ? where run_id = ?",
            [s.finished_at, s.files_seen, s.count("accepted"), s.count("queried"), s.count("rejected"),
             s.count("unchanged"), s.superseded, s.duration_s, s.status, error, s.run_id],
        )


def _place(chain: list[_Version], new: _Version) -> tuple[dict[int, tuple[int, bool]], int]:
    """Where a new version goes in its chain: every version renumbered by receipt, the newest current.

    Returns submission id -> (version, is current) for the whole chain, new version included, and how
    many versions this makes superseded. Nothing is changed until `_renumber` applies it.
    """
    ordered = sorted([*chain, new], key=lambda v: (v.received_at, v.submission_id))
    numbering = {v.submission_id: (number, number == len(ordered)) for number, v in enumerate(ordered, start=1)}
    newly_superseded = sum(1 for v in chain if v.is_current and not numbering[v.submission_id][1])
    return numbering, newly_superseded + (0 if numbering[new.submission_id][1] else 1)


def _renumber(versions: list[_Version], numbering: dict[int, tuple[int, bool]]) -> list[_Version]:
    """Apply a numbering from `_place`; returns the versions whose number or currency changed."""
    changed = []
    for version in versions:
        wanted = numbering[version.submission_id]
        if (version.version, version.is_current) != wanted:
            version.version, version.is_current = wanted
            changed.append(version)
    return changed


# --- staging and writing a batch ---------------------------------------------------------------

_COUNT_COLUMNS = ("submission_id", "section", "category", "count", "source_row")
_ISSUE_COLUMNS = ("submission_id", "rule_id", "severity", "row_number", "column_name", "value", "message", "hint")
_SUBMISSION_SCHEMA = pa.schema([
    ("submission_id", pa.int64()), ("run_id", pa.int64()), ("file_name", pa.string()), ("sha256", pa.string()),
    ("size_bytes", pa.int64()), ("file_format", pa.string()), ("encoding", pa.string()),
    ("received_at", pa.timestamp("us")), ("loaded_at", pa.timestamp("us")), ("authority_code", pa.string()),
    ("period", pa.date32()), ("version", pa.int32()), ("status", pa.string()), ("is_current", pa.bool_()),
    ("is_synthetic", pa.bool_()), ("validation_status", pa.string()),
])
_COUNT_SCHEMA = pa.schema([
    ("submission_id", pa.int64()), ("section", pa.string()), ("category", pa.string()), ("count", pa.int64()),
    ("source_row", pa.int32()),
])
_ISSUE_SCHEMA = pa.schema([
    ("submission_id", pa.int64()), ("rule_id", pa.string()), ("severity", pa.string()), ("row_number", pa.int32()),
    ("column_name", pa.string()), ("value", pa.string()), ("message", pa.string()), ("hint", pa.string()),
])


def _insert_submission(batch: _Batch, run_id: int, candidate: _Candidate, result: ValidationResult, new: _Version) -> None:
    """Stage the submission row; its version and status are read from `new` when the batch is written."""
    batch.submissions.append((candidate, result, new))


def _insert_counts(batch: _Batch, submission_id: int, result: ValidationResult) -> None:
    """Stage all of a return's rows (written with the batch's other rows in one statement)."""
    counts = batch.counts
    for row in result.rows:
        counts["submission_id"].append(submission_id)
        counts["section"].append(row.section)
        counts["category"].append(row.category)
        counts["count"].append(row.count)
        counts["source_row"].append(row.source_row)


def _insert_issues(batch: _Batch, submission_id: int, issues: list[Issue]) -> None:
    staged = batch.issues
    for issue in issues:
        staged["submission_id"].append(submission_id)
        staged["rule_id"].append(issue.rule)
        staged["severity"].append(issue.severity)
        staged["row_number"].append(issue.row)
        staged["column_name"].append(issue.column)
        staged["value"].append(None if issue.value is None else str(issue.value))
        staged["message"].append(issue.message)
        staged["hint"].append(issue.hint)


def _update_versions(batch: _Batch, changes: list[_Version]) -> None:
    """Note versions whose number or currency changed; those committed earlier are updated with the batch."""
    for version in changes:
        batch.dirty[version.submission_id] = version


def _write_batch(con: duckdb.DuckDBPyConnection, batch: _Batch, run_id: int) -> None:
    """The batch's rows, one statement per table (Arrow tables scanned by DuckDB), in the open transaction."""
    loaded_at = utc_now()
    rows = [
        (new.submission_id, run_id, candidate.name, result.sha256, result.size_bytes, result.file_format,
         result.encoding, candidate.received_at, loaded_at, result.authority_code, result.period, new.version,
         "rejected" if result.status == "rejected" else new.status, new.is_current, candidate.is_synthetic,
         result.status)
        for candidate, result, new in batch.submissions
    ]
    tables = {
        "staged_submission": _arrow(_SUBMISSION_SCHEMA, [list(column) for column in zip(*rows)] if rows else None),
        "staged_count": _arrow(_COUNT_SCHEMA, [batch.counts[name] for name in _COUNT_COLUMNS]),
        "staged_issue": _arrow(_ISSUE_SCHEMA, [batch.issues[name] for name in _ISSUE_COLUMNS]),
    }
    for name, table in tables.items():
        con.register(name, table)
    try:
        con.execute(_sql("load_batch_insert"))
    finally:
        for name in tables:
            con.unregister(name)
    new_ids = batch.ids()
    earlier = [v for sid, v in batch.dirty.items() if sid not in new_ids]
    if earlier:
        con.execute(
            _sql("load_supersede"),
            {
                "ids": [v.submission_id for v in earlier],
                "versions": [v.version for v in earlier],
                "statuses": [v.status for v in earlier],
                "currents": [v.is_current for v in earlier],
            },
        )


def _arrow(schema: pa.Schema, columns: list[list] | None) -> pa.Table:
    if not columns:
        return schema.empty_table()
    return pa.table([pa.array(values, type=field.type) for values, field in zip(columns, schema)], schema=schema)


# --- archive and quarantine --------------------------------------------------------------------


def file_away(summary: RunSummary, archive: Path, quarantine: Path) -> None:
    """Move each processed file: loaded ones to archive/<period>/, rejected ones to quarantine/<period>/
    beside <file>.errors.txt. Never overwrites: a clash gets a numbered suffix. Nothing is deleted."""
    stored_issues: dict[int, list[Issue]] = {}
    made: set[Path] = set()  # folders already created in this run (one mkdir per folder, not per file)
    for outcome in summary.files:
        if outcome.path is None or not outcome.path.exists():
            continue
        rejected = outcome.status == "rejected" or (
            outcome.status == "unchanged" and outcome.stored_status == "rejected"
        )
        folder = (quarantine if rejected else archive) / (format_period(outcome.period) if outcome.period else "no-period")
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        destination = _free_name(folder, outcome.path.name)
        if rejected:
            issues = outcome.issues or stored_issues.setdefault(
                outcome.submission_id, _stored_issues(summary.db_path, outcome.submission_id)
            )
            _write_errors(destination.with_name(destination.name + ".errors.txt"), outcome, issues, summary)
        shutil.move(str(outcome.path), str(destination))  # a rename on one filesystem: keeps the mtime
        outcome.moved_to = str(destination)
        fault_point("archive")  # test-only (etl/faults.py)


def _free_name(folder: Path, name: str) -> Path:
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    while candidate.exists() or candidate.with_name(candidate.name + ".errors.txt").exists():
        candidate = folder / f"{stem}.{number}{suffix}"
        number += 1
    return candidate


def _stored_issues(db_path: str, submission_id: int | None) -> list[Issue]:
    if submission_id is None:
        return []
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute(_sql("load_submission_issues"), {"submission_id": submission_id}).fetchall()
    finally:
        con.close()
    return [Issue(rule, severity, row, column, value, message, hint) for rule, severity, row, column, value, message, hint in rows]


def _write_errors(path: Path, outcome: FileOutcome, issues: list[Issue], summary: RunSummary) -> None:
    errors = [i for i in issues if i.severity == "error"]
    queries = [i for i in issues if i.severity != "error"]
    lines = [
        f"Return file: {outcome.file}",
        f"Rejected by oversight {summary.command} (run {summary.run_id}) on {summary.started_at:%Y-%m-%d %H:%M} UTC.",
        f"{plural(len(errors), 'error')} and {plural(len(queries), 'query', 'queries')}. Nothing from this file was loaded.",
        "Correct every error below and send the whole corrected file again; "
        "`oversight validate FILE` checks it before you send it.",
        "",
    ]
    for number, issue in enumerate([*errors, *queries], start=1):
        where = ", ".join(
            part for part in (
                f"row {issue.row}" if issue.row is not None else "whole file",
                f"column {issue.column}" if issue.column else "",
                f"value {issue.value!r}" if issue.value is not None else "",
            ) if part
        )
        lines += [
            f"{number}. {issue.severity.upper()} {issue.rule} ({where})",
            f"   {issue.message}",
            f"   How to fix: {issue.hint}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


# --- helpers -----------------------------------------------------------------------------------


def _sql(name: str) -> str:
    return sql_text(f"{name}.sql")


