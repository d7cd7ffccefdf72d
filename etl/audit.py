"""The audit trail: who signed in, looked at another authority's detail, downloaded or submitted.

Written by the web service into the service store (`etl.service_store`); read and exported by national
administrators on the site (Admin: audit) and by `oversight audit export`. Events are only appended,
and deleted only by `oversight audit prune` once older than the retention period
(OVERSIGHT_AUDIT_RETENTION_DAYS, default two years, at least six months: docs/security.md); the
pruning itself is recorded as an `audit_pruned` event in the same transaction.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .cells import neutralise
from .clock import utc_now
from .errors import ConfigError, InvalidInputError
from .service_store import connect, iso, sql

EVENTS = (
    "sign_in", "sign_in_failed", "sign_out", "session_expired", "view_other_authority", "download",
    "submission", "refresh_started", "admin_view", "user_change", "audit_pruned",
)
_MAX_TEXT = 500  # a crafted value is cut short, never stored (or echoed) whole
RETENTION_VARIABLE = "OVERSIGHT_AUDIT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 730  # two years: the MoJ's default for security logs (docs/security.md)
MIN_RETENTION_DAYS = 183  # six months: the shortest any of the cited guidance accepts


@dataclass(frozen=True)
class Actor:
    """Who did it (the signed-in user, or `public` / an attempted user name) and from where."""

    username: str | None
    role: str
    authority_code: str | None = None
    address: str | None = None


def record(store: Path | str, actor: Actor, event: str, target: str | None = None, detail: str | None = None,
           at: datetime | None = None) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    with connect(store) as con:
        con.execute(sql("audit_insert"), _row(actor, event, target, detail, at))


def _row(actor: Actor, event: str, target: str | None, detail: str | None, at: datetime | None) -> dict:
    return {"at": iso(at or utc_now()), "username": _cut(actor.username), "role": actor.role,
            "authority_code": _cut(actor.authority_code), "event": event, "target": _cut(target),
            "detail": _cut(detail), "address": _cut(actor.address)}


# ---- retention -------------------------------------------------------------------------------------------

def retention_days(env: dict | None = None) -> int:
    """The retention period in days, from OVERSIGHT_AUDIT_RETENTION_DAYS (ConfigError naming it when bad)."""
    raw = (os.environ if env is None else env).get(RETENTION_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit():
        raise ConfigError(f"{RETENTION_VARIABLE}={raw[:40]!r} is not a whole number of days")
    days = int(raw)
    if days < MIN_RETENTION_DAYS:
        raise ConfigError(f"{RETENTION_VARIABLE}={days} is shorter than the minimum of {MIN_RETENTION_DAYS} days "
                          "(six months: security logs must cover the time it takes to notice an incident)")
    return days


@dataclass(frozen=True)
class PruneResult:
    cutoff: datetime  # events before this moment (naive UTC) were (or would be) deleted
    deleted: int
    oldest: str | None  # the oldest and newest of those events
    newest: str | None
    dry_run: bool

    def to_dict(self) -> dict:
        return {"cutoff": iso(self.cutoff), "deleted": self.deleted, "oldest": self.oldest, "newest": self.newest,
                "dry_run": self.dry_run}


def prune(store: Path | str, actor: Actor, *, retention: int, before: date | None = None, dry_run: bool = False,
          now: datetime | None = None) -> PruneResult:
    """Delete the events older than the retention period (or before `before`, which may not be later).

    The deletion and its own `audit_pruned` event are one transaction, so the trail always says who
    pruned what; deleted rows are overwritten on disk (SQLite's secure_delete, then a WAL checkpoint),
    not just unlinked. A dry run counts and changes nothing.
    """
    now = now or utc_now()
    limit = now - timedelta(days=retention)
    cutoff = datetime.combine(before or limit.date(), time())
    if cutoff > limit:
        raise InvalidInputError(
            f"--before {cutoff:%Y-%m-%d} would delete events younger than the retention period of {retention} days "
            f"(only events before {limit:%Y-%m-%d %H:%M} UTC may go). Give an earlier date, or shorten "
            f"{RETENTION_VARIABLE} if the policy has changed"
        )
    with connect(store) as con:
        con.execute("pragma secure_delete = on")
        con.execute("begin immediate")
        try:
            count, oldest, newest = con.execute(sql("audit_prune_count"), {"cutoff": iso(cutoff)}).fetchone()
            if not dry_run:
                con.execute(sql("audit_prune_delete"), {"cutoff": iso(cutoff)})
                detail = (f"deleted {count} events before {iso(cutoff)} (retention {retention} days)"
                          + (f"; they ran from {oldest} to {newest}" if count else ""))
                con.execute(sql("audit_insert"), _row(actor, "audit_pruned", "audit_event", detail, now))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        if not dry_run:
            con.execute("pragma wal_checkpoint(truncate)")
    return PruneResult(cutoff, count, oldest, newest, dry_run)


def events(store: Path | str, *, limit: int = 500, event: str | None = None, username: str | None = None) -> list[dict]:
    """The newest events first (filtered by event type and user when given)."""
    with connect(store) as con:
        rows = con.execute(sql("audit_events"), {"event": event or None, "username": username or None,
                                                 "limit": int(limit)}).fetchall()
    return [dict(row) for row in rows]


def export_csv(store: Path | str) -> bytes:
    """Every event, oldest first, as CSV (cells neutralised against formula injection)."""
    with connect(store) as con:
        cursor = con.execute(sql("audit_export"))
        header = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_neutralise(value) for value in row])
    return out.getvalue().encode("utf-8")


def _neutralise(value: object) -> object:
    """A cell of the audit CSV: formulas made inert (`etl.cells`), None as an empty cell."""
    return "" if value is None else neutralise(value)


def _cut(text: str | None) -> str | None:
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"
