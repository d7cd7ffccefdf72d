"""The Administration page over HTTP (Flask's test client against the real app and a copy of the demo
database): who gets which layout, that each layout's ids are unique, and that nobody but a national
administrator receives admin data, in the page or in Dash's validation layout sent with every page."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from auth_helpers import signed_in_client
from test_load_files import return_csv, write_return

from etl.reading_marker import marker_path
from etl.refresh_job import latest_job, read_progress
from etl.service_store import store_path
from etl.users import DEMO_USERS

CALLBACK = "/_dash-update-component"
ADMIN_IDS = ("admin-refresh-button", "admin-refresh-message", "admin-refresh-status", "admin-refresh-poll",
             "admin-users-section", "admin-user-choice", "admin-user-disable", "admin-user-enable",
             "admin-user-message")


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("admin-page") / "oversight.duckdb"
    shutil.copyfile(demo_db, copy)
    return copy


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("admin-inbox") / "inbox"


@pytest.fixture(scope="module")
def app(db: Path, inbox: Path):
    from dashboard import database
    from dashboard.server import create_app

    inbox.mkdir()
    yield create_app(db, inbox=inbox)
    database.reset()


def page_layout(app, client, path: str) -> dict:
    """The page's layout as the browser gets it: Dash's pages router callback for `path`."""
    key = next(k for k in app.callback_map if "_pages_content.children" in k)
    body = {"output": key,
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    response = client.post(CALLBACK, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["_pages_content"]["children"]


def ids(tree: object) -> list[str]:
    """Every component id in a serialised Dash tree."""
    found: list[str] = []
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and "id" in props:
            found.append(json.dumps(props["id"], sort_keys=True) if not isinstance(props["id"], str) else props["id"])
        for value in (props or {}).values() if isinstance(props, dict) else tree.values():
            found += ids(value)
    elif isinstance(tree, list):
        for item in tree:
            found += ids(item)
    return found


def repeated(tree: object) -> list[str]:
    return [i for i, n in Counter(ids(tree)).items() if n > 1]


def validation_layout(client) -> dict:
    """Dash's validation layout, as every visitor's browser receives it in the page's config."""
    page = client.get("/").get_data(as_text=True)
    config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)
    assert config, "no Dash config in the page"
    return json.loads(config.group(1))["validation_layout"]


@pytest.mark.parametrize("role", ["council", "national"])
def test_a_user_who_is_not_an_administrator_gets_the_refusal_and_no_admin_control_or_data(app, role):
    client = signed_in_client(app, role)
    layout = page_layout(app, client, "/admin")
    text = json.dumps(layout)
    assert "This page is for national administrators." in text
    assert not set(ids(layout)) & set(ADMIN_IDS) and "admin-users" not in ids(layout)
    assert "admin-audit" not in ids(layout)
    for account in DEMO_USERS:  # the users list is admin data
        assert account.username not in text
    assert "sign_in" not in text and "audit.csv" not in text


def test_an_administrator_gets_every_control_once(app):
    client = signed_in_client(app, "national_admin")
    layout = page_layout(app, client, "/admin")
    assert Counter(i for i in ids(layout) if i in ADMIN_IDS) == Counter(ADMIN_IDS)
    assert repeated(layout) == []
    text = json.dumps(layout)
    assert "demo.council" in text and "audit.csv" in text


@pytest.mark.parametrize("role", ["council", "national", "national_admin"])
def test_ids_are_unique_in_every_layout_of_the_admin_page(app, role):
    assert repeated(page_layout(app, signed_in_client(app, role), "/admin")) == []


def test_the_validation_layout_sent_to_everyone_knows_the_admin_controls_but_holds_no_admin_data(app):
    layout = validation_layout(signed_in_client(app, "council"))
    found = Counter(ids(layout))
    assert all(found[i] == 1 for i in ADMIN_IDS), {i: found[i] for i in ADMIN_IDS}
    text = json.dumps(layout)
    assert "This page is for national administrators." not in text
    assert "admin-users" not in found and "admin-audit" not in found and "audit.csv" not in text
    for account in DEMO_USERS:
        assert account.username not in text


# ---- following a real refresh ----------------------------------------------------------------------------

