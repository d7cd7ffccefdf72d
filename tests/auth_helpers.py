"""Signing in through the real sign-in form with Flask's test client (for HTTP-level tests).

`signed_in_client(app, role)` GETs /sign-in, posts the form with the demo account of that role and
returns a client whose POSTs carry the session's CSRF token, as the browser's asset script does.
"""

from __future__ import annotations

import re

from etl.users import DEMO_USERS

DEMO_ACCOUNTS = {
    "national_admin": DEMO_USERS[0],
    "national": DEMO_USERS[1],
    "council": DEMO_USERS[2],
}


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the sign-in page has no CSRF token"
    return match.group(1)


def sign_in(client, username: str, password: str, next_path: str = "/"):
    token = form_token(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"csrf_token": token, "username": username, "password": password,
                                          "next": next_path})


class SignedInClient:
    """A Flask test client signed in as a demo user; POSTs carry X-CSRF-Token."""

    def __init__(self, client) -> None:
        self.client = client

    @property
    def csrf(self) -> str:
        cookie = self.client.get_cookie("oversight_csrf")
        return cookie.value if cookie else ""

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, headers=None, **kwargs):
        return self.client.post(*args, headers={"X-CSRF-Token": self.csrf, **(headers or {})}, **kwargs)


def signed_in_client(app, role: str = "national", *, username: str | None = None, password: str | None = None) -> SignedInClient:
    """Signed in as the demo account of `role`, or as `username` with `password` when given."""
    account = DEMO_ACCOUNTS[role]
    client = app.server.test_client()
    response = sign_in(client, username or account.username, password or account.password)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return SignedInClient(client)


def seed_demo_users(db_path) -> None:
    """The demo accounts in a synthetic database, through the write session (as `oversight users seed-demo`)."""
    from etl.users import seed_demo_users as seed
    from etl.write_session import write_session

    with write_session(db_path, "users") as con:
        seed(con)
