"""The front door: sign-in (local users or OpenID Connect), sessions, CSRF, rate limits, the route guard.

`install(app, db_path)` is called by `dashboard.server.create_app`; see docs/security.md for the
threat model and the reasons behind each choice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import dash
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.auth import guard, oidc, routes, sessions
from dashboard.auth.config import AuthConfig


def install(app: dash.Dash, db_path: Path | str, config: AuthConfig | None = None,
            inbox: Path | str | None = None) -> AuthConfig:
    config = config or AuthConfig.from_env(db_path)
    if inbox is not None:
        config = replace(config, inbox=Path(inbox))
    server = app.server
    server.secret_key = config.secret_key
    server.session_interface = sessions.SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME=sessions.SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Strict would sign people out when they follow a link from e-mail
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.max_session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    if config.trusted_proxies:
        # Behind a TLS-terminating proxy: believe its X-Forwarded-For/-Proto/-Host (only that many hops),
        # so addresses in the audit are the users' and cookies are marked Secure.
        n = config.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)
    server.extensions["oversight_auth"] = config
    server.extensions["oversight_dash"] = app  # its callback map: the envelope every callback request must fit
    if config.oidc is not None:
        server.extensions["oversight_oidc"] = oidc.register(server, config.oidc)
    server.register_blueprint(routes.blueprint)
    # First in line, before Dash's own hooks and every view.
    server.before_request_funcs.setdefault(None, []).insert(0, guard.before_request)
    server.after_request(guard.after_request)
    return config
