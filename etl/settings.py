"""Settings in one place: environment variables over defaults, parsed explicitly."""

from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = PACKAGE_DIR / "sql"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
DEFAULT_DB = PROJECT_ROOT / "data" / "oversight.duckdb"
DEFAULT_INBOX = PROJECT_ROOT / "data" / "inbox"
SCORING_CONFIG = PACKAGE_DIR / "scoring.toml"


@functools.cache
def sql_text(relative: str) -> str:
    """The text of etl/sql/<relative> (e.g. "service/audit_insert.sql"), read once per process: the one
    reader of the ETL's SQL files (the scoring models are read by etl/scoring/models.py, whose digest
    watches them for changes)."""
    return (SQL_DIR / relative).read_text(encoding="utf-8")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from exc


def today() -> date:
    """Today's date; OVERSIGHT_TODAY=YYYY-MM-DD fixes it (tests, re-runs of past months)."""
    raw = os.environ.get("OVERSIGHT_TODAY")
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"OVERSIGHT_TODAY={raw!r} is not a date in the form YYYY-MM-DD") from exc


@contextmanager
def fixed_today(day: date | str) -> Iterator[None]:
    """Within the block, today() is `day` (OVERSIGHT_TODAY, so processes started in it agree); the
    variable is put back as it was, set or unset, afterwards."""
    previous = os.environ.get("OVERSIGHT_TODAY")
    os.environ["OVERSIGHT_TODAY"] = day if isinstance(day, str) else day.isoformat()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OVERSIGHT_TODAY", None)
        else:
            os.environ["OVERSIGHT_TODAY"] = previous


@dataclass(frozen=True)
class Limits:
    """Bounds on one return file; larger files are rejected before parsing."""

    max_file_bytes: int = field(default_factory=lambda: _env_int("OVERSIGHT_MAX_FILE_BYTES", 2_000_000))
    max_rows: int = field(default_factory=lambda: _env_int("OVERSIGHT_MAX_ROWS", 1_000))
    max_xlsx_uncompressed_bytes: int = field(
        default_factory=lambda: _env_int("OVERSIGHT_MAX_XLSX_UNCOMPRESSED_BYTES", 20_000_000)
    )


def default_db_path() -> Path:
    return Path(os.environ.get("OVERSIGHT_DB", str(DEFAULT_DB)))
