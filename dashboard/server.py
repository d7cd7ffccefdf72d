"""The app factory (`create_app`), the development server (`serve`) and the security settings.

`create_app(db_path)` builds a multi-page Dash app: every module under `dashboard/pages/` that calls
`dash.register_page` becomes a page (a new page needs no change here). The database is opened
read-only by `dashboard.database` and reopened when the ETL swaps in a new file.

Security choices, and why:
- never `debug=True`: the Werkzeug debugger would run code sent from a browser;
- a strict Content-Security-Policy (flask-talisman): scripts only from this server or the hashed
  inline scripts Dash itself writes (`app.csp_hashes()`), no third-party origins at all; every
  stylesheet and script is in `assets/` or served by Dash, so the app also works with no internet;
- requests over `MAX_CONTENT_LENGTH` are refused before any callback runs (the upload page);
- `style-src 'unsafe-inline'` is needed: React and plotly.js set inline styles on elements.
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import dash
import flask
from flask_talisman import Talisman
from werkzeug.serving import WSGIRequestHandler, make_server

from dashboard import auth, database, downloads, health
from dashboard.layout import SERVICE_NAME, register_callbacks, shell
from dashboard.queries import geometry
from dashboard.upload import request_limit_bytes
from etl.errors import ConfigError, OversightError
from etl.periods import parse_period
from etl.settings import PROJECT_ROOT

ASSETS_DIR = PROJECT_ROOT / "assets"


def content_security_policy(script_hashes: list[str]) -> dict[str, str | list[str]]:
    """The CSP: this origin only; inline scripts only when hashed."""
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "worker-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


TOPOJSON_ROUTE = "/_oversight/topojson/"
# plotly.js fetches a world base map for every `geo` subplot, even with the base layers hidden
# (`geo.visible=False`), from its CDN unless told otherwise. The map draws only our own GeoJSON, so we
# serve an empty topology of the layers it asks for: no third-party request, nothing drawn.
_EMPTY_LAYERS = ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")
EMPTY_TOPOLOGY = {
    "type": "Topology",
    "objects": {layer: {"type": "GeometryCollection", "geometries": []} for layer in _EMPTY_LAYERS},
    "arcs": [],
}


def _serve_empty_topology(name: str) -> flask.Response:
    if not name.endswith(".json") or "/" in name:
        flask.abort(404)
    response = flask.jsonify(EMPTY_TOPOLOGY)
    response.cache_control.max_age = 86400
    return response


def _serve_boundaries(name: str) -> flask.Response:
    """The map's boundaries for one month: fetched once by the browser, not resent in every callback."""
    month = geometry.period_of_url_name(name)
    if month is None:
        flask.abort(404)
    try:
        period = parse_period(month)
    except OversightError:
        flask.abort(404)
    response = flask.Response(geometry.boundaries_json(period), mimetype="application/geo+json")
    response.cache_control.max_age = 3600
    return response


def _unknown_component_file(_error: dash.exceptions.DependencyException) -> flask.Response:
    """A component-suite address no registered package serves ('/_dash-component-suites/x/../y'): Dash
    raises, which would be a 500 with a traceback per request; it is simply not found."""
    response = flask.Response("Not found.", status=404, mimetype="text/plain")
    response.cache_control.no_store = True
    return response


def create_app(db_path: Path | str, inbox: Path | str | None = None) -> dash.Dash:
    """A Dash app serving the database at `db_path` (read-only); raises DatabaseError if it cannot."""
    database.configure(db_path)
    app = dash.Dash(
        # The package name (not __name__) so page modules import as `dashboard.pages.<name>`, the same
        # modules tests and benchmarks import, instead of a second copy under `pages.<name>`.
        "dashboard",
        use_pages=True,
        pages_folder="pages",
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,  # never a CDN: the app must work offline and under a strict CSP
        external_stylesheets=[],
        title=SERVICE_NAME,
        update_title=None,  # a flickering "Updating..." title is noise for screen-reader users
        suppress_callback_exceptions=False,
        include_pages_meta=False,  # twitter/og tags would leak page addresses to link previews
    )
    app.layout = shell
    register_callbacks(app)
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = request_limit_bytes()
    server.add_url_rule(TOPOJSON_ROUTE + "<name>", "empty_topology", _serve_empty_topology)
    server.add_url_rule(geometry.URL_PREFIX + "<name>", "boundaries", _serve_boundaries)
    server.add_url_rule(downloads.ROUTE + "<filename>", "chart_download", downloads.serve)  # audited downloads
    server.register_error_handler(dash.exceptions.DependencyException, _unknown_component_file)
    talisman = Talisman(
        server,
        content_security_policy=content_security_policy([]),
        force_https=False,  # TLS ends at the reverse proxy in production (docs/dashboard.md)
        strict_transport_security=False,
        session_cookie_secure=False,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    # Every request goes through the sign-in guard (dashboard/auth, docs/security.md).
    auth.install(app, database.db_path(), inbox=inbox)
    health.install(server)  # a service-unavailable page while the database cannot be served (runs first)
    # Dash's pages router registers one more inline script (the page-title callback) on the first
    # request. Make that request now, so `csp_hashes()` covers every inline script there is; Talisman
    # reads its policy on each response, so setting it afterwards applies to every request served.
    server.test_client().get("/_dash-dependencies", environ_base={auth.guard.WARM_UP: True})
    talisman.content_security_policy = content_security_policy(list(app.csp_hashes()))
    return app


class _RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its `Server: Werkzeug/x Python/y` banner (no versions for an attacker)."""

    server_version = "oversight"
    sys_version = ""


def serve(db_path: Path | str, host: str = "127.0.0.1", port: int = 8050, inbox: Path | str | None = None) -> None:
    """Run the app on Werkzeug's threaded server (for one user or a demo; production: gunicorn).

    The port is bound before anything is printed, so a busy port fails with a clear error instead of
    announcing an address it cannot serve.
    """
    app = create_app(db_path, inbox=inbox)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        httpd = make_server(host, port, app.server, threaded=True, request_handler=_RequestHandler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use: stop the other server or pass --port") from None
        raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    except SystemExit:  # werkzeug exits (after logging) when the port is taken
        raise ConfigError(f"port {port} on {host} is already in use: stop the other server or pass --port") from None
    print(f"Serving {database.db_path()} on http://{host}:{port}/ (read-only; Ctrl+C stops)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
