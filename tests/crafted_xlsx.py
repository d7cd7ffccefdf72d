"""Hostile workbooks built byte by byte: a zip whose headers understate what a sheet inflates to, and
sheets whose cells lie where no return can be (which calamine would try to hold in memory).

A real return workbook (openpyxl) is taken apart and written again with a hand-made zip writer, so a
member's declared uncompressed size can be set to anything. The huge sheet is compressed as a stream,
so building a 300 MB bomb costs the test a few MB of memory, not 300.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from returns_factory import return_xlsx

SHEET = "xl/worksheets/sheet1.xml"
_CHUNK = 1 << 20


def _deflate(chunks: Iterable[bytes]) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, true size) of the concatenated chunks."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    out, crc, size = bytearray(), 0, 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        out += compressor.compress(chunk)
    out += compressor.flush()
    return bytes(out), crc, size


def write_zip(members: list[tuple[str, Iterable[bytes], int | None]]) -> bytes:
    """A deflated zip of (name, content chunks, declared size or None for the true size)."""
    body, directory = bytearray(), bytearray()
    for name, chunks, declared in members:
        data, crc, size = _deflate(chunks)
        usize = size if declared is None else declared
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), usize, len(encoded), 0)
        body += encoded + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), usize,
                                 len(encoded), 0, 0, 0, 0, 0, offset)
        directory += encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0)
    return bytes(body + directory + end)


def _sheet_with_long_header(original: bytes, inflated_bytes: int) -> Iterator[bytes]:
    """The sheet XML with a header cell of `inflated_bytes` letters added to its first row."""
    cut = original.index(b"</row>")
    yield original[:cut] + b'<c r="Z1" t="inlineStr"><is><t>'
    remaining = inflated_bytes
    block = b"A" * _CHUNK
    while remaining > 0:
        yield block[: min(_CHUNK, remaining)]
        remaining -= _CHUNK
    yield b"</t></is></c>" + original[cut:]


def understated_xlsx(inflated_bytes: int, declared_bytes: int | None = 1_000) -> bytes:
    """A return workbook whose sheet declares `declared_bytes` but inflates to more than `inflated_bytes`."""
    with zipfile.ZipFile(io.BytesIO(return_xlsx())) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    members: list[tuple[str, Iterable[bytes], int | None]] = []
    for name, content in parts.items():
        if name == SHEET:
            members.append((name, _sheet_with_long_header(content, inflated_bytes), declared_bytes))
        else:
            members.append((name, [content], None))
    return write_zip(members)


def rezipped(parts: dict[str, bytes]) -> bytes:
    """Parts written back as an honest zip (for workbooks edited at the XML level)."""
    return write_zip([(name, [content], None) for name, content in parts.items()])


def with_saved_results(workbook: bytes, results: dict[str, str]) -> bytes:
    """The workbook with a saved result written after each formula named in `results` (its text
    without '='), as Excel or LibreOffice store it; openpyxl itself writes formulas with no result."""
    import re

    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}

    def saved(match: re.Match[bytes]) -> bytes:
        formula = match.group(1).decode()
        if formula not in results:
            return match.group(0)
        return b"<f>" + match.group(1) + b"</f><v>" + results[formula].encode() + b"</v>"

    for name, content in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb"<f>([^<]*)</f><v\s*/>", saved, content)
    return rezipped(parts)


def workbook_parts(workbook: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_rows(row_xml: bytes, workbook: bytes | None = None, part: str = SHEET) -> bytes:
    """The workbook (default: a real return) with `row_xml` (<row> elements as Excel writes them) added
    at the end of the sheet's data."""
    parts = workbook_parts(workbook or return_xlsx())
    parts[part] = parts[part].replace(b"</sheetData>", row_xml + b"</sheetData>")
    return rezipped(parts)


def value_at(reference: str, row: int, workbook: bytes | None = None, part: str = SHEET) -> bytes:
    """A return workbook with the number 1 typed in cell `reference` (on row `row`)."""
    return with_rows(f'<row r="{row}"><c r="{reference}" t="n"><v>1</v></c></row>'.encode(), workbook, part)


def with_shared_strings(declared: int) -> bytes:
    """A return workbook whose header cell authority_code is a shared string, in a shared-string table
    that declares `declared` strings (count and uniqueCount) while holding one."""
    parts = workbook_parts(return_xlsx())
    sheet = parts[SHEET]
    inline = b'<c r="A1" t="inlineStr"><is><t>authority_code</t></is></c>'
    assert inline in sheet, "openpyxl no longer writes inline strings: rebuild this helper"
    parts[SHEET] = sheet.replace(inline, b'<c r="A1" t="s"><v>0</v></c>')
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        b"<si><t>authority_code</t></si></sst>" % (declared, declared)
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    return rezipped(parts)
