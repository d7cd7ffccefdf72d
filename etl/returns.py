"""What validating one return produces: its issues, its status and its canonical rows."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Severity = Literal["error", "query"]
Status = Literal["accepted", "queried", "rejected"]


def file_label(path: Path) -> str:
    """A file's name as text that can be stored and shown: a name that is not UTF-8 on disk (Windows-1252
    bytes copied onto a Linux server, say) keeps its readable parts, with U+FFFD for each byte that is not.
    The file itself keeps its own name; only what is stored and printed about it uses this."""
    name = path.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", errors="replace")
    return name


@dataclass(frozen=True)
class Issue:
    """One finding of one rule. row is the 1-based data row (header = row 0), None for file-level."""

    rule: str
    severity: Severity
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str
    detail: str = ""  # the message without its location: issues with the same rule, column and detail are one finding

    def to_dict(self) -> dict:
        found = asdict(self)
        del found["detail"]
        return found


@dataclass(frozen=True)
class CountRow:
    """One canonical row of a return after repairs: section, category, whole count."""

    section: str
    category: str
    count: int
    source_row: int


@dataclass
class ValidationResult:
    """Everything the loader and the reports need about one file."""

    file: str
    sha256: str
    size_bytes: int
    file_format: str  # "csv" or "xlsx"
    encoding: str | None
    authority_code: str | None
    period: date | None
    issues: list[Issue] = field(default_factory=list)
    rows: list[CountRow] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if any(issue.severity == "error" for issue in self.issues):
            return "rejected"
        if self.issues:
            return "queried"
        return "accepted"

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def queries(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "query"]

    def to_dict(self) -> dict:
        """The `oversight validate --json` object."""
        return {
            "file": self.file,
            "authority_code": self.authority_code,
            "period": f"{self.period.year:04d}-{self.period.month:02d}" if self.period else None,
            "status": self.status,
            "issues": [issue.to_dict() for issue in self.issues],
        }
