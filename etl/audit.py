"""The audit trail: who signed in, looked at another authority's detail, downloaded or submitted.

Written by the web service into the service store (`etl.service_store`); read and exported by national
administrators on the site (Admin: audit) and by `oversight audit export`. Events are only appended.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .cells import neutralise
from .service_store import connect, iso, utc_now

EVENTS = (
    "sign_in", "sign_in_failed", "sign_out", "session_expired", "view_other_authority", "download",
    "submission", "refresh_started", "admin_view", "user_change",
)
FIELDS = ("event_id", "at", "username", "role", "authority_code", "event", "target", "detail", "address")
_MAX_TEXT = 500  # a crafted value is cut short, never stored (or echoed) whole


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
        con.execute(
            "insert into audit_event (at, username, role, authority_code, event, target, detail, address)"
            " values (?, ?, ?, ?, ?, ?, ?, ?)",
            [iso(at or utc_now()), _cut(actor.username), actor.role, _cut(actor.authority_code), event,
             _cut(target), _cut(detail), _cut(actor.address)],
        )


def events(store: Path | str, *, limit: int = 500, event: str | None = None, username: str | None = None) -> list[dict]:
    """The newest events first (filtered by event type and user when given)."""
    clauses, params = [], []
    if event:
        clauses.append("event = ?")
        params.append(event)
    if username:
        clauses.append("username = ?")
        params.append(username)
    where = f"where {' and '.join(clauses)}" if clauses else ""  # fixed clauses; values are bound
    with connect(store) as con:
        rows = con.execute(
            f"select {', '.join(FIELDS)} from audit_event {where} order by event_id desc limit ?", [*params, int(limit)]
        ).fetchall()
    return [dict(row) for row in rows]


def export_csv(store: Path | str) -> bytes:
    """Every event, oldest first, as CSV (cells neutralised against formula injection)."""
    with connect(store) as con:
        rows = con.execute(f"select {', '.join(FIELDS)} from audit_event order by event_id").fetchall()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
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
