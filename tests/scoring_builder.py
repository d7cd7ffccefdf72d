"""Builds small scoring test databases through the real loader from hand-made returns."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

from etl.load import load_files
from returns_factory import return_bytes


def write_return(folder: Path, authority: str, period: str, rows, *, received: datetime, name: str | None = None,
                 **options) -> Path:
    """Write one return file whose modification time (the received time the loader records) is `received`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{authority}_{period}.csv")
    path.write_bytes(return_bytes(authority, period, rows, **options))
    stamp = received.timestamp()
    os.utime(path, (stamp, stamp))
    return path


def load(db: Path, paths: list[Path]) -> None:
    """Load the files with the real loader (which rescores at the end of its write session)."""
    load_files(paths, db)


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def score_of(db: Path, authority: str, period: str, dimension: str, window: str = "month") -> float | None:
    rows = query(
        db,
        'select score from score where authority_code = $a and period = cast($p as date) and "window" = $w and dimension = $d',
        {"a": authority, "p": f"{period}-01", "w": window, "d": dimension},
    )
    assert rows, f"no {dimension} score for {authority} {period} {window}"
    return rows[0][0]


BREAKDOWNS = ("concern_type", "age_band", "sex", "referral_source", "action")


def clean_rows(total: int, *, practice=(1, 1, 1, 1), transfers_out=(), transfers_in=()) -> list:
    """A return with nothing to lose: every NOT_RECORDED count moved into the section's first category."""
    from returns_factory import canonical_rows

    rows = canonical_rows(total, practice=practice, transfers_out=transfers_out, transfers_in=transfers_in)
    moved = {s: n for s, c, n in rows if s in BREAKDOWNS and c == "NOT_RECORDED"}
    out, seen = [], set()
    for section, category, count in rows:
        if section in BREAKDOWNS and category == "NOT_RECORDED":
            count = 0
        elif section in BREAKDOWNS and section not in seen:
            seen.add(section)
            count = count + moved.get(section, 0)
        out.append((section, category, count))
    return out


def set_section(rows: list, section: str, counts: dict[str, int]) -> list:
    """Replace a section's counts: the categories named get their count, every other one 0."""
    return [(s, c, counts.get(c, 0) if s == section else n) for s, c, n in rows]
