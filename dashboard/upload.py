"""Reading a browser upload safely: dcc.Upload's data URL -> bytes, with the size and type limits.

Used by the Check a return page. Limits are enforced before decoding (from the base64 length) and
after, so a crafted request cannot make the server decode or parse more than the configured size.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from etl.errors import InvalidInputError
from etl.settings import Limits

ALLOWED_SUFFIXES = (".csv", ".xlsx")
_DATA_URL = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*?);base64,(?P<data>.*)$", re.DOTALL)


def human_size(n_bytes: int) -> str:
    """1234567 -> '1.2 MB', 1500 -> '2 kB' (the same wording as the browser-side check)."""
    return f"{n_bytes / 1_000_000:.1f} MB" if n_bytes >= 1_000_000 else f"{-(-n_bytes // 1000)} kB"


def request_limit_bytes(limits: Limits | None = None) -> int:
    """Largest HTTP request body to accept: the base64 of the largest file plus room for the JSON."""
    limits = limits or Limits()
    return (limits.max_file_bytes * 4) // 3 + 64_000


def decode_upload(contents: object, filename: object, limits: Limits | None = None) -> tuple[bytes, str]:
    """The file bytes and a safe name from dcc.Upload's data URL; InvalidInputError says what is wrong."""
    limits = limits or Limits()
    if not isinstance(filename, str) or not filename.strip():
        raise InvalidInputError("The upload has no file name. Choose a CSV or XLSX return and upload it again.")
    name = Path(filename.replace("\\", "/")).name[:200]
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise InvalidInputError(
            f"{name} is not a CSV or XLSX file. Save the return as CSV (UTF-8) or as an Excel workbook "
            "(.xlsx) and upload it again."
        )
    if not isinstance(contents, str):
        raise InvalidInputError("The upload could not be read. Upload the file again.")
    match = _DATA_URL.match(contents)
    if match is None:
        raise InvalidInputError(
            "The upload could not be read: it did not arrive as base64 data. Upload the file again, "
            "or check it on your computer with `oversight validate`."
        )
    encoded = match.group("data")
    # Refuse before decoding: base64 is 4 characters for every 3 bytes, less the padding.
    estimated = len(encoded) * 3 // 4 - encoded[-2:].count("=")
    if estimated > limits.max_file_bytes:
        raise InvalidInputError(
            f"The file {name} is {human_size(estimated)}; the largest return that can be "
            f"checked is {human_size(limits.max_file_bytes)}. A monthly return is a few kilobytes: "
            "check that you chose the right file."
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(
            "The upload could not be read: its base64 encoding is damaged. Upload the file again."
        ) from None
    if len(data) > limits.max_file_bytes:
        raise InvalidInputError(
            f"The file {name} is {human_size(len(data))}; the largest return that can be checked is "
            f"{human_size(limits.max_file_bytes)}."
        )
    if not data:
        raise InvalidInputError(f"The file {name} is empty. Choose the completed return and upload it again.")
    return data, name
