"""One small reader per return format (CSV, XLSX): bytes -> the file's records as lists of text cells.

Readers know nothing of the standard: they decode, split into records and note the byte-level repairs
they made (encoding, byte-order mark, line endings) as (rule id, detail) pairs for the validator to
report. Anything that cannot be read raises ReturnFileError; an over-limit workbook raises
ReturnFileTooLargeError before any XML is parsed, and no workbook is inflated past the limit
whatever its zip headers declare.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

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
    # XLSX only: formula cells by (record index, cell position); the record holds the saved result ('' if none)
    formulas: dict[tuple[int, int], "FormulaCell"] = field(default_factory=dict)


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


# Excel in many locales, and "Text (Tab delimited)", write these instead of commas.
_OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_FIELDS_IN_A_RECORD = 5  # a return's record has its five columns; readers need no more of the standard


def read_csv(data: bytes, *, max_records: int) -> RawTable:
    """A CSV return: UTF-8 (BOM tolerated) or Windows-1252, LF or CRLF, comma separated.

    A file with no comma-separated record of five or more cells but such records separated by
    semicolons, tabs or vertical bars is read with that separator (repair Q214).
    """
    text, encoding, repairs = decode_text(data)
    if "\r\n" in text:
        repairs.append(("Q208", "Windows line endings (CRLF) were normalised to LF"))
    elif "\r" in text:
        repairs.append(("Q208", "old Mac line endings (a carriage return alone, CR) were normalised to LF"))
    records, truncated = _split_records(text, ",", max_records)
    if not _full_records(records):
        others = {}
        for separator in _OTHER_SEPARATORS:
            try:
                others[separator] = _split_records(text, separator, max_records)
            except ReturnFileError:
                continue  # not readable this way either; the comma reading stands and says what is wrong
        widest = max(others, key=lambda sep: _full_records(others[sep][0]), default=None)
        if widest is not None and _full_records(others[widest][0]):
            records, truncated = others[widest]
            repairs.append(("Q214", f"the values are separated by {_OTHER_SEPARATORS[widest]}, not commas; the file was read with that separator"))
    return RawTable("csv", encoding, records, repairs, truncated=truncated)


def _split_records(text: str, separator: str, max_records: int) -> tuple[list[list[str]], bool]:
    """The records, blank ones kept, and whether more than max_records non-blank ones were left unread."""
    records: list[list[str]] = []
    non_blank = 0
    try:
        # newline="" lets the csv module see \r\n, \n and \r itself (and newlines inside quotes).
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            if any(cell.strip() for cell in record):
                non_blank += 1
                if non_blank > max_records:
                    return records, True
            records.append(record)
    except csv.Error as exc:
        raise ReturnFileError(f"the file is not valid CSV ({exc}); check for unbalanced quotation marks") from exc
    return records, False


def _full_records(records: list[list[str]]) -> int:
    return sum(1 for record in records if len(record) >= _FIELDS_IN_A_RECORD)


# --- XLSX ------------------------------------------------------------------------------------------
#
# A workbook is a zip archive, and a zip member's header states its uncompressed size, which a
# crafted file can understate (a sheet "of 1,000 bytes" that inflates to 300 MB). So no library is
# ever handed the uploaded archive: every member is inflated here with a running cap on the bytes
# actually produced, checked against its declared size and CRC, and the verified members are
# re-packed (uncompressed) for calamine. Nothing can inflate past the cap, whatever the headers say.

_LOCAL_HEADER_SIZE = 30
_INFLATE_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FormulaCell:
    """A cell of the return sheet that holds a formula, and whether the file saved its result."""

    cell: str  # Excel reference, e.g. "E40"
    formula: str  # as written, with its leading '=' (a shared formula names the cell it is copied from)
    saved: bool  # False: the program that wrote the file never calculated it, so the cell reads as empty


def _damaged(detail: str) -> ReturnFileError:
    return ReturnFileError(f"the workbook is damaged or not a real .xlsx file ({detail}); open it in Excel and save it again")


def _inflate(body: bytes | memoryview, method: int, limit: int, name: str) -> bytes:
    """A member's content, refusing (by raising _Overflow) as soon as it would exceed `limit` bytes."""
    if method == zipfile.ZIP_STORED:
        if len(body) > limit:
            raise _Overflow(name)
        return bytes(body)
    if method != zipfile.ZIP_DEFLATED:
        raise _damaged(f"part {name} uses compression method {method}, which Excel never writes")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    position = 0
    pending: bytes | memoryview = b""
    try:
        while not inflater.eof:
            if not pending:
                if position >= len(body):
                    break
                pending = body[position:position + _INFLATE_CHUNK]
                position += _INFLATE_CHUNK
            out += inflater.decompress(pending, limit + 1 - len(out))
            if len(out) > limit:
                raise _Overflow(name)
            pending = inflater.unconsumed_tail
    except zlib.error as exc:
        raise _damaged(f"part {name} cannot be decompressed: {exc}") from exc
    if not inflater.eof:
        raise _damaged(f"part {name} is cut short")
    return bytes(out)


