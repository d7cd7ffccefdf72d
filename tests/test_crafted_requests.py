"""Requests from a client the site never sees: crafted values in every input and state of every server
callback, crafted path parts and query strings on every address and page, as each role, never make the
server fail.

The callbacks are read from the running app's own `/_dash-dependencies` (so a callback added later is
covered without touching this file) and posted to `/_dash-update-component` through the real Flask
app, signed in through the real form, with the session's CSRF token, as a script would post them.
Every answer must be a deliberate one (200 with JSON, 204 no update, 4xx refused), never a 500 or a
traceback. Envelopes no page sends (a list for a body, an unknown output, inputs of other components, an
address Dash's router cannot read) are refused with a 400 before Dash sees them
(dashboard/callback_envelope.py). What each viewer may see is the disclosure crawler's business
(tests/test_disclosure_crawler.py). Addresses are read from the Flask URL map and pages from Dash's page
registry, so new ones are covered too.
"""

from __future__ import annotations

import inspect
import json
import urllib.parse
from pathlib import Path

import pytest

from auth_helpers import signed_in_client

# Values a crafted client might send in any slot: nothing, wrong types, extremes, injections, paths,
# markup, formulas, an upload-shaped dict with a damaged body, and another authority's code.
CRAFTED = [
    None, 0, -1, 7, 1e308, -1e20, 10**30, True, "", "x" * 5_000, "'; drop table flag; --", "<script>alert(1)</script>",
    "../../../etc/passwd", '=HYPERLINK("http://example.invalid")', "2026-13", "\x00", [], ["composite", None],
    {"a": 1}, {"contents": "data:text/csv;base64,!!!not base64", "filename": "../../x.csv"}, "E09000001",
    ["E09000001", "E08000025"],
]
ROLES = ("national_admin", "national", "council")


