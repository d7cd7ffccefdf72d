"""A refresh started from the site: the same `oversight refresh` command, lock and write session as the CLI.

The web service never writes the database: it starts `oversight refresh --inbox ... --db ...` as a
separate process (its own session, so a worker restart does not kill it), records the job in the
service store and writes the command's output to a log beside the database. The refresh takes the
write lock like any other; if one is already running, the new one fails at once with the lock's
message. Progress: the command is given `--progress-file <log>.progress.jsonl` and appends one JSON
line before and after each file (`ProgressFile`: files done of all, the current file, the outcomes so
far); any worker reads the last line back (`RefreshJob.progress`), so following a refresh needs
neither the worker that started it nor a write per file into the service store. The end is read
from the job row, the log and the lock file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .write_session import lock_path
from .clock import utc_now
from .service_store import connect, iso, sql

MAX_LOG_TAIL = 4000
OUTCOMES = ("accepted", "queried", "rejected", "unchanged")
_reapers: dict[int, threading.Thread] = {}  # jobs started by this process, until their end is recorded


@dataclass(frozen=True)
class RefreshJob:
    job_id: int
    started_at: datetime
    started_by: str
    pid: int | None
    finished_at: datetime | None
    exit_code: int | None
    log_path: Path

    @property
    def running(self) -> bool:
        return self.finished_at is None

    def output(self) -> str:
        """The tail of the command's output (the progress bar while it runs, the summary when done)."""
        try:
            with open(self.log_path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - MAX_LOG_TAIL))
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return text.replace("\r", "\n")

    @property
    def progress_path(self) -> Path:
        return progress_path(self.log_path)

    def progress(self) -> dict | None:
        """The last progress line: {"done", "total", "file", "state" (reading|stored), "counts"}; None before the first."""
        return read_progress(self.progress_path)

    def summary(self) -> dict | None:
        """The `--json` run summary once the refresh has finished successfully."""
        if self.exit_code != 0:
            return None
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            return json.loads(text[text.index("{"):])
        except (OSError, ValueError):
            return None


def progress_path(log_path: Path) -> Path:
    return log_path.with_name(log_path.name + ".progress.jsonl")


class ProgressFile:
    """`oversight refresh --progress-file PATH`: the loader's progress hook, one JSON line per step.

    Each line is appended and closed at once, so a reader never waits and sees whole lines only (a
    line shorter than PIPE_BUF is written in one go by O_APPEND)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.counts = dict.fromkeys(OUTCOMES, 0)

    def __call__(self, done: int, total: int, file: str, outcome: object | None) -> None:
        status = getattr(outcome, "status", None)
        if status in self.counts:
            self.counts[status] += 1
        line = {"at": iso(utc_now()), "done": done, "total": total, "file": file[:200],
                "state": "reading" if outcome is None else "stored", "status": status, "counts": dict(self.counts)}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def read_progress(path: Path) -> dict | None:
    """The last whole line of a progress file (None when there is none yet or it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - MAX_LOG_TAIL))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            found = json.loads(line)
        except ValueError:
            continue  # a line cut by the tail window
        if isinstance(found, dict) and isinstance(found.get("done"), int) and isinstance(found.get("total"), int):
            return found
    return None


def oversight_command() -> list[str]:
    script = Path(sys.executable).parent / "oversight"
    return [str(script)] if script.exists() else [sys.executable, "-m", "etl.cli"]


def start_refresh(db_path: Path | str, inbox: Path | str, store: Path | str, started_by: str) -> RefreshJob:
    """Start `oversight refresh` in the background and record it; returns at once."""
    db_path = Path(db_path)
    started = utc_now()
    log = db_path.with_name(f"{db_path.name}.web-refresh-{started:%Y%m%dT%H%M%S}.log")
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [*oversight_command(), "refresh", "--inbox", str(inbox), "--db", str(db_path), "--json",
             "--progress-file", str(progress_path(log))],
            stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    with connect(store) as con:
        job_id = con.execute(sql("refresh_job_insert"), {"started_at": iso(started), "started_by": started_by,
                                                          "pid": process.pid, "log_path": str(log)}).lastrowid
    # Reap the process and record how it ended (in this worker; see latest_job for a worker that died).
    reaper = threading.Thread(target=_wait, args=(process, store, job_id), daemon=True)
    _reapers[job_id] = reaper
    reaper.start()
    return RefreshJob(job_id, started, started_by, process.pid, None, None, log)


def latest_job(store: Path | str, db_path: Path | str) -> RefreshJob | None:
    with connect(store) as con:
        row = con.execute(sql("refresh_job_latest")).fetchone()
    if row is None:
        return None
    job = RefreshJob(
        row["job_id"], datetime.fromisoformat(row["started_at"]), row["started_by"], row["pid"],
        datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None, row["exit_code"], Path(row["log_path"]),
    )
    reaper = _reapers.get(job.job_id)
    if job.running and (reaper is None or not reaper.is_alive()) and not _alive(job.pid) and not refresh_running(db_path):
        # The worker that started it went away before recording the end: it has ended all the same;
        # a complete JSON summary in its log means it succeeded.
        ended = RefreshJob(job.job_id, job.started_at, job.started_by, job.pid, utc_now(), 0, job.log_path)
        return ended if ended.summary() is not None else replace(ended, exit_code=-1)
    return job


def refresh_running(db_path: Path | str) -> bool:
    """Whether some load or refresh holds the write lock now (the lock file holds the holder's pid)."""
    try:
        return bool(lock_path(Path(db_path)).read_text(encoding="ascii", errors="replace").strip())
    except OSError:
        return False


def _wait(process: subprocess.Popen, store: Path | str, job_id: int) -> None:
    code = process.wait()
    with connect(store) as con:
        con.execute(sql("refresh_job_finish"), {"finished_at": iso(utc_now()), "exit_code": code, "job_id": job_id})


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