class _Overflow(Exception):
    """A member produced more bytes than allowed (its declared size, or what is left of the cap)."""


def unpack_xlsx(data: bytes, max_uncompressed_bytes: int) -> dict[str, bytes]:
    """Every member of the workbook's zip, inflated under a running cap on the bytes produced.

    Raises ReturnFileTooLargeError when the declared sizes, or the bytes actually produced, pass the
    cap; ReturnFileError when a member holds more or less than it declares, fails its CRC, is
    encrypted or uses a compression Excel never writes.
    """
    archive = check_xlsx_size(data, max_uncompressed_bytes)
    view = memoryview(data)
    members: dict[str, bytes] = {}
    produced = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ReturnFileError("the workbook is password-protected; remove the password (File > Info > Protect Workbook) and save it again")
        start = info.header_offset
        header = data[start:start + _LOCAL_HEADER_SIZE]
        if len(header) < _LOCAL_HEADER_SIZE or not header.startswith(ZIP_MAGIC):
            raise _damaged(f"part {info.filename} has no local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        body_start = start + _LOCAL_HEADER_SIZE + name_length + extra_length
        body = view[body_start:body_start + info.compress_size]
        budget = max_uncompressed_bytes - produced
        try:
            content = _inflate(body, info.compress_type, min(budget, info.file_size), info.filename)
        except _Overflow:
            if info.file_size >= budget:
                raise ReturnFileTooLargeError(
                    f"the workbook expands to more than the limit of {max_uncompressed_bytes:,} bytes when opened"
                ) from None
            raise _damaged(
                f"part {info.filename} expands to more than the {info.file_size:,} bytes it declares"
            ) from None
        if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
            raise _damaged(f"part {info.filename} does not match its declared size and checksum")
        produced += len(content)
        members[info.filename] = content
    archive.close()
    if "xl/workbook.xml" not in members:
        raise ReturnFileError("the file is a zip archive but not an Excel .xlsx workbook (it has no xl/workbook.xml)")
    return members


def _repack(members: dict[str, bytes]) -> bytes:
    """The verified members as a new, uncompressed zip whose headers are all true."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(element, local_name: str) -> str | None:  # noqa: ANN001 - an ElementTree element
    for key, value in element.attrib.items():
        if _local(key) == local_name:
            return value
    return None


def _sheet_part(members: dict[str, bytes], sheet_name: str) -> str | None:
    """The zip path of the named sheet's XML (through xl/workbook.xml and its relationships)."""
    from defusedxml import ElementTree  # refuses entity expansion and external references

    try:
        workbook = ElementTree.fromstring(members["xl/workbook.xml"])
        relationships = ElementTree.fromstring(members.get("xl/_rels/workbook.xml.rels", b"<Relationships/>"))
    except Exception:  # noqa: BLE001 - a malformed part only means formulas cannot be located
        return None
    relation_id = next(
        (_attribute(s, "id") for s in workbook.iter() if _local(s.tag) == "sheet" and s.get("name") == sheet_name), None
    )
    target = next(
        (r.get("Target") for r in relationships.iter() if _local(r.tag) == "Relationship" and r.get("Id") == relation_id), None
    )
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


_CELL_REFERENCE = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _cell_position(reference: str) -> tuple[int, int] | None:
    """'E40' -> (39, 4): zero-based row and column."""
    match = _CELL_REFERENCE.match(reference.upper())
    if not match:
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)) - 1, column - 1


