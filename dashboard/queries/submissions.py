"""A council's submission history: the versions loaded (database) and the web uploads (service store).

An upload placed in the inbox shows as "waiting for the next refresh" until the refresh loads it; then
the loaded version's state (accepted, queried, rejected, superseded, current) is shown. A rejected
upload never reaches the inbox and shows with its report.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboard import database
from dashboard.queries.common import frame, sql
from etl.returns import Issue
from etl.submissions import receipts_for

STATE_TEXT = {
    "accepted": "Accepted",
    "queried": "Accepted with queries",
    "rejected": "Rejected",
    "superseded": "Superseded by a later version",
}


def loaded_versions(authority_code: str) -> pl.DataFrame:
    return database.read(lambda con: frame(con, "submissions_history", {"authority_code": authority_code}))


def loaded_issues(authority_code: str, sha256: str) -> list[Issue]:
    rows = database.read(lambda con: con.execute(sql("submissions_issues"),
                                                 {"authority_code": authority_code, "sha256": sha256}).fetchall())
    return [Issue(*row) for row in rows]


def history(store: Path, authority_code: str) -> list[dict]:
    """One entry per version: web uploads (with who sent them) and every version the database holds."""
    loaded = {row["sha256"]: row for row in loaded_versions(authority_code).iter_rows(named=True)}
    entries = []
    seen = set()
    for receipt in receipts_for(store, authority_code):
        row = loaded.get(receipt.sha256) if receipt.placed else None
        if row is not None:
            seen.add(receipt.sha256)
            state = "Current version" if row["is_current"] else STATE_TEXT.get(row["status"], row["status"])
            issues = loaded_issues(authority_code, receipt.sha256)
        elif receipt.placed:
            state, issues = "Received: waiting for the next refresh", receipt.issues
        else:
            state, issues = "Rejected on upload: not sent", receipt.issues
        entries.append({
            "received_at": receipt.received_at, "period": receipt.period, "file": receipt.file_name,
            "by": receipt.username, "via": "web", "version": row["version"] if row else None, "state": state,
            "sha256": receipt.sha256, "issues": issues,
        })
    for sha, row in loaded.items():
        if sha in seen:
            continue
        entries.append({
            "received_at": row["received_at"], "period": row["period"].strftime("%Y-%m") if row["period"] else None,
            "file": row["file_name"], "by": None, "via": "inbox", "version": row["version"],
            "state": "Current version" if row["is_current"] else STATE_TEXT.get(row["status"], row["status"]),
            "sha256": sha, "issues": loaded_issues(authority_code, sha) if (row["errors"] or row["queries"]) else [],
        })
    entries.sort(key=lambda entry: entry["received_at"], reverse=True)
    return entries
