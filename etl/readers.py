"""One small reader per return format (CSV, XLSX): bytes -> the file's records as lists of text cells.

Readers know nothing of the standard: they decode, split into records and note the byte-level repairs
they made (encoding, byte-order mark, line endings) as (rule id, detail) pairs for the validator to
report. Anything that cannot be read raises ReturnFileError; an over-limit workbook raises
ReturnFileTooLargeError before any XML is parsed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from .errors import ReturnFileError, ReturnFileTooLargeError

UTF8_BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other old Office files)
RETURN_SHEET = "return"
_BLANK_ROWS_ALLOWED = 20  # a sheet may hold this many records (blank ones included) per record asked for


@dataclass
class RawTable:
    """The records of one file in order (header included); blank records are kept as [] so that
    record positions stay the positions a person sees in the file."""

    file_format: str  # "csv" | "xlsx"
    encoding: str | None
    records: list[list[str]]
    repairs: list[tuple[str, str]] = field(default_factory=list)  # (rule id, what was repaired)
    sheet: str | None = None
    truncated: bool = False  # stopped early: more non-blank records than the reader was asked for


def detect_format(data: bytes, filename: str) -> str:
    """'xlsx' or 'csv' from the content (the name only decides what to say when they disagree)."""
    name = filename.lower()
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        raise ReturnFileError(
            "the file is an old-style Excel workbook (.xls), which is not accepted; "
            "open it in Excel and save it as .xlsx or as CSV UTF-8"
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise ReturnFileError("the file is named .xlsx but is not an Excel workbook (it is not a zip archive)")
    return "csv"


def read_table(data: bytes, filename: str, *, max_records: int, max_uncompressed_bytes: int) -> RawTable:
    """Read a return file of either format."""
    if detect_format(data, filename) == "xlsx":
        return read_xlsx(data, max_records=max_records, max_uncompressed_bytes=max_uncompressed_bytes)
    return read_csv(data, max_records=max_records)


# --- CSV -------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    """Text, encoding name and repairs. UTF-8 first; Windows-1252 is what Excel's plain CSV writes."""
    repairs: list[tuple[str, str]] = []
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
        repairs.append(("Q207", "a UTF-8 byte-order mark at the start of the file was removed"))
    if b"\x00" in data[:4096]:
        raise ReturnFileError(
            "the file contains NUL bytes, so it is not a CSV text file (it may be UTF-16 'Unicode text' "
            "or a binary file); save it as 'CSV UTF-8 (Comma delimited)'"
        )
    try:
        return data.decode("utf-8"), "utf-8", repairs
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ReturnFileError(
                f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} at position "
                f"{exc.start}); save it as 'CSV UTF-8 (Comma delimited)'"
            ) from exc
        bad = data[utf8_error.start:utf8_error.start + 1]
        shown = bad.decode("cp1252", errors="replace")
        repairs.append(("Q206", f"the file is not UTF-8 (first at byte {utf8_error.start}: {shown!r}); it was decoded as Windows-1252"))
        return text, "cp1252", repairs


def read_csv(data: bytes, *, max_records: int) -> RawTable:
    """A CSV return: UTF-8 (BOM tolerated) or Windows-1252, LF or CRLF, comma separated."""
    text, encoding, repairs = decode_text(data)
    if "\r\n" in text:
        repairs.append(("Q208", "Windows line endings (CRLF) were normalised to LF"))
    records: list[list[str]] = []
    non_blank = 0
    truncated = False
    try:
        # newline="" lets the csv module see \r\n, \n and \r itself (and newlines inside quotes).
        for record in csv.reader(io.StringIO(text, newline="")):
            if any(cell.strip() for cell in record):
                non_blank += 1
                if non_blank > max_records:
                    truncated = True
                    break
            records.append(record)
    except csv.Error as exc:
        raise ReturnFileError(f"the file is not valid CSV ({exc}); check for unbalanced quotation marks") from exc
    return RawTable("csv", encoding, records, repairs, truncated=truncated)


# --- XLSX ------------------------------------------------------------------------------------------


def check_xlsx_size(data: bytes, max_uncompressed_bytes: int) -> zipfile.ZipFile:
    """Open the workbook's zip and refuse it when its members would inflate past the limit.

    Members' declared sizes bound what zipfile will ever decompress (it stops at the declared size
    and checks the CRC), so summing them defends against zip bombs before any XML is parsed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReturnFileError(f"the workbook is damaged or not a real .xlsx file ({exc})") from exc
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise ReturnFileTooLargeError(
            f"the workbook would expand to {total:,} bytes when opened, over the limit of {max_uncompressed_bytes:,}"
        )
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise ReturnFileError("the file is a zip archive but not an Excel .xlsx workbook (it has no xl/workbook.xml)")
    return archive


def _pick_sheet(names: list[str]) -> str:
    for name in names:
        if name.strip().casefold() == RETURN_SHEET:
            return name
    if len(names) == 1:
        return names[0]
    raise ReturnFileError(
        f"the workbook has no sheet named '{RETURN_SHEET}' and more than one sheet ({', '.join(names)}); "
        f"rename the sheet holding the return to '{RETURN_SHEET}'"
    )


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    # calamine writes a date cell as "2026-10-01 00:00:00": show it as the date a person typed.
    return value[:-9] if len(value) == 19 and value.endswith(" 00:00:00") else value


def read_xlsx(data: bytes, *, max_records: int, max_uncompressed_bytes: int) -> RawTable:
    """An .xlsx return: sheet `return` (or the only sheet), every cell as text; cached values, never formulas.

    Read with fastexcel (Rust calamine, ~0.3 ms for a return against ~10 ms for openpyxl); its XML
    parser does not expand entities, and the zip is size-checked first.
    """
    import fastexcel  # imported here: most returns are CSV

    check_xlsx_size(data, max_uncompressed_bytes).close()
    row_cap = max_records * _BLANK_ROWS_ALLOWED
    try:
        workbook = fastexcel.read_excel(data)
        sheet_name = _pick_sheet(list(workbook.sheet_names))
        sheet = workbook.load_sheet_by_name(sheet_name, header_row=None, dtypes="string", n_rows=row_cap)
        table = sheet.to_arrow()
        truncated = sheet.total_height > row_cap
    except ReturnFileError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine errors (and a Rust panic) all mean "unreadable"
        raise ReturnFileError(f"the workbook cannot be read ({type(exc).__name__}: {exc})") from exc
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    records: list[list[str]] = []
    non_blank = 0
    for values in zip(*columns):
        record = [_cell(value) for value in values]
        while record and not record[-1].strip():
            record.pop()  # formatting often extends rows with empty cells
        if record:
            non_blank += 1
            if non_blank > max_records:
                truncated = True
                break
        records.append(record)
    return RawTable("xlsx", None, records, [], sheet=sheet_name, truncated=truncated)