def _column_letters(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# Excel's own limits, and the widest sheet read (a return has 5 columns; Excel 2003 stopped at IV).
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384
_COLUMN_LIMIT = 256
_SST_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b[^>]*>")
_SST_COUNTS = re.compile(rb"\s(?:count|uniqueCount)\s*=\s*(?:\"[^\"]*\"|'[^']*')")


def drop_declared_string_counts(members: dict[str, bytes]) -> None:
    """Remove the optional count and uniqueCount attributes of every shared-string table.

    calamine reserves memory for the declared number of strings before it reads one, so a table
    declaring four billion strings aborts the whole process (a Rust allocation failure is not an
    exception); without the attributes it counts the strings it actually finds."""
    for name, content in members.items():
        head = content[:4096]
        match = _SST_START.search(head)
        if match:
            start = _SST_COUNTS.sub(b"", match.group(0))
            members[name] = content[:match.start()] + start + content[match.end():]


def check_sheet_extent(sheet_xml: bytes, sheet_name: str, row_cap: int) -> None:
    """Refuse a sheet whose values lie where no return can be, before calamine reads it.

    calamine holds a sheet as one dense rectangle from its first to its last value, so a single value
    in cell XFD1048576 (a sheet Excel opens without trouble) asks for some 550 GB and aborts the process,
    and a cell reference that is not a cell at all ('CSECTION40') asks for more. Every cell holding a
    value (a <v> with text, or an inline string) must be a real Excel cell, in the first _COLUMN_LIMIT
    columns and the first `row_cap` rows (what read_xlsx reads at most). Cells without a reference take
    the next column of their row, rows without one the next row, as Excel does. The sheet is read with
    expat, refusing any DOCTYPE (Excel never writes one, and it is where entity tricks live); a sheet
    that is not well-formed XML is refused: this check must see every cell calamine would.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    row, column, reference, in_value, has_value = 0, 0, None, False, False

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal row, column, reference, in_value, has_value
        name = _local(tag)
        if name == "row":
            number = attributes.get("r")
            if number is not None and not (number.isdigit() and 0 < int(number) <= _EXCEL_ROWS):
                raise _damaged(f"sheet '{sheet_name}' has a row numbered {number[:20]!r}, which Excel cannot hold")
            row, column = (int(number) if number is not None else row + 1), 0
        elif name == "c":
            reference, has_value = attributes.get("r"), False
            if reference is None:
                column += 1
                return
            position = _cell_position(reference)
            if position is None or position[1] >= _EXCEL_COLUMNS or position[0] >= _EXCEL_ROWS:
                raise _damaged(f"sheet '{sheet_name}' has a cell '{reference[:20]}', which is not a cell Excel can hold")
            row, column = position[0] + 1, position[1] + 1
        elif name == "v":
            in_value = True
        elif name == "is":
            has_value = True

    def text(data: str) -> None:
        nonlocal has_value
        if in_value and data.strip():
            has_value = True

    def end(tag: str) -> None:
        nonlocal in_value
        name = _local(tag)
        if name == "v":
            in_value = False
        elif name == "c" and has_value:
            where = reference or f"{_column_letters(column - 1)}{row}"
            if column > _COLUMN_LIMIT:
                raise ReturnFileError(
                    f"sheet '{sheet_name}' has a value in cell {where}, beyond column "
                    f"{_column_letters(_COLUMN_LIMIT - 1)}; a return has 5 columns: delete the cells to the "
                    "right of the return and save it again")
            if row > row_cap:
                raise ReturnFileTooLargeError(
                    f"sheet '{sheet_name}' has a value in cell {where}, below row {row_cap:,}, far past the "
                    "most rows a return may hold; delete the rows below the return and save it again")

    def doctype(*_arguments: object) -> None:
        raise _damaged(f"sheet '{sheet_name}' declares a DOCTYPE, which Excel never writes")

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler, parser.StartDoctypeDeclHandler = text, doctype
    try:
        parser.Parse(sheet_xml, True)
    except expat.ExpatError as exc:
        raise _damaged(f"sheet '{sheet_name}' is not well-formed XML: {exc}") from exc


def scan_formulas(sheet_xml: bytes) -> dict[tuple[int, int], FormulaCell]:
    """Every formula cell of a sheet's XML by zero-based (row, column), with whether its result was saved."""
    if not _FORMULA_TAG.search(sheet_xml):
        return {}  # most returns have no formula: skip the parse (it costs more than reading the values)
    from defusedxml import ElementTree

    found: dict[tuple[int, int], FormulaCell] = {}
    shared: dict[str, tuple[str, str]] = {}  # shared-formula index -> (master cell, formula)
    row, column = -1, -1
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(sheet_xml), events=("start", "end")):
            name = _local(element.tag)
            if name == "row" and event == "start":
                number = element.get("r")
                row = int(number) - 1 if number and number.isdigit() else row + 1
                column = -1
                continue
            if name != "c" or event != "end":
                if event == "end" and name == "row":
                    element.clear()
                continue
            position = _cell_position(element.get("r") or "")
            row, column = position if position else (max(row, 0), column + 1)
            formula = next((child for child in element if _local(child.tag) == "f"), None)
            if formula is not None:
                value = next((child for child in element if _local(child.tag) == "v"), None)
                saved = value is not None and (bool(value.text) or element.get("t") == "str")
                reference = f"{_column_letters(column)}{row + 1}"
                text = (formula.text or "").strip()
                index = formula.get("si")
                if formula.get("t") == "shared" and index is not None:
                    if text:
                        shared[index] = (reference, text)
                    elif index in shared:
                        master, master_text = shared[index]
                        text = f"{master_text} (copied from cell {master})"
                found[(row, column)] = FormulaCell(reference, "=" + text if text else "=…", saved)
            element.clear()
    except Exception:  # noqa: BLE001 - calamine has read the values; an odd sheet only loses formula notes
        return found
    return found


