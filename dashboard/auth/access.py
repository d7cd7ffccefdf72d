"""Who may open which page, and the account bar in the header (signed in as ..., sign out).

A page says who it is for with `audience=` in `dash.register_page` (`council`, `admin`); pages
without one are for everyone allowed in. Hiding a link is only convenience: each of these pages'
layouts and callbacks checks `current_viewer()` again on the server.
"""

from __future__ import annotations

import flask
from dash import dcc, html

from dashboard.viewer import Viewer, current_viewer


def may_open(page: dict, viewer: Viewer | None = None) -> bool:
    viewer = viewer or current_viewer()
    audience = page.get("audience")
    if audience is None:
        return True
    if audience == "council":
        return viewer.role == "council"
    if audience == "admin":
        return is_admin(viewer)
    return False


def is_admin(viewer: Viewer | None = None) -> bool:
    viewer = viewer or current_viewer()
    return viewer.role == "national" and viewer.is_admin


def authority_label(code: str | None) -> str:
    """'Leeds, E08000035': an officer sees which authority the site treats as theirs by name."""
    from etl.reference import load_reference

    authority = load_reference().authorities.get(code or "")
    return f"{authority.name}, {code}" if authority else str(code)


def account_bar() -> html.Div | None:
    """'Signed in as <name> (role)' and a sign-out button (a form POST with the session's token)."""
    if not flask.has_request_context():
        return None
    viewer = current_viewer()
    if not flask.g.get("signed_in"):
        return html.Div(html.A("Sign in", href="/sign-in", className="govuk-header__link"), className="app-account")
    from dashboard.auth.sessions import csrf_token

    role = {"national": "national", "council": f"council: {authority_label(viewer.authority_code)}", "public": "public"}[viewer.role]
    if viewer.is_admin:
        role += ", administrator"
    return html.Div(
        [
            html.Span(f"Signed in as {flask.g.get('display_name') or viewer.user_id} ({role})", className="me-2"),
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf_token", value=csrf_token(), id="sign-out-token"),
                    html.Button("Sign out", type="submit", className="btn btn-sm btn-light", id="sign-out-button"),
                ],
                method="POST", action="/sign-out", className="d-inline",
            ),
        ],
        className="app-account small",
        id="account-bar",
    )
