"""Sign-in, sign-out, OpenID Connect and the audit export: plain Flask routes (a blueprint).

Messages never say whether an account exists: a wrong user name, a wrong password, a disabled
account and a rate-limited attempt all get the same words, and an unknown user name still costs one
argon2 verification, so the answer's timing does not tell either.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

import flask

from dashboard import database
from dashboard.auth import oidc, ratelimit, sessions, signin_page
from dashboard.auth.guard import actor, config
from etl import audit
from etl.errors import InvalidInputError
from etl.users import DEMO_USERS, normalise_username, verify_password

blueprint = flask.Blueprint("oversight_auth", __name__)

SIGN_IN_FAILED = (
    "The user name or password is not right, or this account cannot sign in just now. Check them and "
    "try again; after several failed attempts, wait 15 minutes."
)
ENDED_NOTICE = "You have been signed out (your session ended). Sign in again to carry on."


def safe_next(value: object) -> str:
    """A local path to return to after sign-in: never another site (no scheme, host or `//`)."""
    if not isinstance(value, str) or not value.startswith("/") or "\\" in value:
        return "/"
    # Browsers drop tabs and newlines from addresses ("/\t/evil" becomes "//evil"): refuse any control character.
    value = value if not any(ord(c) < 0x21 or ord(c) == 0x7F for c in value) else "/"
    if value.startswith("//"):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value[:500]


def _page(error: str | None = None, notice: str | None = None, status: int = 200, next_path: str = "/") -> flask.Response:
    cfg = config()
    synthetic = database.contains_synthetic_data()
    demo = []
    if synthetic and cfg.local_sign_in:
        for account in DEMO_USERS:
            user = sessions.lookup_user(account.username)
            if user is not None and user.is_demo and user.is_active:
                demo.append((account, user.authority_code))
    html = signin_page.render(
        csrf_token=sessions.csrf_token(), next_path=next_path, error=error, notice=notice,
        local=cfg.local_sign_in, oidc_label=cfg.oidc.label if cfg.oidc else None, demo_users=demo,
        synthetic=synthetic, public_access=cfg.public_access,
    )
    return flask.Response(html, status=status, mimetype="text/html")


def _form_token_ok() -> bool:
    """The form's hidden token equals the session's (an empty or missing one never matches)."""
    sent, expected = flask.request.form.get("csrf_token", ""), flask.session.get("csrf", "")
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(sent.encode(), str(expected).encode())


@blueprint.get("/favicon.ico")
def favicon() -> flask.Response:
    """Browsers ask for /favicon.ico by themselves; Dash serves the icon at /_favicon.ico."""
    return flask.redirect("/_favicon.ico", code=301)


@blueprint.get("/sign-in")
def sign_in_form() -> flask.Response:
    if flask.g.get("signed_in"):
        return flask.redirect(safe_next(flask.request.args.get("next")), code=303)
    ended = flask.request.args.get("ended") or flask.g.get("session_ended")
    return _page(notice=ENDED_NOTICE if ended else None, next_path=safe_next(flask.request.args.get("next")))


@blueprint.post("/sign-in")
def sign_in() -> flask.Response:
    cfg = config()
    form = flask.request.form
    next_path = safe_next(form.get("next"))
    if not cfg.local_sign_in:
        return _page(error="Sign in with your organisation's account.", status=400, next_path=next_path)
    if not _form_token_ok():
        return _page(error="The sign-in form had expired. Please sign in again.", status=400, next_path=next_path)
    username = normalise_username(form.get("username", ""))[:254]
    password = form.get("password", "")
    address = flask.request.remote_addr or "unknown"
    attempted = audit.Actor(username or None, "public", None, address)
    if ratelimit.blocked(cfg.store, username, address, per_account=cfg.max_failures_per_account,
                         per_address=cfg.max_failures_per_address, window_s=cfg.failure_window_minutes * 60):
        audit.record(cfg.store, attempted, "sign_in_failed", target=username, detail="rate limited")
        return _page(error=SIGN_IN_FAILED, status=429, next_path=next_path)
    found = sessions.lookup_user_with_hash(username) if username else None
    user, password_hash = found if found else (None, None)
    ok = verify_password(password_hash, password if isinstance(password, str) else "")
    reason = None
    if not ok:
        reason = "wrong user name or password"
    elif not user.is_active:
        reason = "account disabled"
    elif user.is_demo and not database.contains_synthetic_data():
        reason = "demo account on real data"
    if reason:
        ratelimit.record_failure(cfg.store, username, address)
        audit.record(cfg.store, attempted, "sign_in_failed", target=username, detail=reason)
        return _page(error=SIGN_IN_FAILED, status=401, next_path=next_path)
    ratelimit.clear_account(cfg.store, username)
    sessions.begin(username=user.username, display_name=user.display_name, source="local")
    viewer = sessions.viewer_of(user)
    audit.record(cfg.store, actor(viewer), "sign_in", detail="local")
    return flask.redirect(next_path, code=303)


@blueprint.post("/sign-out")
def sign_out() -> flask.Response:
    if _form_token_ok():
        if flask.g.get("signed_in"):
            audit.record(config().store, actor(), "sign_out")
        sessions.end()
    return flask.redirect("/sign-in", code=303)


@blueprint.get("/auth/oidc/login")
def oidc_login() -> flask.Response:
    cfg = config()
    if cfg.oidc is None:
        flask.abort(404)
    flask.session["oidc_next"] = safe_next(flask.request.args.get("next"))
    client = flask.current_app.extensions["oversight_oidc"]
    return client.authorize_redirect(oidc.redirect_url(cfg.oidc))


@blueprint.get("/auth/oidc/callback")
def oidc_callback() -> flask.Response:
    cfg = config()
    if cfg.oidc is None:
        flask.abort(404)
    client = flask.current_app.extensions["oversight_oidc"]
    address = flask.request.remote_addr or "unknown"
    try:
        token = client.authorize_access_token(claims_options=oidc.claims_options(client, cfg.oidc))
        # Only the claims of an ID token Authlib verified (signature, iss, aud, exp and OUR nonce): a
        # token without one is refused, never parsed again without the nonce.
        claims = token.get("userinfo")
        if not claims:
            raise InvalidInputError("the identity provider sent no ID token: ask your administrator to "
                                    "check that the 'openid' scope is allowed for this service")
        identity = oidc.identity_from_claims(dict(claims), cfg.oidc)
    except InvalidInputError as error:
        audit.record(cfg.store, audit.Actor(None, "public", None, address), "sign_in_failed", detail=f"oidc: {error}"[:200])
        return _page(error=str(error), status=403)
    except Exception as error:  # noqa: BLE001 - Authlib raises several types; the user gets one clear message
        audit.record(cfg.store, audit.Actor(None, "public", None, address), "sign_in_failed",
                     detail=f"oidc: {type(error).__name__}")
        return _page(error="Signing in with your organisation's account did not complete. Please try again.", status=400)
    next_path = safe_next(flask.session.get("oidc_next"))
    viewer = identity.viewer
    sessions.begin(username=identity.username, display_name=identity.display_name, source="oidc",
                   role=viewer.role, authority_code=viewer.authority_code, is_admin=viewer.is_admin)
    audit.record(cfg.store, actor(viewer), "sign_in", detail="oidc")
    return flask.redirect(next_path, code=303)


@blueprint.get("/admin/audit.csv")
def audit_export() -> flask.Response:
    viewer = flask.g.viewer
    if not (viewer.role == "national" and viewer.is_admin):
        flask.abort(404)
    cfg = config()
    audit.record(cfg.store, actor(viewer), "download", target="audit.csv")
    response = flask.Response(audit.export_csv(cfg.store), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="oversight-audit.csv"'
    return response
