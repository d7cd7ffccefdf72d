"""Returns submitted on the web: validate, place in the inbox with a receipt, keep the history.

A council officer's upload is validated exactly as `oversight validate` does (`validate_bytes`). A
return that is accepted or queried is placed in the inbox; the next refresh loads it exactly like a
file dropped there. Its receipt records the SHA-256, the time the service received it and the user:

- in the service store (`receipt` table): the submission history, including rejected uploads,
  which are never placed in the inbox (the user sees the report and resubmits);
- beside the file, as `<inbox>/.receipts/<file name>.json`: the loader takes the return's receipt
  time from it (instead of the file's modification time) when its SHA-256 matches the file.

The file appears in the inbox atomically (written as a dotfile, which a refresh ignores, then
renamed), after its receipt, so a refresh running at that moment sees the whole file or nothing.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .periods import format_period
from .returns import Issue, ValidationResult
from .clock import utc_now
from .service_store import connect, iso, sql

RECEIPTS_DIR = ".receipts"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
WRONG_AUTHORITY_RULE = "S001"


@dataclass
class Receipt:
    receipt_id: str
    received_at: datetime
    username: str
    authority_code: str | None
    period: str | None
    file_name: str
    stored_name: str | None
    sha256: str
    size_bytes: int
    status: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def placed(self) -> bool:
        return self.stored_name is not None


def submit_return(
    data: bytes,
    filename: str,
    *,
    inbox: Path | str,
    store: Path | str,
    username: str,
    authority_code: str,
    received_at: datetime | None = None,
) -> tuple[Receipt, ValidationResult]:
    """Validate an upload for `authority_code`; place it in the inbox when accepted or queried."""
    from .validate import validate_bytes

    received_at = received_at or utc_now()
    receipt_id = uuid.uuid4().hex
    name = Path(str(filename).replace("\\", "/")).name[:200] or "return.csv"
    result = validate_bytes(data, name)
    issues = list(result.issues)
    if result.authority_code is not None and result.authority_code != authority_code:
        issues.insert(0, Issue(
            WRONG_AUTHORITY_RULE, "error", None, "authority_code", result.authority_code,
            f"this return is for {result.authority_code}, but you submit for {authority_code}",
            "Submit only your own authority's return; check the authority code in the file.",
        ))
    status = "rejected" if any(i.severity == "error" for i in issues) else ("queried" if issues else "accepted")
    stored_name = None
    if status != "rejected":
        stored_name = _place(Path(inbox), data, name, receipt_id, result.sha256, received_at, username)
    receipt = Receipt(
        receipt_id, received_at, username, authority_code,
        format_period(result.period) if result.period else None, name, stored_name, result.sha256, len(data),
        status, issues,
    )
    with connect(store) as con:
        con.execute(sql("receipt_insert"), {
            "receipt_id": receipt_id, "received_at": iso(received_at), "username": username,
            "authority_code": authority_code, "period": receipt.period, "file_name": name, "stored_name": stored_name,
            "sha256": result.sha256, "size_bytes": len(data), "status": status,
            "issues_json": json.dumps([i.to_dict() for i in issues]),
        })
    return receipt, result


def receipts_for(store: Path | str, authority_code: str, limit: int = 200) -> list[Receipt]:
    """The authority's web submissions, newest first."""
    with connect(store) as con:
        rows = con.execute(sql("receipts_for"), {"authority_code": authority_code, "limit": int(limit)}).fetchall()
    return [
        Receipt(
            row["receipt_id"], datetime.fromisoformat(row["received_at"]), row["username"], row["authority_code"],
            row["period"], row["file_name"], row["stored_name"], row["sha256"], row["size_bytes"], row["status"],
            [Issue(**issue) for issue in json.loads(row["issues_json"])],
        )
        for row in rows
    ]


def receipt_time(path: Path, sha256: str) -> datetime | None:
    """The service's receipt time for an inbox file, when a receipt for exactly these bytes sits beside it."""
    sidecar = path.parent / RECEIPTS_DIR / f"{path.name}.json"
    try:
        receipt = json.loads(sidecar.read_text(encoding="utf-8"))
        if receipt.get("sha256") == sha256:
            return datetime.fromisoformat(receipt["received_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None


def _place(inbox: Path, data: bytes, name: str, receipt_id: str, sha256: str, received_at: datetime, username: str) -> str:
    inbox.mkdir(parents=True, exist_ok=True)
    receipts = inbox / RECEIPTS_DIR
    receipts.mkdir(exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stored = f"{_SAFE.sub('_', stem)[:120]}.web-{receipt_id[:12]}{suffix}"
    _write_atomically(receipts / f"{stored}.json", json.dumps({
        "receipt_id": receipt_id, "received_at": received_at.isoformat(), "sha256": sha256, "username": username,
        "uploaded_as": name, "size_bytes": len(data), "via": "web",
    }, indent=2).encode("utf-8"))
    target = inbox / stored
    _write_atomically(target, data, mtime=received_at)
    return stored


def _write_atomically(target: Path, data: bytes, mtime: datetime | None = None) -> None:
    partial = target.with_name(f".{target.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if mtime is not None:
        # The receipt time is authoritative (the loader reads the receipt); the mtime agrees with it so
        # tools that sort by modification time see the same order.
        stamp = mtime.replace(tzinfo=timezone.utc).timestamp()
        os.utime(partial, (stamp, stamp))
    os.replace(partial, target)
