"""The route guard: one `before_request` hook in front of every route, and the `after_request` headers.

Before each request:
1. requests that change anything (every method but GET/HEAD/OPTIONS) must come from this site: the
   browser's `Sec-Fetch-Site` (or, failing that, `Origin`/`Referer`) must be same-origin;
2. the session is checked (`sessions.resolve`) and `flask.g.viewer` is set for EVERY request (the
   public viewer when nobody is signed in), so `current_viewer()` is right in pages, callbacks and
   downloads alike;
3. nobody signed in and public access off: a page request is sent to the sign-in page, anything else
   (`/_dash-*` callbacks and layout, data routes) answers 401;
4. a Dash callback from a session must carry the session's CSRF token in `X-CSRF-Token` (added by
   `assets/05-csrf.js` from a cookie a cross-site page cannot read), and its envelope must be one the
   site's pages send (`dashboard/callback_envelope.py`: a 400 otherwise, never Dash's 500); what it
   asks for is audited when it is another authority's detail or a download.

After each request: `Cache-Control: no-store` on everything but static files (pages, callback replies
and downloads all carry data), 404 for an address that is no page, and the CSRF cookie.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import OrderedDict
from urllib.parse import quote, urlsplit

import dash
import flask

from dashboard import callback_envelope
from dashboard.auth import sessions
from dashboard.auth.config import AuthConfig
from dashboard.viewer import Viewer
from etl import audit

STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")
# The health probe is open so a load balancer can ask it; it says only "ok" or "unavailable".
OPEN_PATHS = frozenset({"/sign-in", "/sign-out", "/auth/oidc/login", "/auth/oidc/callback", "/_oversight/health"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CALLBACK_PATH = "/_dash-update-component"
CSRF_HEADER = "X-CSRF-Token"
AUTHORITY_INPUT_IDS = ("authority-code",)  # dashboard.ids.AUTHORITY_CODE: the authority a page shows
AUDIT_REPEAT_S = 60  # the same view by the same user within a minute is one event


def config() -> AuthConfig:
    return flask.current_app.extensions["oversight_auth"]


def actor(viewer: Viewer | None = None) -> audit.Actor:
    viewer = viewer or flask.g.get("viewer") or Viewer.public()
    return audit.Actor(viewer.user_id, viewer.role, viewer.authority_code, flask.request.remote_addr)


def same_origin() -> bool:
    """Whether a state-changing request came from this site (browsers say so; other clients carry no cookies of ours)."""
    site = flask.request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    source = flask.request.headers.get("Origin") or flask.request.headers.get("Referer")
    if not source or source == "null":
        return source is None
    return urlsplit(source).netloc == flask.request.host


WARM_UP = "oversight.warm_up"  # a WSGI environ key: set only by create_app's own request, never by a client


def warming_up() -> bool:
    """Whether this is create_app's own warm-up request (Dash builds its validation layout from the
    page layouts then, and sends it to every visitor: a page must hold no data in that layout)."""
    return flask.has_request_context() and flask.request.environ.get(WARM_UP) is True


def before_request() -> flask.Response | None:
    request = flask.request
    path = request.path
    cfg = config()
    if request.environ.get(WARM_UP) is True:
        # create_app's in-process warm-up (Dash builds its page router and validation layout on the
        # first request): a client cannot set a non-HTTP_ environ key, so this is never a visitor.
        flask.g.viewer = Viewer.national()
        flask.g.signed_in = False
        return None
    if request.method not in SAFE_METHODS and not same_origin():
        return _refuse(403, "This request did not come from this site, so it was refused.")
    resolved = sessions.resolve(cfg.idle_minutes * 60, cfg.max_session_hours * 3600)
    if resolved.ended:
        audit.record(cfg.store, audit.Actor(resolved.display_name, "public", None, request.remote_addr),
                     "session_expired", detail=resolved.ended)
        flask.g.session_ended = resolved.ended
    flask.g.viewer = resolved.viewer or Viewer.public()
    flask.g.signed_in = resolved.viewer is not None
    flask.g.display_name = resolved.display_name if resolved.viewer else None
    if path in OPEN_PATHS or path.startswith(STATIC_PREFIXES):
        return None
    if not flask.g.signed_in and not cfg.public_access:
        if request.method == "GET" and not path.startswith("/_"):
            target = path + (f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
            reason = "&ended=1" if resolved.ended else ""
            return flask.redirect(f"/sign-in?next={quote(target[:500], safe='/')}{reason}", code=303)
        return _refuse(401, "Sign in to use this service.")
    if request.method == "POST" and path == CALLBACK_PATH:
        if flask.g.signed_in or "csrf" in flask.session:
            sent, expected = request.headers.get(CSRF_HEADER, ""), str(flask.session.get("csrf", ""))
            if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
                return _refuse(403, "Your session's security token was missing or out of date: reload the page.")
        dash_app = flask.current_app.extensions["oversight_dash"]
        wrong = callback_envelope.problem(request.get_json(silent=True, cache=True), dash_app.callback_map,
                                          dash_app.config.requests_pathname_prefix)
        if wrong:
            return _refuse(400, f"This request is not one the site's pages send ({wrong}), so it was refused.")
        _audit_callback()
    return None


def after_request(response: flask.Response) -> flask.Response:
    request = flask.request
    path = request.path
    if not path.startswith(STATIC_PREFIXES) and response.cache_control.max_age is None:
        response.cache_control.no_store = True
        response.cache_control.private = True
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
    if (request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html"
            and flask.request.endpoint in _index_endpoints() and not is_page_path(path)):
        response.status_code = 404
    download = flask.g.get("audit_download")
    if download and response.status_code == 200:
        _record_once("download", download)
    token = flask.session.get("csrf")
    if isinstance(token, str) and request.cookies.get(sessions.CSRF_COOKIE) != token:
        app = flask.current_app
        response.set_cookie(
            sessions.CSRF_COOKIE, token, httponly=False, samesite="Strict", path="/",
            secure=app.session_interface.get_cookie_secure(app),
        )
    return response


def is_page_path(path: str) -> bool:
    """Whether `path` is a registered page (a trailing slash is allowed)."""
    here = path.rstrip("/") or "/"
    for page in dash.page_registry.values():
        if (page.get("path", "").rstrip("/") or "/") == here:
            return True
        template = page.get("path_template")
        if template and _matches_template(template, here):
            return True
    return False


def _matches_template(template: str, path: str) -> bool:
    parts, wanted = template.strip("/").split("/"), path.strip("/").split("/")
    return len(parts) == len(wanted) and all(p.startswith("<") or p == w for p, w in zip(parts, wanted))


def _index_endpoints() -> set[str]:
    """Flask endpoints that serve Dash's index page (the root and the catch-all)."""
    return {rule.endpoint for rule in flask.current_app.url_map.iter_rules()
            if rule.endpoint in ("/", "/<path:path>") or rule.rule in ("/", "/<path:path>")}


