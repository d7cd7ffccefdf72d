"""CSV and XLSX exports: formula injection neutralised, synthetic data stamped, small counts suppressed.

- Spreadsheet formula injection (OWASP "CSV injection"): a text cell that starts with `=`, `+`, `-`,
  `@`, a tab or a carriage return is prefixed with `'`, so Excel shows it as text instead of running it.
  Numbers stay numbers (a negative count is not text). One implementation, `etl.cells.neutralise`,
  shared with the audit export.
- Symbols (GSS/DfE): in a frame from the data-access layer (it has a `disclosure` column) a value
  withheld from the viewer is written `c` and a value that does not exist `x`, never a blank; a key
  line after the table says what each symbol used means.
- Whenever the database holds demonstration data, every export says so: the first line of a CSV and
  the first row of every XLSX sheet read "SYNTHETIC DEMONSTRATION DATA ...".
- Disclosure control is applied before data reaches an export: every frame comes from the
  data-access layer (`dashboard.queries`), which gives the viewer of the request only what they may
  see (`dashboard.disclosure`: counts 1-4 as "c", secondary suppression). `suppress_small_counts` is
  primary suppression for a frame built elsewhere. Zero is not suppressed (it reveals nothing about a person).
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime

import polars as pl

from etl.cells import neutralise

SYNTHETIC_STAMP = "SYNTHETIC DEMONSTRATION DATA: not real returns; do not use for any decision"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPPRESSED = "c"  # dashboard.disclosure.SUPPRESSED: the symbol of a value withheld from the viewer
SUPPRESSED_KEY = (
    "c = fewer than 5, or hidden so a hidden count cannot be worked out; "
    "see How the scores work and the methodology (disclosure control)"
)
NOT_AVAILABLE = "x"  # dashboard.disclosure.NOT_AVAILABLE: a value that does not exist
NOT_AVAILABLE_KEY = "x = not available: there is no value (no return, or nothing to calculate it from)"
KEYS = {SUPPRESSED: SUPPRESSED_KEY, NOT_AVAILABLE: NOT_AVAILABLE_KEY}


def _cell(value: object) -> object:
    """A frame value as a spreadsheet cell: dates as ISO text, lists joined, text neutralised."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    return neutralise(value)


def suppressed_rows(frame: pl.DataFrame) -> list[bool]:
    """Per row, whether the data-access layer withheld some of its values from the viewer.

    Disclosure control (dashboard.queries.disclosure) nulls a withheld count, and the rates and
    intervals built on it, and marks the row with `disclosure` = 'c'. Tables and exports then print
    those nulls as 'c', so a withheld value never reads as a blank or a missing return.
    """
    if "disclosure" not in frame.columns:
        return [False] * frame.height
    return (frame["disclosure"] == SUPPRESSED).fill_null(False).to_list()


def is_statistical(frame: pl.DataFrame) -> bool:
    """Whether the frame came through disclosure control (it has a `disclosure` column): its nulls get symbols."""
    return "disclosure" in frame.columns


def shown(value: object, suppressed: bool, column: str | None = None, statistical: bool = False) -> object:
    """A value as tables and exports give it.

    A null in a row marked 'c' is 'c' when its column is one disclosure control withholds
    (`dashboard.disclosure.WITHHELD_COLUMNS`; any column when `column` is not given). Any other null of
    a statistical frame is 'x' (not available), so a missing value never reads as a withheld one.
    The `disclosure` column itself stays blank where nothing was withheld.
    """
    if value is not None and not (isinstance(value, float) and value != value):
        return value
    if column == "disclosure":
        return None
    if suppressed:
        from dashboard.disclosure import WITHHELD_COLUMNS

        if column is None or column in WITHHELD_COLUMNS:
            return SUPPRESSED
    return NOT_AVAILABLE if statistical else None


def symbols_used(frame: pl.DataFrame, marks: list[bool] | None = None, statistical: bool | None = None) -> list[str]:
    """The symbols ('c', 'x') that `shown` writes for this frame, in key order."""
    marks = suppressed_rows(frame) if marks is None else marks
    statistical = is_statistical(frame) if statistical is None else statistical
    used = {shown(value, mark, column, statistical)
            for row, mark in zip(frame.iter_rows(), marks) for column, value in zip(frame.columns, row)
            if value is None or (isinstance(value, float) and value != value)}
    return [symbol for symbol in KEYS if symbol in used]


def key_line(symbols: Iterable[str]) -> str:
    """'Symbols: c = ...; x = ...' for the symbols used (empty when none)."""
    parts = [KEYS[s] for s in symbols if s in KEYS]
    return ("Symbols: " + "; ".join(parts)) if parts else ""


