"""Test-only fault hook: make a real writer process die or fail at a named point.

    OVERSIGHT_FAULT_AT=rescore oversight refresh ...            # SIGKILL itself during rescoring
    OVERSIGHT_FAULT_AT=store:3 OVERSIGHT_FAULT_ACTION=enospc ...  # "No space left on device" after the 3rd file

Points (in the order a run reaches them): `copy` (live file copied, not yet renamed to `<db>.next`),
`read` (before each new file is validated, its name in `<db>.reading`: etl/reading_marker.py),
`store` (after each file stored; the loader commits files in batches, so a kill here
loses the files of the batch not yet committed), `rescore` (scores computed, not yet committed), `checkpoint`
(before the final checkpoint), `swap` (before `<db>.next` replaces `<db>`), `archive` (after each
inbox file is moved). `:N` fires on the Nth time the point is reached (default the first); several
points may be named, separated by commas (`store:3,rescore`).
Actions: `kill` (default: SIGKILL, what an OOM killer or `kill -9` does), `enospc` (raise OSError
ENOSPC, what a full disk does) or `stop` (SIGSTOP: the process holds still at that point until it is
sent SIGCONT, so a test can look at a run in the middle without racing it). Unset in production: the
hook then costs one environment lookup. The tests in tests/test_write_session_*.py and
tests/test_admin_page.py drive it; nothing else should set these variables.
"""

from __future__ import annotations

import errno
import os
import signal

_reached: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Do what OVERSIGHT_FAULT_AT / OVERSIGHT_FAULT_ACTION ask when this point is the one named."""
    wanted = os.environ.get("OVERSIGHT_FAULT_AT", "")
    if not wanted:
        return
    nths = [nth for point, _, nth in (spec.partition(":") for spec in wanted.split(",")) if point == name]
    if not nths:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] not in {int(nth) if nth else 1 for nth in nths}:
        return
    action = os.environ.get("OVERSIGHT_FAULT_ACTION", "kill")
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f"(fault injected at {wanted})")
    os.kill(os.getpid(), signal.SIGSTOP if action == "stop" else signal.SIGKILL)