def _refuse(status: int, text: str) -> flask.Response:
    response = flask.Response(text, status=status, mimetype="text/plain")
    response.cache_control.no_store = True
    return response


# ---- auditing what a callback asks for ---------------------------------------------------------------

_recent: OrderedDict[tuple, float] = OrderedDict()
_recent_lock = threading.Lock()


def _audit_callback() -> None:
    body = flask.request.get_json(silent=True, cache=True)
    if not isinstance(body, dict):
        return
    viewer: Viewer = flask.g.viewer
    output = body.get("output")
    outputs = output if isinstance(output, str) else ""
    if any(part.split(".")[0].endswith("download") and part.endswith(".data")
           for part in outputs.replace("...", " ").split()):
        flask.g.audit_download = outputs[:200]
    for item in [*(body.get("inputs") or []), *(body.get("state") or [])]:
        if not isinstance(item, dict):
            continue
        if item.get("id") in AUTHORITY_INPUT_IDS and item.get("property") == "value":
            code = item.get("value")
            if isinstance(code, str) and code and code != viewer.authority_code and viewer.role != "public":
                _record_once("view_other_authority", code[:20])


def _record_once(event: str, target: str) -> None:
    viewer: Viewer = flask.g.viewer
    key = (viewer.user_id, flask.request.remote_addr, event, target)
    now = time.monotonic()
    with _recent_lock:
        last = _recent.get(key)
        if last is not None and now - last < AUDIT_REPEAT_S:
            return
        _recent[key] = now
        while len(_recent) > 4096:
            _recent.popitem(last=False)
    audit.record(config().store, actor(viewer), event, target=target,
                 detail=json.dumps({"path": flask.request.path})[:200])
