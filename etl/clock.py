"""The one clock for moments the service records (load runs, migrations, users, imports, audit entries).

Moments are stored as naive UTC timestamps (DuckDB `timestamp`, SQLite ISO text): `utc_now()` is the
current moment in UTC with the time zone dropped, so every table holds the same kind of value. The day
that decides which periods are due is `etl.settings.today()`, not this clock.
"""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current moment in UTC, as a naive datetime (how every stored moment is kept)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
