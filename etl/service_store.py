"""The service store: what the web service writes while serving requests, in one SQLite file.

Why not DuckDB: the dashboard opens the DuckDB file read-only and only the write session may change
it (one writer process at a time, swapped in atomically), but sign-ins, downloads and submissions
happen in every gunicorn worker at any moment. SQLite in WAL mode takes many writer processes (each
write is a short transaction serialised by SQLite's own file lock; readers never block) with nothing
to run beside it, and the standard library speaks it. The file sits beside the database
(`<db>.service.sqlite`, or `OVERSIGHT_SERVICE_DB`), on the same host as the workers (SQLite's locking
needs a local filesystem: several hosts need a shared store; docs/security.md).

Tables: `audit_event` (sign-ins, views of another authority's detail, downloads, submissions, admin
actions), `signin_failure` (the rate limit), `receipt` (every web submission, with its validation
report), `refresh_job` (refreshes started from the site). Times are naive UTC ISO strings.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from .errors import DatabaseError
from .settings import sql_text

SCHEMA_VERSION = 1


def sql(name: str) -> str:
    """The text of the service store's statement `name` (etl/sql/service/<name>.sql)."""
    return sql_text(f"service/{name}.sql")

def store_path(db_path: Path | str) -> Path:
    """The service store of the database at `db_path` (OVERSIGHT_SERVICE_DB overrides)."""
    override = os.environ.get("OVERSIGHT_SERVICE_DB", "").strip()
    if override:
        return Path(override)
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".service.sqlite")


@contextmanager
def connect(path: Path | str) -> Iterator[sqlite3.Connection]:
    """A short-lived connection (autocommit; use `with con:` for a transaction). Creates the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Created private to the service's account: it holds who signed in and from where.
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    try:
        con = sqlite3.connect(str(path), timeout=15.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open the service store {path}: {exc}") from exc
    try:
        con.execute("pragma busy_timeout = 15000")
        if con.execute("pragma user_version").fetchone()[0] != SCHEMA_VERSION:
            con.execute("pragma journal_mode = wal")
            con.executescript(sql("schema"))
            con.execute(f"pragma user_version = {SCHEMA_VERSION}")
        con.execute("pragma synchronous = normal")
        con.row_factory = sqlite3.Row
        yield con
    except sqlite3.Error as exc:
        raise DatabaseError(f"the service store {path} could not be read or written: {exc}") from exc
    finally:
        con.close()


def iso(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")
