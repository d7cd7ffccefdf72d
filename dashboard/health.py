"""The service-unavailable page: what the dashboard answers while its database cannot be served.

`install(server)` adds a `before_request` hook: while `database.health()` says the file is missing,
damaged, incomplete or of an unknown schema, every page and callback request gets HTTP 503 with
`Retry-After` and a short page saying what is wrong in plain English (details go to the server log,
never to the browser), instead of a crash at start-up or a 500 in half the callbacks. Static files and
Dash's own scripts are still served. The hook asks `database.health()` on every request, which checks a
changed file once: when a good file is swapped in the next request is served normally, with no restart.
`/_oversight/health` answers 200 or 503 with JSON, for a load balancer or a monitoring probe.
"""

from __future__ import annotations

import html

import flask

from dashboard import database

HEALTH_ROUTE = "/_oversight/health"
RETRY_AFTER_S = 60
# Requests that never read the database: assets, Dash's scripts and its callback graph.
_STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_dash-dependencies", "/_favicon", "/_reload-hash")


def install(server: flask.Flask) -> None:
    """Guard every database-backed request and add the health probe."""
    # First in line (install it after the sign-in guard): with no usable database nothing else, sign-in
    # included, can work, and the page says only that the service is unavailable.
    server.before_request_funcs.setdefault(None, []).insert(0, _guard)
    server.add_url_rule(HEALTH_ROUTE, "oversight_health", _probe)


def _guard() -> flask.Response | None:
    path = flask.request.path
    if path == HEALTH_ROUTE or path.startswith(_STATIC_PREFIXES):
        return None
    state = database.health()
    if state.ok:
        return None
    if path.startswith("/_dash-") or flask.request.method != "GET":
        # A callback from a page opened before the failure: a short answer, not a whole page.
        response = flask.Response(f"Service unavailable: {state.reason}.", status=503, mimetype="text/plain")
    else:
        response = flask.Response(unavailable_page(state.reason), status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def _probe() -> flask.Response:
    state = database.health()
    response = flask.jsonify({"status": "ok" if state.ok else "unavailable", "reason": state.reason or None})
    response.status_code = 200 if state.ok else 503
    response.headers["Cache-Control"] = "no-store"
    if not state.ok:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def unavailable_page(reason: str) -> str:
    """A complete, self-contained HTML page (no script; the GOV.UK-style stylesheet from assets/)."""
    from dashboard.layout import SERVICE_NAME

    name = html.escape(SERVICE_NAME)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sorry, the service is unavailable – {name}</title>
<link rel="stylesheet" href="/assets/10-govuk-theme.css">
</head>
<body>
<header><p><strong>{name}</strong></p></header>
<main id="main-content">
<h1>Sorry, the service is unavailable</h1>
<p>The dashboard cannot read its data just now: {html.escape(reason)}.</p>
<p>Nothing you have done caused this. The service comes back by itself as soon as the data team puts
a good copy of the data in place. Try again in a few minutes.</p>
<p>If you run this service: the server log says which file failed and why; docs/operations.md
("The dashboard says the service is unavailable") says what to do.</p>
</main>
</body>
</html>
"""
