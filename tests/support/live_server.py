"""A real `oversight serve` in a subprocess and Debian's headless Chromium settings.

Test support, not part of the shipped `dashboard` package. Shared by the browser tests (tests/e2e, as
`support.live_server`: tests/ is on the test path), the disclosure crawler and the dashboard benchmark
(as `tests.support.live_server`, run from the project root), so all drive the same server and browser
the same way. Only 127.0.0.1 is ever used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Headless as root needs --no-sandbox; the rest stop Chromium calling out to a network it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OVERSIGHT = Path(sys.executable).parent / "oversight"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int, log: Path, env: dict | None = None) -> subprocess.Popen:
    """Start `oversight serve` on 127.0.0.1:port, its output going to log (`env` adds variables)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("w") as handle:
        return subprocess.Popen(
            [str(OVERSIGHT), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
        )


def wait_until_serving(url: str, process: subprocess.Popen, timeout_s: float = 60.0) -> None:
    """Poll the URL until it answers 200 (a condition, not a fixed sleep); fail if the server died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`oversight serve` exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # the port is not open yet; poll again
    raise RuntimeError(f"the dashboard did not answer on {url} within {timeout_s:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    """Ask the server to stop; kill it if it has not stopped within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def serving(db: Path, log: Path, ready_path: str = "/", env: dict | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `oversight serve` on a free port, ready (ready_path answers 200), stopped on exit."""
    port = free_port()
    process = start_server(db, port, log, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url + ready_path, process)
        yield url, process
    finally:
        stop_server(process)
