"""Builds canonical, valid monthly returns in memory (CSV text, bytes or XLSX) for any authority and period.

The rows come from the standard itself (etl/spec), so a return built here is accepted by the
validator with no issue: every breakdown section sums to the total, flags are within bounds, the
four practice declarations are present. Tests then break exactly one thing with the small helpers
(`set_count`, `drop_section`, `add_row`) and assert on the one issue that causes.

    rows = canonical_rows(total=12)
    text = return_csv("E06000001", "2026-09", set_count(rows, "sex", "MALE", 99))
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from etl.spec import load_standard

AUTHORITY = "E06000001"  # Hartlepool: valid throughout, never reorganised
PERIOD = "2026-09"  # a completed month for the suite's fixed today (2026-11-29, tests/conftest.py)
HEADER = ("authority_code", "period", "section", "category", "count")
# A neighbour for transfer rows (Middlesbrough) that is valid in every period.
COUNTERPARTY = "E06000002"

Row = tuple[str, str, int | str]  # section, category, count (a string only to plant a bad value)


def spread(total: int, parts: int, seed: int = 0) -> list[int]:
    """Split total into `parts` whole counts that sum to it, unevenly and deterministically."""
    weights = [((i + seed) * 7) % 5 + 1 for i in range(parts)]
    shares = [total * w // sum(weights) for w in weights]
    for i in range(total - sum(shares)):
        shares[i % parts] += 1
    return shares


def canonical_rows(
    total: int = 12,
    *,
    transfers_in: Iterable[tuple[str, int]] = (),
    transfers_out: Iterable[tuple[str, int]] = ((COUNTERPARTY, 1),),
    practice: Sequence[int] = (1, 1, 1, 0),
) -> list[Row]:
    """Every row of a valid return with `total` concerns, in the standard's section order."""
    standard = load_standard()
    rows: list[Row] = []
    for index, section in enumerate(standard.sections.values()):
        codes = section.category_codes
        if section.kind == "total":
            rows.append((section.code, "ALL", total))
        elif section.kind == "breakdown":
            rows.extend((section.code, code, n) for code, n in zip(codes, spread(total, len(codes), seed=index)))
        elif section.kind == "flag":
            moved = total // 3
            values = {"MOVED_IN_LAST_12_MONTHS": moved, "PREVIOUS_AUTHORITY_RECORDS_RECEIVED": moved // 2}
            rows.extend((section.code, code, values.get(code, total // 4)) for code in codes)
        elif section.kind == "practice":
            rows.extend((section.code, code, value) for code, value in zip(codes, practice))
        elif section.code == "transfer_in":
            rows.extend((section.code, code, n) for code, n in transfers_in)
        elif section.code == "transfer_out":
            rows.extend((section.code, code, n) for code, n in transfers_out)
    return rows


def set_count(rows: list[Row], section: str, category: str, count: int | str) -> list[Row]:
    """A copy of rows with one count changed (the row must exist)."""
    if not any(r[0] == section and r[1] == category for r in rows):
        raise KeyError(f"no row ({section}, {category})")
    return [(s, c, count if (s, c) == (section, category) else n) for s, c, n in rows]


def drop_section(rows: list[Row], section: str) -> list[Row]:
    return [r for r in rows if r[0] != section]


def drop_row(rows: list[Row], section: str, category: str) -> list[Row]:
    return [r for r in rows if (r[0], r[1]) != (section, category)]


def add_row(rows: list[Row], section: str, category: str, count: int | str) -> list[Row]:
    return [*rows, (section, category, count)]


def _field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\r\n') else text


def return_csv(
    authority: str = AUTHORITY,
    period: str = PERIOD,
    rows: list[Row] | None = None,
    *,
    total: int = 12,
    header: Sequence[str] = HEADER,
    newline: str = "\n",
    separator: str = ",",
) -> str:
    """The return as CSV text; rows default to canonical_rows(total)."""
    rows = canonical_rows(total) if rows is None else rows
    lines = [separator.join(_field(h) for h in header)]
    lines.extend(separator.join(_field(str(v)) for v in (authority, period, s, c, n)) for s, c, n in rows)
    return newline.join(lines) + newline


def return_bytes(authority: str = AUTHORITY, period: str = PERIOD, rows: list[Row] | None = None, *,
                 encoding: str = "utf-8", bom: bool = False, **options) -> bytes:
    """The return as file bytes, optionally in another encoding or with a UTF-8 byte-order mark."""
    data = return_csv(authority, period, rows, **options).encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def return_xlsx(authority: str = AUTHORITY, period: str = PERIOD, rows: list[Row] | None = None, *,
                total: int = 12, sheet: str = "return", extra_sheets: Sequence[str] = ()) -> bytes:
    """The return as an .xlsx workbook (counts as numbers, like a person would type them)."""
    from openpyxl import Workbook

    rows = canonical_rows(total) if rows is None else rows
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(HEADER))
    for section, category, count in rows:
        worksheet.append([authority, period, section, category, count])
    for name in extra_sheets:
        workbook.create_sheet(name).append(["notes"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
