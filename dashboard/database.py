"""The dashboard's read-only DuckDB handle: one per process, reopened when the ETL swaps in a new file.

Why it is built this way:
- The ETL never writes the live file: it builds `<db>.next` and `os.replace`s it into place
  (docs/architecture.md, "The write session"). A handle open across the swap keeps reading the old,
  unlinked file, so the dashboard sees the old state or the new, never half. We notice the swap by the
  file's identity (inode, mtime, size) and open the new file for the next request.
- DuckDB caches database instances by path inside a process: `duckdb.connect(path, read_only=True)`
  after the swap would hand back the OLD instance while any cursor on it is alive. So the file is
  ATTACHed (read-only) to a fresh in-memory instance instead, which is never cached.
- Callbacks run on several threads: each call to `connection()` gets its own cursor, and a cursor's
  `.cursor()` gives another, already pointing at the attached database.

- Every file is checked when it is opened (`_check`): readable in full (every table read, so DuckDB
  verifies each block's checksum: a truncated or damaged file is caught here, not as a 500 in a
  callback), every table the dashboard reads present, the schema version one this code knows, `meta`
  readable. A file that fails is not served: `health()` says why, and dashboard/health.py answers
  every request with a service-unavailable page until a good file is swapped in (checked again
  whenever the file changes, and every RECHECK_S seconds).

The only module-level state is this per-process handle, the last failure and the per-version result
cache below; callbacks share nothing else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from dashboard.queries.common import sql
from dashboard.viewer import current_viewer
from etl.db import available_migrations
from etl.errors import DatabaseError

ALIAS = "oversight"
CACHE_SIZE = 512
T = TypeVar("T")
log = logging.getLogger(__name__)

# The oldest schema the dashboard's queries work on (002 adds the scoring marts).
MIN_SCHEMA_VERSION = 2
# Every table a page or export reads; a database without one of them is not served.
REQUIRED_TABLES = (
    "meta", "ref_region", "ref_authority", "ref_population", "ref_statistical_neighbour",
    "load_run", "submission", "return_count", "validation_issue", "score_config", "score", "score_component",
    "measure_value", "funnel_point", "funnel_limit", "flag", "transfer_reconciliation",
)
# How often a file that failed its check is tried again even if it has not changed (a reader hiccup).
RECHECK_S = 30.0


class DatabaseUnavailableError(DatabaseError):
    """The configured database cannot be served now (missing, damaged, incomplete or too new).

    `reason` is a short plain-English phrase for the public page; the message, with the path and the
    underlying error, is for the server log.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Health:
    """Whether the dashboard can serve its database now, and if not why (short, for the public page)."""

    ok: bool
    reason: str = ""


class Connection:
    """A cursor on the attached read-only database (quacks like `duckdb.DuckDBPyConnection`).

    `.sql`, `.execute`, `.fetchall`... go to the underlying DuckDB cursor; `.cursor()` returns another
    `Connection` on the same database, so code written for a plain DuckDB connection works unchanged.
    """

    def __init__(self, parent: duckdb.DuckDBPyConnection) -> None:
        self._parent = parent
        self._cursor = parent.cursor()
        # A new cursor starts in the in-memory catalog: point it at the attached database.
        self._cursor.execute(f"use {ALIAS}")

    def cursor(self) -> Connection:
        return Connection(self._parent)

    def close(self) -> None:
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Handle:
    path: Path
    version: tuple[int, int, int]
    parent: duckdb.DuckDBPyConnection


_lock = threading.Lock()
_db_path: Path | None = None
_handle: _Handle | None = None
_failure: tuple[tuple[int, int, int] | None, float, DatabaseUnavailableError] | None = None
_cache: OrderedDict[tuple, Any] = OrderedDict()
_building: dict[tuple, threading.Event] = {}  # shared results being built now (built once, others wait)
_warmers: dict[Hashable, Callable[[Connection], Any]] = {}  # shared results built ahead of any request
_warming: list[threading.Thread] = []


def configure(db_path: Path | str) -> Path:
    """Set the database this process serves (called once by `create_app`).

    A path with no file is refused (a mistyped --db is found at start-up). A file that exists but fails
    its check does not stop the server: it starts, serves the service-unavailable page, logs why, and
    recovers by itself when a good file is swapped in.
    """
    global _db_path, _handle, _failure
    path = Path(db_path).expanduser().resolve()
    if not path.is_file():
        raise DatabaseError(
            f"database {path} does not exist; build it with `oversight refresh` (or `make demo`) "
            "or pass --db with the path of an existing database"
        )
    with _lock:
        _db_path = path
        _handle = None
        _failure = None
        _cache.clear()
    health()  # check now, at start-up, so the log says at once whether the file can be served
    return path


