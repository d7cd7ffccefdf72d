"""The one write session every writer goes through: lock, private copy, work, swap (docs/architecture.md).

    with write_session(db_path, "users") as con:
        con.execute("insert into ...")   # a read-write connection to the migrated private copy

On a normal exit the copy is checkpointed, closed, fsynced and atomically swapped over the live file;
if the block raises, the live file is untouched. Readers never see half a state.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from .db import connect, migrate


@contextmanager
def write_session(db_path: Path | str, command: str, *, locked: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to `<db>.next` (migrated, no transaction open); swap it in on success.

    command: what is writing (for messages and the record of runs). locked: the caller already holds
    `write_lock(db_path)` (a refresh that files the inbox away under the same lock).
    """
    from .load import _prepare_next, _swap, write_lock  # the loader's lock, copy and swap

    db_path = Path(db_path)
    if not locked:
        with write_lock(db_path):
            with write_session(db_path, command, locked=True) as con:
                yield con
        return
    target = _prepare_next(db_path)
    con = connect(target)
    try:
        con.execute("set fsync_mode = 'none'")  # private copy: fsynced once before the swap
        migrate(con)
        yield con
        con.execute("checkpoint")
    finally:
        con.close()
    _swap(target, db_path)