@pytest.fixture(scope="module")
def app(small_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from dashboard.server import create_app

    return create_app(small_db, inbox=tmp_path_factory.mktemp("fuzz-inbox"))


def _dependencies(client) -> list[dict]:
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    return [c for c in response.get_json() if not c.get("clientside_function")]


def _outputs(spec: str) -> list[dict] | dict:
    """'..a.children...b.figure..' -> a list of {id, property}; 'a.children' -> one."""
    def one(part: str) -> dict:
        ident, _, prop = part.rpartition(".")
        return {"id": ident, "property": prop}
    if spec.startswith(".."):
        return [one(part) for part in spec.strip(".").split("...")]
    return one(spec)


def _body(callback: dict, values: list) -> dict:
    inputs, state = callback["inputs"], callback["state"]
    slots = [{"id": s["id"], "property": s["property"], "value": v} for s, v in zip(inputs + state, values)]
    return {"output": callback["output"], "outputs": _outputs(callback["output"]),
            "inputs": slots[:len(inputs)], "state": slots[len(inputs):],
            "changedPropIds": [f"{s['id']}.{s['property']}" for s in inputs]}


def _post(client, body: dict) -> tuple[int, str]:
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_callback_answers_crafted_values_in_every_slot_without_failing(app, role):
    client = signed_in_client(app, role)
    callbacks = _dependencies(client)
    assert len(callbacks) >= 10, "the app's callbacks were not found"
    failures: list[str] = []
    for callback in callbacks:
        width = len(callback["inputs"]) + len(callback["state"])
        cases = [[bad] * width for bad in CRAFTED]  # every slot at once
        cases += [[bad if i == slot else None for i in range(width)] for slot in range(width) for bad in CRAFTED]
        for values in cases:
            status, text = _post(client, _body(callback, values))
            if status >= 500 or "Traceback" in text:
                failures.append(f"{callback['output']} <- {values!r:.200}: {status} {text[:200]!r}")
            elif status == 200:
                json.loads(text)  # a reply the page can read
    assert not failures, f"{len(failures)} crafted posts failed, e.g.:\n" + "\n".join(failures[:15])



def _shell_nav(**changes) -> dict:
    body = {"output": "shell-nav.children", "outputs": {"id": "shell-nav", "property": "children"},
            "inputs": [{"id": "shell-location", "property": "pathname", "value": "/"}], "state": [],
            "changedPropIds": ["shell-location.pathname"]}
    return {**body, **changes}


PAGES = ".._pages_content.children..._pages_store.data.."


def _router(pathname: object, search: object = "") -> dict:
    return {"output": PAGES, "outputs": [{"id": "_pages_content", "property": "children"},
                                         {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}


@pytest.mark.parametrize(("body", "why"), [
    ([], "not a JSON object"),
    ("a string", "not a JSON object"),
    ({}, "names no callback"),
    (_shell_nav(output="no-such-section.children"), "names no callback"),
    (_shell_nav(outputs={"id": "overview-tiles", "property": "children"}), "outputs do not match"),
    (_shell_nav(outputs=[]), "outputs do not match"),
    (_shell_nav(inputs="shell-location"), "inputs do not match"),
    (_shell_nav(inputs=[]), "inputs do not match"),
    (_shell_nav(inputs=[{"id": "authority-code", "property": "value", "value": "E09000001"}]), "inputs do not match"),
    (_shell_nav(state=None), "state do not match"),
    (_shell_nav(changedPropIds=None), "changed properties"),
    (_router(7), "page address"),
    (_router(""), "page address"),  # Dash's router raises on a path outside its prefix
    (_router("/", ["?x"]), "page address"),
])
def test_a_callback_envelope_no_page_sends_is_refused_with_400_saying_why(app, body, why):
    client = signed_in_client(app, "national")
    data = json.dumps(body) if not isinstance(body, str) else body
    response = client.post("/_dash-update-component", data=data, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert why in response.get_data(as_text=True)


def test_the_envelopes_the_pages_send_still_reach_their_callbacks(app):
    client = signed_in_client(app, "national")
    for body in (_shell_nav(), _router("/"), _router("/authority", "?code=E09000001")):
        response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.get_json()["response"]


PATH_PARTS = ["x", "..%2f..%2fetc%2fpasswd", "%00", "a" * 3_000, "<b>", "E09000001.csv", "x.xlsx", "%ff%fe",
              "dash/nope.js", "dash/../../etc/passwd"]
QUERIES = ["", "?from=2026-13-45", "?to=x&from=y", "?days=-1", "?limit=99999999999999999999", "?format=%00",
           "?q=" + "a" * 5_000]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_address_answers_crafted_path_parts_and_queries_without_failing(app, role):
    client = signed_in_client(app, role) if role else app.server.test_client()
    rules = sorted({rule.rule for rule in app.server.url_map.iter_rules()})
    failures = []
    for rule in rules:
        paths = [rule.split("<")[0] + part for part in PATH_PARTS] if "<" in rule else [rule]
        for path in paths:
            for query in QUERIES:
                response = client.get(path + query)
                if response.status_code >= 500:
                    failures.append(f"{path[:80]}{query[:30]}: {response.status_code}")
    assert not failures, f"{len(failures)} addresses failed, e.g.:\n" + "\n".join(failures[:15])


PAGE_VALUES = ["", "x" * 3_000, "<script>alert(1)</script>", "'; drop table flag; --", "9999-99", "E09000001",
               "-1", "1e308", "\u0000", "../..", "NaN", "[]"]


@pytest.mark.parametrize("role", ["national_admin", "council"])
def test_every_page_answers_crafted_query_strings_without_failing(app, role):
    import dash

    client = signed_in_client(app, role)
    failures = []
    for page in dash.page_registry.values():
        layout = page["layout"]
        names = [n for n in inspect.signature(layout).parameters if n != "kwargs"] if callable(layout) else []
        for name in [*names, "unknown"]:
            for value in PAGE_VALUES:
                for query in (urllib.parse.urlencode({name: value}), f"{name}={urllib.parse.quote(value)}&{name}=x"):
                    # the page's HTML, then its layout as Dash's router asks for it
                    status = client.get(f"{page['path']}?{query}").status_code
                    routed = _post(client, _router(page["path"], "?" + query))[0]
                    if status >= 500 or routed >= 500:
                        failures.append(f"{page['path']}?{query[:60]}: {status}, layout {routed}")
    assert not failures, f"{len(failures)} page addresses failed, e.g.:\n" + "\n".join(failures[:15])
