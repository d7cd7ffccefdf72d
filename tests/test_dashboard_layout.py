"""The page shell: the navigation marks the page being shown with aria-current="page"."""

from __future__ import annotations


import pytest
from dash import dcc, html

from dashboard import ids, layout


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """An app over an empty (migrated, reference only) database: the shell needs no returns."""
    from dashboard import database
    from dashboard.server import create_app
    from etl.db import connect, migrate, sync_reference

    path = tmp_path_factory.mktemp("layout") / "empty.duckdb"
    con = connect(path)
    migrate(con)
    sync_reference(con)
    from etl.users import add_user

    add_user(con, "layout.tester", "a long enough password", "national")  # the site needs a sign-in
    con.close()
    yield create_app(path)
    database.reset()


def _links(nav: html.Ul) -> list:
    return [item.children for item in nav.children]


def _current(nav: html.Ul) -> list[str]:
    return [link.children for link in _links(nav) if getattr(link, "aria-current", None) == "page"]


@pytest.mark.parametrize(
    ("pathname", "expected"),
    [
        ("/", ["National overview"]),
        ("/regional", ["Regional variation"]),
        ("/returns/", ["Returns"]),
        ("/authority/report", ["Authority benchmark"]),
        ("/accessibility", []),  # not in the navigation (it is in the footer)
        ("/no-such-page", []),
        (None, []),
    ],
)
def test_navigation_marks_only_the_page_shown_as_current(app, pathname, expected):
    assert _current(layout.mark_current_page(pathname)) == expected


def test_the_other_navigation_links_stay_in_app_links(app):
    links = _links(layout.mark_current_page("/regional"))
    others = [link for link in links if link.children != "Regional variation"]
    assert others and all(isinstance(link, dcc.Link) for link in others)
    assert len(links) == len(layout.nav_pages())


def test_the_navigation_follows_the_address_through_a_callback(app):
    shell = layout.shell()
    locations = [child for child in shell.children if isinstance(child, dcc.Location)]
    assert [location.id for location in locations] == [ids.SHELL_LOCATION]
    wiring = [
        (entry["output"], entry["inputs"]) for entry in app._callback_list if entry["output"] == f"{ids.SHELL_NAV}.children"
    ]
    assert wiring == [(f"{ids.SHELL_NAV}.children", [{"id": ids.SHELL_LOCATION, "property": "pathname"}])]


def test_the_current_page_is_announced_in_the_served_html(app):
    from auth_helpers import signed_in_client

    response = signed_in_client(app, username="layout.tester", password="a long enough password").post(
        "/_dash-update-component",
        json={
            "output": f"{ids.SHELL_NAV}.children",
            "outputs": {"id": ids.SHELL_NAV, "property": "children"},
            "inputs": [{"id": ids.SHELL_LOCATION, "property": "pathname", "value": "/returns"}],
            "changedPropIds": [f"{ids.SHELL_LOCATION}.pathname"],
            "state": [],
        },
    )
    assert response.status_code == 200
    items = response.get_json()["response"][ids.SHELL_NAV]["children"]["props"]["children"]
    links = [item["props"]["children"] for item in items]
    current = [link["props"]["children"] for link in links if link["props"].get("aria-current") == "page"]
    assert current == ["Returns"]


def test_the_etl_cli_does_not_import_the_dashboard_until_serve_runs():
    import subprocess
    import sys

    code = "import sys, etl.cli; print(any(m == 'dashboard' or m.startswith('dashboard.') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_test_support_is_not_shipped_in_the_dashboard_package():
    import importlib.util

    assert importlib.util.find_spec("dashboard.live_server") is None
