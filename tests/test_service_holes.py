"""Holes found by probing the running service and the CLI as a new user (issue 9, section 5), and the
refresh started from the site: each test fails on the behaviour that was found."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from returns_factory import AUTHORITY, return_bytes
from typer.testing import CliRunner

from etl import audit
from etl.cli import app as cli
from etl.db import sync_reference
from etl.errors import InvalidInputError
from etl.periods import parse_period
from etl.refresh_job import latest_job, start_refresh
from etl.service_store import store_path
from etl.write_session import write_session

ROOT = Path(__file__).resolve().parent.parent
OVERSIGHT = Path(sys.executable).parent / "oversight"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "oversight.duckdb"
    with write_session(path, "test") as con:
        sync_reference(con)
    return path


def test_a_huge_bad_period_is_not_echoed_back_whole():
    with pytest.raises(InvalidInputError) as raised:
        parse_period("2026-" + "9" * 1_000_000)
    assert len(str(raised.value)) < 200 and "YYYY-MM" in str(raised.value)


def test_serve_on_a_busy_port_fails_before_saying_it_is_serving(db):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([str(OVERSIGHT), "serve", "--db", str(db), "--port", str(port)],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Serving" not in result.stdout + result.stderr
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


def test_the_backup_rebuild_command_works_with_no_quarantined_xlsx(tmp_path):
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    command = re.search(r"\(`(find archive quarantine [^`]+)`", text).group(1)
    (tmp_path / "archive" / "2026-09").mkdir(parents=True)
    (tmp_path / "quarantine").mkdir()
    (tmp_path / "archive" / "2026-09" / "E06000001_2026-09.csv").write_bytes(return_bytes())
    env = {**os.environ, "PATH": f"{OVERSIGHT.parent}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "rebuilt.duckdb").exists()


def test_the_package_licence_is_an_spdx_expression():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"


def test_the_readme_lists_the_options_people_look_for():
    table = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in ("template [--out FILE]", "[--window month", "explain --authority CODE [--period YYYY-MM] [--window month\\|rolling12] [--db PATH]",
                   "score [--db PATH]", "users add"):
        assert option in table, option


def test_the_audit_is_exported_as_csv_by_the_cli(db, tmp_path):
    store = store_path(db)
    audit.record(store, audit.Actor("=cmd|' /C calc'!A0", "national", None, "10.0.0.1"), "sign_in")
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(cli, ["audit", "export", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("event_id,at,username") and "'=cmd" in lines[1]


def test_a_refresh_started_from_the_site_runs_the_cli_refresh_under_the_same_lock(db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "E06000001_2026-09.csv").write_bytes(return_bytes())
    store = store_path(db)
    job = start_refresh(db, inbox, store, "admin@example.gov.uk")
    deadline = time.monotonic() + 240
    while (current := latest_job(store, db)).running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert current.job_id == job.job_id and current.exit_code == 0, current.output()
    assert [f["status"] for f in current.summary()["files"]] == ["accepted"]
    assert not list(inbox.glob("*.csv"))  # filed away, as by `oversight refresh`

    from etl.load import write_lock

    (inbox / "E06000001_2026-08.csv").write_bytes(return_bytes(period="2026-08"))
    with write_lock(db):  # a refresh (or load) is already running
        second = start_refresh(db, inbox, store, "admin@example.gov.uk")
        deadline = time.monotonic() + 240
        while (current := latest_job(store, db)).running and time.monotonic() < deadline:
            time.sleep(0.2)
    assert current.job_id == second.job_id and current.exit_code == 2
    assert "another writer" in current.output() and "is writing" in current.output()
    assert (inbox / "E06000001_2026-08.csv").exists()
    shutil.rmtree(inbox)
    assert AUTHORITY == "E06000001"
