"""Which return a load or refresh is reading, kept beside the database, so that a file which kills the
process is not read again by every run that follows.

Python errors in a reader become findings, but a reader in native code can end the process instead:
calamine (XLSX) aborts when an allocation fails, and the OOM killer or `kill -9` leave no trace either.
The write session already survives that (etl/write_session.py); what it cannot tell is which file was
being read, and a monthly refresh that dies on the same file every month never loads anything again.

So before reading each new file the run writes `<db>.reading`: the file's SHA-256, its name, and how
many runs in a row have died while reading that same content; once the readers return it is emptied. A
run that ends, well or with an error, removes it; only a run that died while reading leaves a file named
in it. The next run reads it at the start. The file it names is read once more (the death may have had
another cause), with the count raised by one, and a warning says so; after `SET_ASIDE_AFTER` deaths in a
row on the same content the file is not read again but rejected with error E101, which says why, and
quarantined like any rejected file, so the rest of the inbox loads. A marker that cannot be read (the
process died while writing it) counts as none.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

# Runs in a row that died while reading the same content before it is set aside unread.
SET_ASIDE_AFTER = 2


@dataclass(frozen=True)
class Reading:
    sha256: str
    name: str
    deaths: int  # runs in a row that died while reading this content, before the one writing it


def marker_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".reading")


def _load(path: Path) -> Reading | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return Reading(str(found["sha256"]), str(found["name"]), int(found["deaths"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class ReadingMarker:
    """The marker of one run: what the run that died before it was reading, and this run's own."""

    def __init__(self, db_path: Path) -> None:
        self.path = marker_path(db_path)
        self.died_reading = _load(self.path)  # None: the last run ended (or there was none)
        self._fd: int | None = None

    def deaths(self, sha256: str) -> int:
        """Runs in a row that died while reading this content, the last one included."""
        last = self.died_reading
        return last.deaths + 1 if last is not None and last.sha256 == sha256 else 0

    def set_aside(self, sha256: str) -> bool:
        return self.deaths(sha256) >= SET_ASIDE_AFTER

    def reading(self, sha256: str, name: str) -> None:
        """Record that this content is about to be read (one small write on a descriptor kept open)."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        data = json.dumps({"sha256": sha256, "name": name, "deaths": self.deaths(sha256)}).encode("utf-8")
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def done(self) -> None:
        """The file's readers returned: the marker is emptied (an empty marker names no file), so a run
        killed later, while storing, is not taken for one that died reading."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)

    def close(self, finished: bool) -> None:
        """The run ends without dying. Its own marker goes (nothing is being read); the marker of the run
        that died before it goes too once this run has been through its files (`finished`), but stays
        when this run stopped before reading anything, for the next run to judge."""
        wrote = self._fd is not None
        if wrote:
            os.close(self._fd)
            self._fd = None
        if wrote or finished:
            self.path.unlink(missing_ok=True)
