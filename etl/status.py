"""`database_status(db)`: the latest load runs and the returns expected, received, late, rejected and missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .db import connect
from .periods import format_period
from .scored_state import contains_synthetic_data
from .settings import sql_text

RECENT_RUNS = 5


@dataclass(frozen=True)
class AuthorityReturn:
    """One authority's position for the period."""

    code: str
    name: str
    status: str  # accepted | queried | rejected | missing | not_due (no file yet, deadline not passed)
    received_at: datetime | None = None
    late: bool = False
    rejected_files: int = 0

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "status": self.status,
            "received_at": self.received_at.isoformat(timespec="seconds") if self.received_at else None,
            "late": self.late,
            "rejected_files": self.rejected_files,
        }


@dataclass
class StatusReport:
    """What `oversight status` shows."""

    db_path: str
    runs: list[dict] = field(default_factory=list)
    period: date | None = None
    deadline: date | None = None
    expected: list[AuthorityReturn] = field(default_factory=list)
    contains_synthetic_data: bool = False

    def _with(self, *statuses: str) -> list[AuthorityReturn]:
        return [a for a in self.expected if a.status in statuses]

    @property
    def received(self) -> list[AuthorityReturn]:
        return self._with("accepted", "queried")

    @property
    def rejected(self) -> list[AuthorityReturn]:
        """Authorities whose only files for the period were rejected."""
        return self._with("rejected")

    @property
    def missing(self) -> list[AuthorityReturn]:
        """Authorities that sent no file at all for the period (rejected-only ones are in `rejected`)."""
        return self._with("missing")

    @property
    def not_due(self) -> list[AuthorityReturn]:
        """Authorities with no file yet whose deadline has not passed."""
        return self._with("not_due")

    @property
    def late(self) -> list[AuthorityReturn]:
        return [a for a in self.received if a.late]

    def to_dict(self) -> dict:
        def codes(items: list[AuthorityReturn]) -> list[dict]:
            return [{"code": a.code, "name": a.name} for a in items]

        return {
            "database": self.db_path,
            "contains_synthetic_data": self.contains_synthetic_data,
            "runs": [_jsonable(run) for run in self.runs],
            "period": format_period(self.period) if self.period else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "expected": len(self.expected),
            "received": len(self.received),
            "rejected": len(self.rejected),
            "missing": len(self.missing),
            "not_due": len(self.not_due),
            "late": len(self.late),
            "missing_authorities": codes(self.missing),
            "rejected_authorities": codes(self.rejected),
            "late_authorities": codes(self.late),
            "authorities": [a.to_dict() for a in self.expected],
        }


def database_status(db_path: Path | str) -> StatusReport:
    """Read the live database (read-only) and describe its latest runs and latest period.

    Which returns are owed, their deadline and their state come from `return_owed`, which the scoring
    writes with the [timeliness] settings it scored with: status, the Returns page and the chase list
    cannot disagree.
    """
    con = connect(db_path, read_only=True)
    try:
        report = StatusReport(db_path=str(db_path))
        cursor = con.execute(_sql("status_load_runs"), {"limit": RECENT_RUNS})
        names = [column[0] for column in cursor.description]
        report.runs = [dict(zip(names, row)) for row in cursor.fetchall()]
        report.contains_synthetic_data = contains_synthetic_data(con)
        period = con.execute(_sql("status_latest_period")).fetchone()[0]
        if period is not None:
            rows = con.execute(_sql("status_period_returns"), {"period": period}).fetchall()
            _fill_period(report, period, rows)
    finally:
        con.close()
    return report


def _fill_period(report: StatusReport, period: date, rows: list[tuple]) -> None:
    report.period = period
    for code, name, state, return_status, deadline, first_received, rejected_files, _ in rows:
        report.deadline = deadline
        if return_status in ("accepted", "queried"):
            report.expected.append(
                AuthorityReturn(code, name, return_status, first_received, state == "late", rejected_files)
            )
        else:
            report.expected.append(AuthorityReturn(code, name, state, rejected_files=rejected_files))


def _jsonable(run: dict) -> dict:
    return {k: (v.isoformat(timespec="seconds") if isinstance(v, datetime) else v) for k, v in run.items()}


def _sql(name: str) -> str:
    return sql_text(f"{name}.sql")
