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

The only module-level state is this per-process handle and the per-version result cache below;
callbacks share nothing else.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from dashboard.viewer import current_viewer
from etl.errors import DatabaseError

ALIAS = "oversight"
CACHE_SIZE = 512
T = TypeVar("T")
log = logging.getLogger(__name__)


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
_cache: OrderedDict[tuple, Any] = OrderedDict()
_building: dict[tuple, threading.Event] = {}  # shared results being built now (built once, others wait)
_warmers: dict[Hashable, Callable[[Connection], Any]] = {}  # shared results built ahead of any request
_warming: list[threading.Thread] = []


def configure(db_path: Path | str) -> Path:
    """Set the database this process serves (called once by `create_app`); checks it can be opened."""
    global _db_path, _handle
    path = Path(db_path).expanduser().resolve()
    if not path.is_file():
        raise DatabaseError(
            f"database {path} does not exist; build it with `oversight refresh` (or `make demo`) "
            "or pass --db with the path of an existing database"
        )
    with _lock:
        _db_path = path
        _handle = None
        _cache.clear()
    connection().close()  # fail now, at start-up, rather than on the first request
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
        raise DatabaseError(f"database {path} has disappeared; run `oversight refresh` to rebuild it") from exc
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _open(path: Path, version: tuple[int, int, int]) -> _Handle:
    parent = duckdb.connect(":memory:")
    try:
        parent.execute(f"attach ? as {ALIAS} (read_only)", [str(path)])
    except duckdb.Error as exc:
        parent.close()
        raise DatabaseError(
            f"cannot open {path} read-only ({exc}); if a refresh is writing it, wait for it to finish"
        ) from exc
    return _Handle(path, version, parent)


def _current_handle() -> _Handle:
    """The handle for the file as it is now, reopening after a swap (old cursors keep the old file)."""
    global _handle
    path = db_path()
    version = _file_version(path)
    handle = _handle
    if handle is not None and handle.version == version:
        return handle
    with _lock:
        opened = _handle is None or _handle.version != version
        if opened:
            # The previous parent is not closed here: requests in flight may still hold cursors on it.
            # It is released when the last of them goes.
            _handle = _open(path, version)
            _cache.clear()
        handle = _handle
    if opened:
        _start_warming()
    return handle


def connection() -> Connection:
    """A new read-only cursor on the current database (one per call: safe across threads)."""
    return Connection(_current_handle().parent)


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
    return dict(con.execute("select key, value from meta").fetchall())


def contains_synthetic_data() -> bool:
    """True when the database holds demonstration data (banner on every page, stamp on every export)."""
    return (meta("contains_synthetic_data") or "").strip().lower() == "true"


def reset() -> None:
    """Forget the configured database (tests that switch databases in one process)."""
    global _db_path, _handle
    with _lock:
        _db_path = None
        _handle = None
        _cache.clear()


def clear_cache() -> None:
    """Drop every cached result (the benchmark times first, uncached calls)."""
    with _lock:
        _cache.clear()