def _callback(app, client, output: str, outputs: list[tuple[str, str]], trigger: tuple[str, str, object]) -> dict:
    key = next(k for k in app.callback_map if output in k)
    body = {"output": key, "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": trigger[0], "property": trigger[1], "value": trigger[2]}],
            "changedPropIds": [f"{trigger[0]}.{trigger[1]}"], "state": []}
    response = client.post(CALLBACK, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def poll(app, client) -> tuple[str, bool]:
    """The status the page shows (its text) and whether polling stops, as the page's interval asks."""
    reply = _callback(app, client, "admin-refresh-status.children",
                      [("admin-refresh-status", "children"), ("admin-refresh-poll", "disabled")],
                      ("admin-refresh-poll", "n_intervals", 1))
    return " ".join(_texts(reply["admin-refresh-status"]["children"])), reply["admin-refresh-poll"]["disabled"]


def _texts(tree: object) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, list):
        return [t for item in tree for t in _texts(item)]
    if isinstance(tree, dict):
        return _texts((tree.get("props") or {}).get("children"))
    return []


def wait_until_stopped(job) -> dict:
    """Wait until the refresh has stopped itself at a fault point (OVERSIGHT_FAULT_ACTION=stop, etl/faults.py)
    and return its last progress line; it holds still there, so what the page shows can be checked against a
    moment that cannot move. A run that ends instead fails the test with its output."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{job.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "gone"
        if state == "T":
            return read_progress(job.progress_path)
        if state in ("gone", "Z", "X"):
            raise AssertionError(f"the refresh ended before the stop point; its output:\n{job.output()}")
        time.sleep(0.05)
    raise AssertionError(f"the refresh never reached the stop point; its output:\n{job.output()}")


FILES = 30  # the refresh is one process, so stopping it stops the run


def test_an_administrator_follows_a_real_refresh_file_by_file(app, db, inbox, monkeypatch):
    codes = [f"E06{n:06d}" for n in range(1, FILES)]
    for n, code in enumerate(codes):
        write_return(inbox, f"r{n:02d}-{code}.csv", return_csv(code, "2026-10", 5 + n), datetime(2026, 11, 1, 9, n))
    bad = return_csv("E06000030", "2026-10", 5).replace("total,ALL,5", "total,ALL,-3")
    write_return(inbox, "r99-bad.csv", bad, datetime(2026, 11, 1, 10))
    # As a run that died while reading the first file would leave it (etl/reading_marker.py).
    first = sorted(inbox.iterdir())[0]
    marker_path(db).write_text(json.dumps({"sha256": hashlib.sha256(first.read_bytes()).hexdigest(),
                                           "name": first.name, "deaths": 0}), encoding="utf-8")
    # The refresh stops itself while storing its third file, then once all files are read and scored.
    monkeypatch.setenv("OVERSIGHT_FAULT_AT", "store:3,rescore")
    monkeypatch.setenv("OVERSIGHT_FAULT_ACTION", "stop")
    admin = signed_in_client(app, "national_admin")
    started = _callback(app, admin, "admin-refresh-message.children",
                        [("admin-refresh-message", "children"), ("admin-refresh-poll", "disabled")],
                        ("admin-refresh-button", "n_clicks", 1))
    job = latest_job(store_path(db), db)
    try:
        assert "Refresh started" in json.dumps(started) and job.running
        middle = wait_until_stopped(job)
        assert 2 <= middle["done"] < FILES - 1, middle
        text, stops = poll(app, admin)
        assert not stops and "Refresh running" in text
        counts = middle["counts"]
        doing = "reading" if middle["state"] == "reading" else "last stored"
        assert f"{middle['done']} of {FILES} files done; {doing} {middle['file']}." in text
        assert (f"So far: {counts['accepted']} accepted, {counts['queried']} queried, {counts['rejected']} rejected, "
                "0 unchanged.") in text
        assert sum(counts.values()) == middle["done"]
        os.kill(job.pid, signal.SIGCONT)
        last = wait_until_stopped(job)
        assert last["done"] == FILES, last
        text, stops = poll(app, admin)
        assert not stops and f"All {FILES} files read ({last['counts']['accepted']} accepted," in text
        assert "Now rescoring" in text
    finally:
        if job.pid and Path(f"/proc/{job.pid}").exists():
            os.kill(job.pid, signal.SIGCONT)
    deadline = time.monotonic() + 300
    while not stops and time.monotonic() < deadline:
        time.sleep(0.5)
        text, stops = poll(app, admin)
    assert stops and "Last refresh finished" in text, text
    final = read_progress(job.progress_path)["counts"]
    assert (f"{FILES} files; {final['accepted']} accepted, {final['queried']} queried, {final['rejected']} rejected, "
            "0 unchanged.") in text
    assert sum(final.values()) == FILES and final["rejected"] >= 1  # r99-bad.csv at least
    assert f"Note: The run before this one stopped while reading {first.name}" in text and "read again" in text
    assert not marker_path(db).exists()
