"""Sessions: who is signed in, in a signed cookie, checked on every request.

The session is Flask's: a cookie signed with itsdangerous (HMAC-SHA1 over the serialised data, key
derived from the service's secret), so any worker on any host that shares the secret can check it
and nothing is kept in server memory. It is HttpOnly, SameSite=Lax and Secure whenever the request
came over TLS (directly, or through a trusted proxy: OVERSIGHT_TRUSTED_PROXIES).

It carries the user name, where the sign-in came from (`local` or `oidc`), when it was issued and
when it was last used (for the idle time-out), and the CSRF token. A local user's role and authority
are read from the database on every request (cached per database version), so disabling a user,
changing their role or their password takes effect at their next request; an identity provider's
user keeps the role mapped from their claims at sign-in until the session ends.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import duckdb
import flask
from flask.sessions import SecureCookieSessionInterface

from dashboard import database
from dashboard.viewer import Viewer
from etl.users import User, get_user

SESSION_COOKIE = "oversight_session"
CSRF_COOKIE = "oversight_csrf"
TOUCH_EVERY_S = 60  # rewrite the cookie's last-used time at most once a minute


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag decided by the request's scheme."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (flask.has_request_context() and flask.request.is_secure)


@dataclass(frozen=True)
class Resolved:
    viewer: Viewer | None
    ended: str | None = None  # why a session present in the cookie was ended (idle, disabled...)
    display_name: str | None = None


def begin(*, username: str, display_name: str, source: str, role: str | None = None,
          authority_code: str | None = None, is_admin: bool = False) -> None:
    """Start a new session (a fresh cookie and CSRF token; nothing of the signed-out session is kept)."""
    now = time.time()
    session = flask.session
    session.clear()
    session.permanent = True
    session.update({"u": username, "n": display_name[:200], "src": source, "iat": now, "seen": now,
                    "csrf": secrets.token_urlsafe(32)})
    if source == "oidc":
        session.update({"role": role, "auth": authority_code, "adm": bool(is_admin)})


def end() -> None:
    csrf = secrets.token_urlsafe(32)
    flask.session.clear()
    flask.session["csrf"] = csrf


def csrf_token() -> str:
    """The session's CSRF token (a signed-out visitor gets one too, for the sign-in form)."""
    token = flask.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        flask.session["csrf"] = token
    return token


def resolve(idle_s: float, max_age_s: float) -> Resolved:
    """The viewer of this request's session (None if nobody is signed in, or the session has ended)."""
    session = flask.session
    username = session.get("u")
    if not isinstance(username, str) or not username:
        return Resolved(None)
    now = time.time()
    issued, seen = _number(session.get("iat")), _number(session.get("seen"))
    if now - seen > idle_s:
        return _ended("idle")
    if now - issued > max_age_s:
        return _ended("expired")
    if session.get("src") == "local":
        user = lookup_user(username)
        if user is None or not user.is_active:
            return _ended("disabled")
        if user.password_changed_at.timestamp() > issued + 1:
            return _ended("password_changed")
        if user.is_demo and not database.contains_synthetic_data():
            return _ended("demo_on_real_data")
        viewer = viewer_of(user)
        name = user.display_name
    elif session.get("src") == "oidc":
        try:
            viewer = Viewer(session.get("role"), session.get("auth"), username, bool(session.get("adm")))
        except ValueError:
            return _ended("invalid")
        name = session.get("n") or username
    else:
        return _ended("invalid")
    if now - seen > TOUCH_EVERY_S:
        session["seen"] = now
    return Resolved(viewer, None, name)


def viewer_of(user: User) -> Viewer:
    if user.role == "council":
        return Viewer("council", user.authority_code, user.username, False)
    return Viewer("national", None, user.username, user.is_admin)


def lookup_user(username: str) -> User | None:
    """A local user, read from the database being served (cached until the database changes)."""
    def build(con) -> User | None:
        try:
            found = get_user(con, username)
        except duckdb.Error:  # a database from before the user store (no app_user table): nobody
            return None
        return found[0] if found else None

    return database.cached(("auth-user", username), build)


def lookup_user_with_hash(username: str) -> tuple[User, str] | None:
    """For sign-in only: never cached, so the hash is not kept in memory."""
    with database.connection() as con:
        try:
            return get_user(con, username)
        except duckdb.Error:
            return None


def _ended(reason: str) -> Resolved:
    username = flask.session.get("u")
    end()
    return Resolved(None, reason, username if isinstance(username, str) else None)


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0