def check_xlsx_size(data: bytes, max_uncompressed_bytes: int) -> zipfile.ZipFile:
    """Open the workbook's zip (its central directory only) and refuse it when the members' declared
    sizes already pass the limit. Declared sizes can lie: `unpack_xlsx` bounds the bytes produced."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: a damaged directory entry claiming a zip version Python cannot extract
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
    """An .xlsx return: sheet `return` (or the only sheet), every cell as text, and its formula cells.

    The zip is inflated under the byte cap first (`unpack_xlsx`); the verified parts are read with
    fastexcel (Rust calamine, ~0.3 ms for a return against ~10 ms for openpyxl), whose XML parser does
    not expand entities. A formula cell reads as its saved result ('' when the file has none) and is
    listed in `formulas`, found by scanning the sheet's XML with defusedxml. Records are the sheet's
    rows from row 1 (record i is Excel row i + 1), so positions are those a person sees.
    """
    import fastexcel  # imported here: most returns are CSV

    members = unpack_xlsx(data, max_uncompressed_bytes)
    drop_declared_string_counts(members)
    row_cap = max_records * _BLANK_ROWS_ALLOWED
    try:
        workbook = fastexcel.read_excel(_repack(members))
        sheet_name = _pick_sheet(list(workbook.sheet_names))
        part = _sheet_part(members, sheet_name)
        # where the sheet's part cannot be told, every sheet-like part is checked
        for candidate in [part] if part in members else [n for n, c in members.items() if b"sheetData" in c]:
            check_sheet_extent(members[candidate], sheet_name, row_cap)
        # skip_rows=0 keeps leading empty rows, so record i is Excel row i + 1.
        sheet = workbook.load_sheet_by_name(sheet_name, header_row=None, dtypes="string", n_rows=row_cap, skip_rows=0)
        table = sheet.to_arrow()
        value_columns = [c.absolute_index for c in sheet.available_columns()]
        truncated = sheet.total_height > row_cap
    except ReturnFileError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine errors (and a Rust panic) all mean "unreadable"
        raise ReturnFileError(f"the workbook cannot be read ({type(exc).__name__}: {exc})") from exc
    found = scan_formulas(members[part]) if part in members else {}
    # calamine leaves out formula cells with no saved result, so they may lie outside its range.
    first_column = min([*value_columns[:1], *(column for _, column in found)], default=0)
    shift = value_columns[0] - first_column if value_columns else 0
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [[""] * shift + [_cell(value) for value in values] for values in zip(*columns)]
    formulas: dict[tuple[int, int], FormulaCell] = {}
    for (row, column), formula in found.items():
        if row >= row_cap:
            continue
        while len(rows) <= row:
            rows.append([])
        position = column - first_column
        record = rows[row]
        record.extend([""] * (position + 1 - len(record)))
        formulas[(row, position)] = formula
    records: list[list[str]] = []
    non_blank = 0
    for index, record in enumerate(rows):
        while record and not record[-1].strip() and (index, len(record) - 1) not in formulas:
            record.pop()  # formatting often extends rows with empty cells
        if record:
            non_blank += 1
            if non_blank > max_records:
                truncated = True
                break
        records.append(record)
    return RawTable("xlsx", None, records, [], sheet=sheet_name, truncated=truncated,
                    formulas={key: f for key, f in formulas.items() if key[0] < len(records)})
