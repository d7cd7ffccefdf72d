"""The dashboard on a damaged database: the file is checked when opened (readable in full, every table,
schema version, meta), a service-unavailable page (503, Retry-After) replaces crashes and 500s, and
the dashboard recovers by itself when a good file is swapped in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dashboard import database
from support.live_server import free_port, start_server
from etl.load import refresh
from test_load_files import return_csv, write_return
from write_session_helpers import opens_but_unreadable


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("health")
    for code in ("E06000001", "E06000002", "E06000003"):
        write_return(root / "inbox", f"{code}_2026-09.csv", return_csv(code, "2026-09", 6))
    refresh(root / "inbox", root / "good.duckdb")
    return root / "good.duckdb"


def _edit(path: Path, sql: str) -> None:
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()


def damaged(kind: str, good: Path, path: Path) -> Path:
    """A copy of the good database damaged one way (the ways issue 7 found, and a few more)."""
    shutil.copyfile(good, path)
    if kind == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "unreadable block":
        path.write_bytes(opens_but_unreadable(path, good.read_bytes()))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "missing table":
        _edit(path, "drop table flag")
    elif kind == "missing meta":
        _edit(path, "drop table meta")
    elif kind == "newer schema":
        _edit(path, "insert into schema_migrations values (999, 'from_the_future', now())")
    elif kind == "not a database":
        path.write_bytes(b"SQLite format 3\0" + bytes(4096))
    return path


KINDS = {
    "truncated": "damaged",
    "unreadable block": "damaged",
    "empty": "empty",
    "missing table": "incomplete",
    "missing meta": "incomplete",
    "newer schema": "different version",
    "not a database": "damaged",
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_file_is_refused_with_a_plain_reason_and_a_good_one_recovers(
    good_db: Path, tmp_path: Path, kind: str
) -> None:
    path = damaged(kind, good_db, tmp_path / "live.duckdb")
    try:
        database.configure(path)  # starts: no exception, no crash
        state = database.health()
        assert not state.ok and KINDS[kind] in state.reason
        with pytest.raises(database.DatabaseUnavailableError):
            database.connection()
        shutil.copyfile(good_db, tmp_path / "good.next")
        os.replace(tmp_path / "good.next", path)  # what a refresh does
        assert database.health().ok
        assert database.connection().execute("select count(*) from submission").fetchone()[0] == 3
    finally:
        database.reset()


def test_a_file_that_disappears_is_reported_not_crashed_on(good_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "live.duckdb"
    shutil.copyfile(good_db, path)
    try:
        database.configure(path)
        assert database.health().ok
        path.unlink()
        assert database.health().reason == "there is no database file"
    finally:
        database.reset()


def _get(url: str, data: bytes | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _wait_for_status(url: str, status: int, timeout_s: float = 30.0) -> tuple[int, dict, str]:
    deadline = time.monotonic() + timeout_s
    answer = _get(url)
    while answer[0] != status and time.monotonic() < deadline:
        time.sleep(0.2)  # the server checks a changed file on the next request; poll for the condition
        answer = _get(url)
    return answer


@pytest.fixture
def server(tmp_path: Path):
    started: list[subprocess.Popen] = []

    def start(db: Path) -> str:
        port = free_port()
        process = start_server(db, port, tmp_path / f"serve-{port}.log")
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / f"serve-{port}.log").read_text()
            try:
                _get(url + "/_oversight/health")
                return url
            except OSError:
                time.sleep(0.2)
        pytest.fail("the dashboard did not start")

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_running_server_shows_service_unavailable_on_a_damaged_file_and_recovers(
    good_db: Path, tmp_path: Path, server
) -> None:
    live = tmp_path / "live.duckdb"
    shutil.copyfile(good_db, live)
    url = server(live)
    assert _wait_for_status(url + "/", 200, 60)[0] == 200  # the good file is served
    assert _get(url + "/sign-in")[0] == 200  # served (pages need sign-in; the sign-in page does not)

    os.replace(damaged("truncated", good_db, tmp_path / "bad.next"), live)
    status, headers, body = _wait_for_status(url + "/", 503)
    assert status == 503 and headers.get("Retry-After") == "60"
    assert "Sorry, the service is unavailable" in body and "damaged" in body
    assert str(live) not in body, "paths and errors go to the log, not to the browser"
    assert _get(url + "/_dash-layout")[0] == 503
    callback = json.dumps({"output": "x.children", "outputs": {"id": "x", "property": "children"},
                           "inputs": [], "changedPropIds": []}).encode()
    assert _get(url + "/_dash-update-component", callback)[0] == 503
    probe = _get(url + "/_oversight/health")
    assert probe[0] == 503 and json.loads(probe[2])["status"] == "unavailable"

    shutil.copyfile(good_db, tmp_path / "good.next")
    os.replace(tmp_path / "good.next", live)
    assert _wait_for_status(url + "/", 200)[0] == 200, "recovers with no restart"
    assert _get(url + "/sign-in")[0] == 200  # served (pages need sign-in; the sign-in page does not)
    assert json.loads(_get(url + "/_oversight/health")[2])["status"] == "ok"


@pytest.mark.parametrize("kind", ["missing meta", "empty"])
def test_a_server_started_on_a_damaged_file_serves_the_unavailable_page_then_recovers(
    good_db: Path, tmp_path: Path, server, kind: str
) -> None:
    live = damaged(kind, good_db, tmp_path / "live.duckdb")
    url = server(live)
    status, _, body = _get(url + "/")
    assert status == 503 and "Sorry, the service is unavailable" in body
    shutil.copyfile(good_db, tmp_path / "good.next")
    os.replace(tmp_path / "good.next", live)
    assert _wait_for_status(url + "/", 200)[0] == 200
