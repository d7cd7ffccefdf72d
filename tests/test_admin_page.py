"""The Administration page over HTTP (Flask's test client against the real app and a copy of the demo
database): who gets which layout, that each layout's ids are unique, and that nobody but a national
administrator receives admin data, in the page or in Dash's validation layout sent with every page."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from auth_helpers import signed_in_client

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
def app(db: Path):
    from dashboard import database
    from dashboard.server import create_app

    yield create_app(db)
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
