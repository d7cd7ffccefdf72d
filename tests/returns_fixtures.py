"""A tiny returns database (three authorities, four months) for the Returns and Check page tests.

Built from the real schema (every migration in etl/sql/migrations, in order) with hand-written rows
whose states are known: each test states what it expects from these rows.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

from etl.db import migrate

AS_OF = date(2026, 11, 29)
# 2026-07 .. 2026-10; deadlines are the 15th of the following month.
AUTHORITIES = [
    ("E06000001", "Hartlepool", "E12000001", "North East", None, None),
    ("E09000001", "City of London", "E12000007", "London", None, None),
    # Stops being owed after August 2026 (as a reorganised authority would).
    ("E10000006", "Cumbria", "E12000001", "North East", None, date(2026, 8, 1)),
]
SUBMISSIONS = [
    # id, file, received, authority, period, version, status, current
    (1, "h-2026-08.csv", datetime(2026, 9, 10), "E06000001", date(2026, 8, 1), 1, "accepted", True),
    (2, "h-2026-09.csv", datetime(2026, 10, 20), "E06000001", date(2026, 9, 1), 1, "queried", True),  # 5 days late
    (3, "c-2026-09.csv", datetime(2026, 10, 1), "E09000001", date(2026, 9, 1), None, "rejected", False),
    (4, "c-2026-08.csv", datetime(2026, 9, 1), "E09000001", date(2026, 8, 1), 1, "superseded", False),
    (5, "c-2026-08-v2.csv", datetime(2026, 9, 20), "E09000001", date(2026, 8, 1), 2, "accepted", True),
    (6, "cu-2026-07.csv", datetime(2026, 8, 2), "E10000006", date(2026, 7, 1), 1, "accepted", True),
]
ISSUES = [
    (3, "E_COUNT_NOT_WHOLE", "error", 4, "count", "-3", "count -3 is not a whole number of 0 or more", "Enter 0 or a positive whole number"),
    (3, "E_MISSING_TOTAL", "error", None, None, None, "the return has no total row", "Add a row total,ALL"),
    (2, "Q_SUM_MISMATCH", "query", None, "section", "age_band", "age_band counts sum to 12 but total is 14", "Make the breakdown add up to the total"),
]


def build_returns_db(path: Path) -> Path:
    """Write the tiny database to `path` and return it."""
    con = duckdb.connect(str(path))
    try:
        migrate(con)  # recorded in schema_migrations, as a real database is
        con.execute("insert into ref_region values ('E12000001', 'North East'), ('E12000007', 'London')")
        con.executemany(
            "insert into ref_authority (gss_code, name, region_code, region_name, valid_from, valid_to) values (?, ?, ?, ?, ?, ?)",
            AUTHORITIES,
        )
        con.executemany(
            "insert into submission (submission_id, file_name, sha256, size_bytes, file_format, received_at, loaded_at,"
            " authority_code, period, version, status, is_current) values (?, ?, ?, 100, 'csv', ?, ?, ?, ?, ?, ?, ?)",
            [(i, f, f"sha-{i}", r, r, a, p, v, s, c) for i, f, r, a, p, v, s, c in SUBMISSIONS],
        )
        con.executemany("insert into validation_issue values (?, ?, ?, ?, ?, ?, ?, ?)", ISSUES)
        con.execute(
            "insert into load_run (command, started_at, finished_at, files_seen, files_accepted, files_queried,"
            " files_rejected, duration_s, status) values"
            " ('refresh', '2026-10-21 02:00', '2026-10-21 02:00:03', 3, 1, 1, 1, 3.2, 'completed'),"
            " ('load', '2026-09-21 02:00', '2026-09-21 02:00:01', 1, 1, 0, 0, 1.1, 'completed')"
        )
        # the scoring writes return_owed (the returns owed, their deadline and state) that the page reads
        from etl.scoring import rescore

        rescore(con)
    finally:
        con.close()
    return path