def _rows(frame: pl.DataFrame) -> Iterable[list[object]]:
    statistical = is_statistical(frame)
    for row, suppressed in zip(frame.iter_rows(), suppressed_rows(frame)):
        yield [_cell(shown(value, suppressed, column, statistical)) for column, value in zip(frame.columns, row)]


def _resolve_synthetic(synthetic: bool | None) -> bool:
    if synthetic is not None:
        return synthetic
    from dashboard import database  # only when the caller did not say: exports stay usable offline

    return database.contains_synthetic_data()


def csv_bytes(frame: pl.DataFrame, synthetic: bool | None = None) -> bytes:
    """The frame as UTF-8 CSV (with a BOM, so Excel reads accents), stamped when synthetic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if _resolve_synthetic(synthetic):
        writer.writerow([SYNTHETIC_STAMP])
    writer.writerow([neutralise(name) for name in frame.columns])
    writer.writerows(_rows(frame))
    key = key_line(symbols_used(frame))
    if key:
        writer.writerow([key])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: pl.DataFrame | Mapping[str, pl.DataFrame], synthetic: bool | None = None) -> bytes:
    """One sheet per frame (a lone frame becomes sheet 'data'), stamped in row 1 when synthetic."""
    from openpyxl import Workbook

    named = {"data": sheets} if isinstance(sheets, pl.DataFrame) else dict(sheets)
    stamp = _resolve_synthetic(synthetic)
    workbook = Workbook(write_only=True)
    for name, frame in named.items():
        sheet = workbook.create_sheet(title=_sheet_title(name))
        if stamp:
            sheet.append([SYNTHETIC_STAMP])
        sheet.append([neutralise(column) for column in frame.columns])
        for row in _rows(frame):
            sheet.append(row)
        key = key_line(symbols_used(frame))
        if key:
            sheet.append([key])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip() or "data"
    return cleaned[:31]


def file_bytes(data: pl.DataFrame | Mapping[str, pl.DataFrame], file_format: str = "csv",
               synthetic: bool | None = None) -> bytes:
    """The frame(s) as CSV or XLSX bytes. A mapping of frames makes one XLSX sheet each; for CSV the
    sheets are stacked, each under a title line."""
    if file_format == "xlsx":
        return xlsx_bytes(data, synthetic)
    if file_format != "csv":
        raise ValueError(f"file_format must be 'csv' or 'xlsx', not {file_format!r}")
    if isinstance(data, pl.DataFrame):
        return csv_bytes(data, synthetic)
    return _stacked_csv(data, _resolve_synthetic(synthetic))


def download(
    data: pl.DataFrame | Mapping[str, pl.DataFrame], filename: str, file_format: str = "csv",
    synthetic: bool | None = None,
) -> dict:
    """The `data` property of a `dcc.Download`: the frame(s) as CSV or XLSX (`file_bytes`), named `filename.<ext>`."""
    content = file_bytes(data, file_format, synthetic)
    return {"content": base64.b64encode(content).decode("ascii"), "filename": f"{filename}.{file_format}",
            "type": XLSX_MIME if file_format == "xlsx" else CSV_MIME, "base64": True}


def _stacked_csv(frames: Mapping[str, pl.DataFrame], synthetic: bool) -> bytes:
    parts = [SYNTHETIC_STAMP + "\r\n"] if synthetic else []
    for title, frame in frames.items():
        parts.append(f"{neutralise(title)}\r\n")
        parts.append(csv_bytes(frame, synthetic=False).decode("utf-8").lstrip("\ufeff") + "\r\n")
    return ("\ufeff" + "".join(parts)).encode("utf-8")


def data_uri(content: bytes, mime: str) -> str:
    """A `data:` URL for an `<a download>` link: only for a file made from what the user sent (the check
    page's report) or from static settings. Data from the database go through `dashboard.downloads`
    (a real, audited request), never into a page as a `data:` URL."""
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")


def suppress_small_counts(frame: pl.DataFrame, columns: Iterable[str], entitled: bool = True) -> pl.DataFrame:
    """Counts 1-4 in `columns` shown as 'c' (DfE convention) unless the viewer is entitled to them.

    Primary suppression only, by `dashboard.disclosure.primary` (the one implementation). The dashboard's
    own exports need no call: the data-access layer already gives each viewer what they may see, with
    secondary suppression (see `dashboard.disclosure`).
    """
    if entitled:
        return frame
    from dashboard import disclosure

    return disclosure.primary(frame, columns)
