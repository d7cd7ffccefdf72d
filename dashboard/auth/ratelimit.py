"""Failed sign-ins, limited per account and per address, counted in the service store.

The store is shared by every worker (SQLite), so the limit holds however many workers there are. A
refused attempt gets the same message as a wrong password (no hint whether the account exists), and
the password is not checked at all while the limit holds, so guessing stops there.
"""

from __future__ import annotations

import time
from pathlib import Path

from etl.service_store import connect, sql


def blocked(store: Path, username: str, address: str, *, per_account: int, per_address: int, window_s: float) -> bool:
    since = time.time() - window_s
    with connect(store) as con:
        by_account = con.execute(sql("signin_failures_by_account"), {"username": username, "since": since}).fetchone()[0]
        by_address = con.execute(sql("signin_failures_by_address"), {"address": address, "since": since}).fetchone()[0]
    return by_account >= per_account or by_address >= per_address


def record_failure(store: Path, username: str, address: str) -> None:
    with connect(store) as con:
        con.execute(sql("signin_failure_insert"), {"at": time.time(), "username": username[:256], "address": address[:64]})
        # Old failures are kept a day for the audit's sake, then dropped.
        con.execute(sql("signin_failure_expire"), {"before": time.time() - 86400})


def clear_account(store: Path, username: str) -> None:
    with connect(store) as con:
        con.execute(sql("signin_failure_clear"), {"username": username})
