"""Reporting periods: a period is a `datetime.date` on the first of its month, shown as YYYY-MM."""

from __future__ import annotations

import re
from datetime import date
from typing import Iterator

from .errors import InvalidInputError

_CANONICAL = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_period(text: str) -> date:
    """Parse a canonical 'YYYY-MM' period; raise InvalidInputError otherwise."""
    match = _CANONICAL.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        shown = text if not isinstance(text, str) or len(text) <= 40 else text[:40] + "…"  # never echo a megabyte back
        raise InvalidInputError(f"period {shown!r} is not a month in the form YYYY-MM (for example 2026-10)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_period(period: date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + (period.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(start: date, end: date) -> Iterator[date]:
    """Every period from start to end inclusive."""
    period = month_start(start)
    while period <= end:
        yield period
        period = add_months(period, 1)
