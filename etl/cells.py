"""Spreadsheet cells made safe: the one neutraliser of formula injection, for every CSV and XLSX we write.

OWASP "CSV injection": a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
run as a formula by Excel and LibreOffice. Such a cell is prefixed with `'`, so it is shown as text.
Numbers stay numbers (a negative count is not text). Used by the audit export (`etl.audit`) and the
dashboard's exports (`dashboard.exports`); the ETL never imports `dashboard`, so it lives here.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text value that a spreadsheet would run as a formula, made inert with a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
