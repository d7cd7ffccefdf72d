"""A crafted workbook sent to the running service's Check a return upload cannot exhaust its memory,
nor abort the server process.

The sheet of a real return workbook is replaced by one that declares 1,000 bytes but inflates to
314 MB, and the file is posted to the Check a return callback of a real `oversight serve` process, as
a script would post it (skipping the browser's own size check). The server must answer with a
rejection within 2 s, in a small reply, while its resident memory grows by less than 200 MB. Memory is
read from /proc for the server process: its peak (VmHWM, reset before the request) and samples taken
every few milliseconds while the request runs. A workbook with one value in cell XFD1048576 (which
Excel opens, and calamine would hold as a 550 GB rectangle, aborting the process) is rejected while the
same server goes on answering.
"""

from __future__ import annotations

import base64
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crafted_xlsx import understated_xlsx, value_at
from dashboard import ids
from support.live_server import serving
from support.site_client import SiteClient
from returns_fixtures import build_returns_db
from etl.users import add_user
from etl.write_session import write_session

OFFICER = ("bomb.officer", "a-long-test-passphrase-2026")

pytestmark = pytest.mark.e2e

INFLATED_BYTES = 314_000_000
MAX_SECONDS = 2.0
MAX_GROWTH_BYTES = 200_000_000


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"/proc/{pid}/status has no {field}")


class RssSampler:
    """The largest resident set seen for a process while sampling runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _status_kb(self.pid, "VmRSS"))
            self._stop.wait(0.005)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _status_kb(self.pid, "VmRSS"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `oversight serve` process of its own, so its memory is this test's alone."""
    folder = tmp_path_factory.mktemp("bomb-server")
    db = build_returns_db(folder / "returns.duckdb")
    with write_session(db, "users") as con:  # the upload is a signed-in council officer's
        add_user(con, *OFFICER, "council", authority_code="E06000001")
    with serving(db, folder / "serve.log", ready_path="/sign-in") as (url, process):
        client = SiteClient(url)
        client.sign_in(*OFFICER)
        yield client, process


def _post_upload(client: SiteClient, data: bytes, name: str) -> tuple[int, bytes]:
    """Post an upload to the Check a return callback as the page does once the browser has read the file."""
    upload = {"contents": "data:application/octet-stream;base64," + base64.b64encode(data).decode(), "filename": name}
    body = {
        "output": f"{ids.CHECK_RESULT}.children",
        "outputs": {"id": ids.CHECK_RESULT, "property": "children"},
        "inputs": [{"id": ids.CHECK_UPLOAD_STORE, "property": "data", "value": upload}],
        "changedPropIds": [f"{ids.CHECK_UPLOAD_STORE}.data"],
        "state": [],
    }
    status, text = client.callback(body)
    return status, text.encode()


def test_a_sheet_declaring_1000_bytes_that_inflates_to_314_mb_is_rejected_fast_without_the_memory(served):
    client, process = served
    data = understated_xlsx(INFLATED_BYTES, declared_bytes=1_000)
    assert len(data) < 2_000_000  # small enough to pass the upload's size limit
    # Warm the callback path with an honest return first, so imports are not counted as growth.
    status, _ = _post_upload(client, understated_xlsx(10, declared_bytes=None), "warm.xlsx")
    assert status == 200

    try:  # reset the peak resident set of the server process (Linux >= 4.0); sampling covers the rest
        Path(f"/proc/{process.pid}/clear_refs").write_text("5")
        peak_reset = True
    except OSError:
        peak_reset = False
    before = _status_kb(process.pid, "VmRSS")
    started = time.monotonic()
    with RssSampler(process.pid) as sampler:
        status, reply = _post_upload(client, data, "E06000001_2026-09.xlsx")
    elapsed = time.monotonic() - started
    peak = max(sampler.peak, _status_kb(process.pid, "VmHWM") if peak_reset else 0)

    measured = f"{elapsed:.2f} s, server memory +{(peak - before) / 1e6:.0f} MB, reply {len(reply):,} bytes"
    print(f"false-size XLSX ({INFLATED_BYTES:,} bytes inflated): {measured}")
    assert status == 200, measured
    assert elapsed < MAX_SECONDS, measured
    assert peak - before < MAX_GROWTH_BYTES, measured
    assert len(reply) < 100_000, measured
    text = reply.decode()
    assert "Rejected" in text and "E101" in text and "expands to more than the 1,000 bytes it declares" in text
    assert process.poll() is None  # still serving


def test_a_value_in_cell_xfd1048576_is_rejected_naming_the_cell_and_the_server_keeps_serving(served):
    client, process = served
    status, reply = _post_upload(client, value_at("XFD1048576", 1_048_576), "E06000001_2026-09.xlsx")
    assert status == 200, reply[:500]
    text = reply.decode()
    assert "Rejected" in text and "E101" in text and "XFD1048576" in text
    assert process.poll() is None  # the process was not aborted
    status, _ = _post_upload(client, understated_xlsx(10, declared_bytes=None), "after.xlsx")
    assert status == 200  # and still answers
