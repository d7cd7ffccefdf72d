"""Mutation fuzzing of the validator: real returns (CSV in three encodings and separators, and XLSX)
damaged at random, byte by byte and part by part, each checked with `validate_bytes`.

The validator must answer every file with specific findings. Two outcomes are failures: the process
dies (a Rust allocation failure in the XLSX reader aborts it rather than raising), or a finding is the
catch-all "the file could not be checked (SomeError: ...)", which means an exception escaped a check
that should have named the problem. Run in a child process by tests/test_validate_fuzz.py:

    python tests/support/fuzz_returns.py --seed 1 --cases 1500

prints one JSON object: the cases run and the distinct failures, each with the file's bytes (base64).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: the returns factory

from returns_factory import return_bytes, return_xlsx  # noqa: E402

from etl.reference import load_reference  # noqa: E402
from etl.validate import validate_bytes  # noqa: E402

CATCH_ALL = "could not be checked"
# Text that means something to a reader of returns, or to a parser: inserted at random places.
TOKENS = [b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xff\xfe", b"=SUM(A1)", b"-1", b"1e9",
          b"99999999999999999999999", b"\t", b";", b"|", b"\xe2\x80\xa8", b"\xc2\xa0", b"NaN", b"inf",
          b"2026-13", b"0000-00", b" ", b"section", b"count", b"total", b"ALL", b"E09000001", b"\xef\xbb\xbf",
          b"'", b"+1", b"1.5", b"1,000", b"\x1a", b"\\", b"\xd9\xa3", b"\xef\xbc\x91"]
SHEET_TOKENS = [b"<f>SUM(E2:E3)</f>", b"<v>1e308</v>", b"<v>-5</v>", b"<v>NaN</v>", b't="s"', b't="inlineStr"',
                b"<is><t>x</t></is>", b'r="XFD1048576"', b'r="A0"', b'r="1A"', b'r="CSECTION9"', b"<c>", b"</row>",
                b'<row r="0">', b'<row r="99999999">', b'<!DOCTYPE x [<!ENTITY a "aaaa">]>', b"&a;",
                b'<c r="A1" t="e"><v>#REF!</v></c>', b't="d"', b"<v>2026-10-01T00:00:00</v>", b's="9999"',
                b'count="4000000000"', b'uniqueCount="4000000000"']


def mutate(rng: random.Random, data: bytes, tokens: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not out:
            out += b"x"
        at, operation = rng.randrange(len(out)), rng.random()
        if operation < 0.25:
            out[at] = rng.randrange(256)
        elif operation < 0.45:
            del out[at:at + rng.randint(1, 40)]
        elif operation < 0.8:
            out[at:at] = rng.choice(tokens)
        elif operation < 0.9:
            source = rng.randrange(len(out))
            out[at:at] = out[source:source + rng.randint(1, 60)]
        else:
            del out[at:]
    return bytes(out)


def mutate_workbook(rng: random.Random, workbook: bytes) -> bytes:
    """One part of the workbook damaged (the sheet most often), the zip rewritten honestly; now and
    then the zip's own bytes damaged too."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    target = rng.choice(["xl/worksheets/sheet1.xml"] * 4 + sorted(parts))
    parts[target] = mutate(rng, parts[target], SHEET_TOKENS + TOKENS)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    data = buffer.getvalue()
    return mutate(rng, data, [b"PK", b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"]) if rng.random() < 0.2 else data


def run(seed: int, cases: int) -> dict:
    rng = random.Random(seed)
    reference = load_reference()
    texts = [return_bytes(), return_bytes(bom=True), return_bytes(encoding="cp1252", newline="\r\n"),
             return_bytes(separator=";")]
    workbook = return_xlsx()
    failures: dict[str, str] = {}
    for _ in range(cases):
        if rng.random() < 0.7:
            name, data = "E06000001_2026-09.csv", mutate(rng, rng.choice(texts), TOKENS)
        else:
            name, data = "E06000001_2026-09.xlsx", mutate_workbook(rng, workbook)
        result = validate_bytes(data, name, reference=reference)
        for issue in result.issues:
            if CATCH_ALL in issue.message:
                failures.setdefault(issue.message[:300], base64.b64encode(data).decode())
    return {"cases": cases, "failures": failures}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=1500)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.seed, arguments.cases)))