def is_configured() -> bool:
    """Whether `configure` has set the database this process serves."""
    return _db_path is not None


def db_path() -> Path:
    if _db_path is None:
        raise DatabaseError("the dashboard has no database: call dashboard.database.configure(path) first")
    return _db_path


def _file_version(path: Path) -> tuple[int, int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise DatabaseUnavailableError(
            f"database {path} has disappeared; run `oversight refresh` to rebuild it or restore a backup",
            "there is no database file",
        ) from exc
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _open(path: Path, version: tuple[int, int, int]) -> _Handle:
    if version[2] == 0:
        raise DatabaseUnavailableError(
            f"database {path} is an empty file (0 bytes), not a DuckDB database: restore the latest backup "
            "or rebuild it (docs/operations.md, \"The dashboard says the service is unavailable\")",
            "the database file is empty",
        )
    parent = duckdb.connect(":memory:")
    try:
        parent.execute(f"attach ? as {ALIAS} (read_only)", [str(path)])
    except duckdb.Error as exc:
        parent.close()
        raise DatabaseUnavailableError(
            f"cannot open {path} read-only ({_first_line(exc)}): the file is damaged or not a DuckDB "
            "database; restore the latest backup or rebuild it",
            "the database file is damaged",
        ) from exc
    try:
        _check(parent, path)
    except BaseException:
        parent.close()
        raise
    return _Handle(path, version, parent)


def _check(parent: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a file the pages cannot serve: missing tables, an unknown schema, unreadable blocks."""
    with Connection(parent) as con:
        _check_tables(con, path)


def _check_tables(con: Connection, path: Path) -> None:
    tables = {name for (name,) in con.execute(sql("database_tables"), {"database": ALIAS}).fetchall()}
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise DatabaseUnavailableError(
            f"database {path} lacks the table(s) {', '.join(missing)}: it is incomplete or from another "
            "program; rebuild it with `oversight refresh` (which migrates it) or restore a backup",
            "the database is incomplete",
        )
    try:
        known = max((m.version for m in available_migrations()), default=0)
        # Every database `migrate` made records its migrations; one built table by table (a test
        # fixture) has no record, and is judged by its tables alone.
        newest = (
            con.execute(sql("database_schema_version")).fetchone()[0] or 0
            if "schema_migrations" in tables else known
        )
        con.execute(sql("common_meta")).fetchall()
        for name in sorted(tables):
            # every table read in full: DuckDB checks each block's checksum (names from its catalogue)
            con.execute(sql("database_table_checksum"), {"table": f'{ALIAS}.main."{name}"'}).fetchall()
    except duckdb.Error as exc:
        raise DatabaseUnavailableError(
            f"database {path} cannot be read in full ({_first_line(exc)}): it is damaged (truncated?); "
            "restore the latest backup or rebuild it",
            "the database file is damaged",
        ) from exc
    if newest < MIN_SCHEMA_VERSION or newest > known:
        raise DatabaseUnavailableError(
            f"database {path} has schema version {newest:03d}; this dashboard reads {MIN_SCHEMA_VERSION:03d} "
            f"to {known:03d}: run `oversight refresh` to migrate an old database, or upgrade the dashboard "
            "to serve a newer one",
            "the database was written by a different version of the service",
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _current_handle() -> _Handle:
    """The handle for the file as it is now, reopening after a swap (old cursors keep the old file).

    Raises DatabaseUnavailableError while the file cannot be served; a failure is remembered for this
    file version (so a bad file is not re-read on every request) and retried every RECHECK_S seconds.
    """
    global _handle, _failure
    path = db_path()
    version = _file_version(path)
    handle = _handle
    if handle is not None and handle.version == version:
        return handle
    with _lock:
        if _handle is not None and _handle.version == version:
            return _handle
        failure = _failure
        if failure is not None and failure[0] == version and time.monotonic() - failure[1] < RECHECK_S:
            raise failure[2]
        try:
            opened = _open(path, version)
        except DatabaseUnavailableError as error:
            if failure is None or failure[0] != version:
                log.error("not serving %s: %s", path, error)
            _failure = (version, time.monotonic(), error)
            raise
        # The previous parent is not closed here: requests in flight may still hold cursors on it.
        # It is released when the last of them goes.
        if _failure is not None:
            log.warning("serving %s again: the file now passes its check", path)
        _handle, _failure = opened, None
        _cache.clear()
        handle = _handle
    _start_warming()  # the disclosure pattern for the new file, in the background (see warm)
    return handle


def health() -> Health:
    """Can the database be served now? Checks a changed file (once per version), else answers from memory."""
    try:
        _current_handle()
    except DatabaseUnavailableError as error:
        return Health(False, error.reason)
    return Health(True)


def connection() -> Connection:
    """A new read-only cursor on the current database (one per call: safe across threads)."""
    return Connection(_current_handle().parent)


def read(build: Callable[[Connection], T]) -> T:
    """`build(connection)` on a cursor of the current database, closed afterwards; not cached.

    For reads too large or too rarely repeated to keep (a download); everything else goes through
    `cached`."""
    with connection() as con:
        return build(con)


def version() -> tuple[int, int, int]:
    """Identity of the database file now being served: changes when the ETL swaps in a new file."""
    return _current_handle().version


def cached(key: Hashable, build: Callable[[Connection], T], shared: bool = False) -> T:
    """`build(connection())`, memoised for this database version and viewer under `key`.

    For results that depend only on the database and on who is looking (the periods on offer, a
    page's frames for given validated inputs: the data-access layer applies disclosure control for
    the viewer, so a result is cached per `viewer.cache_key`). `shared=True` is only for results that
    are the same for every viewer (the disclosure pattern itself). Cached values are shared between
    threads, so callers must not mutate them (polars frames are immutable in use). Bounded: least
    recently used go first.
    """
    handle = _current_handle()
    full_key = (handle.version, None if shared else current_viewer().cache_key, key)
    while True:
        with _lock:
            if full_key in _cache:
                _cache.move_to_end(full_key)
                return _cache[full_key]
            waiting = _building.get(full_key) if shared else None
            if shared and waiting is None:
                _building[full_key] = threading.Event()
        if waiting is None:
            break
        waiting.wait()  # another thread (the warmer, or a request) is building it: use theirs
    try:
        with Connection(handle.parent) as con:
            value = build(con)
        with _lock:
            _cache[full_key] = value
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    finally:
        if shared:
            with _lock:
                _building.pop(full_key).set()
    return value


def warm(key: Hashable, build: Callable[[Connection], Any]) -> None:
    """Build the shared result `cached(key, build, shared=True)` in a background thread now (when a
    database is configured) and again whenever the ETL swaps in a new file, so no request waits for it.

    For slow results that are the same for every viewer (the disclosure pattern: about 10 s on the full
    demo). Start-up and requests never wait for the warmer; one that asks while it is building waits for
    that build instead of starting a second.
    """
    with _lock:
        _warmers[key] = build
        handle = _handle
    if handle is not None:
        _start_warming({key: build})


def _start_warming(warmers: dict[Hashable, Callable[[Connection], Any]] | None = None) -> None:
    with _lock:
        chosen = dict(_warmers if warmers is None else warmers)
        _warming[:] = [thread for thread in _warming if thread.is_alive()]
        threads = [threading.Thread(target=_warm_one, args=(key, build), name=f"warm {key}", daemon=True)
                   for key, build in chosen.items()]
        _warming.extend(threads)
    for thread in threads:
        thread.start()


def _warm_one(key: Hashable, build: Callable[[Connection], Any]) -> None:
    try:
        cached(key, build, shared=True)
    except Exception:  # a request will build it (and report the error) instead
        log.warning("could not build %s ahead of requests", key, exc_info=True)


def wait_for_warming(timeout: float | None = None) -> bool:
    """Wait for the background builds started so far; True when all have finished (tests, benchmarks)."""
    with _lock:
        threads = list(_warming)
    for thread in threads:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in threads)


def is_cached(key: Hashable, shared: bool = False) -> bool:
    """Whether `cached(key, ...)` would answer from the cache now (for this viewer unless `shared`)."""
    handle = _current_handle()
    with _lock:
        return (handle.version, None if shared else current_viewer().cache_key, key) in _cache


def meta(key: str) -> str | None:
    """A value from the `meta` table (None when absent)."""
    return cached(("meta",), _all_meta).get(key)


def _all_meta(con: Connection) -> dict[str, str]:
    return dict(con.execute(sql("common_meta")).fetchall())


def contains_synthetic_data() -> bool:
    """True when the database holds demonstration data (banner on every page, stamp on every export).

    True too when the database cannot be served (never hide the banner when unsure): Dash evaluates
    the page shell once at start-up, and a damaged file must not stop the server starting."""
    try:
        return (meta("contains_synthetic_data") or "").strip().lower() == "true"
    except DatabaseUnavailableError:
        return True


def reset() -> None:
    """Forget the configured database (tests that switch databases in one process)."""
    global _db_path, _handle, _failure
    with _lock:
        _db_path = None
        _handle = None
        _failure = None
        _cache.clear()


def clear_cache() -> None:
    """Drop every cached result (the benchmark times first, uncached calls)."""
    with _lock:
        _cache.clear()
