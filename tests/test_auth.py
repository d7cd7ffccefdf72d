"""The front door over HTTP (Flask's test client against the real app and a copy of the demo database):
sign-in, sessions, CSRF, rate limits, roles on pages, callbacks and downloads, headers and the audit."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from auth_helpers import DEMO_ACCOUNTS, form_token, sign_in, signed_in_client

from etl import audit
from etl.service_store import store_path
from etl.users import add_user, set_disabled, set_password, set_role
from etl.write_session import write_session

CALLBACK = "/_dash-update-component"


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo database (with its demo users): these tests change users."""
    copy = tmp_path_factory.mktemp("auth") / "oversight.duckdb"
    shutil.copyfile(demo_db, copy)
    return copy


@pytest.fixture(scope="module")
def app(db: Path):
    from dashboard.server import create_app

    return create_app(db)


@pytest.fixture
def client(app):
    return app.server.test_client()


def add(db: Path, username: str, password: str = "a long enough password", role: str = "national", **kwargs) -> None:
    with write_session(db, "users") as con:
        add_user(con, username, password, role, **kwargs)


def events(db: Path, event: str) -> list[dict]:
    return audit.events(store_path(db), event=event, limit=1000)


# ---- signed out ----------------------------------------------------------------------------------------

def test_a_page_sends_a_signed_out_visitor_to_the_sign_in_page(client):
    response = client.get("/regional?period=2026-01")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?next=/regional%3Fperiod%3D2026-01"


@pytest.mark.parametrize("path", ["/_dash-layout", "/_dash-dependencies", "/_oversight/boundaries/2026-10.json",
                                  "/admin/audit.csv"])
def test_data_routes_refuse_a_signed_out_visitor(client, path):
    response = client.get(path)
    assert response.status_code in (401, 303)
    assert "Synthetic" not in response.get_data(as_text=True)


def test_a_callback_from_a_signed_out_visitor_is_refused(client):
    body = {"output": "overview-tiles.children", "outputs": {"id": "overview-tiles", "property": "children"},
            "inputs": [{"id": "overview-period", "property": "value", "value": "2026-10"}], "changedPropIds": []}
    response = client.post(CALLBACK, json=body)
    assert response.status_code == 401
    assert response.headers["Cache-Control"].startswith("no-store")


def test_the_sign_in_page_lists_the_demo_accounts_of_a_synthetic_database(client):
    html = client.get("/sign-in").get_data(as_text=True)
    for account in DEMO_ACCOUNTS.values():
        assert account.username in html and account.password in html
    assert 'autocomplete="current-password"' in html and "<script" not in html


# ---- signing in ------------------------------------------------------------------------------------------

def test_each_role_signs_in_and_gets_a_signed_http_only_same_site_cookie(app):
    for role in ("national_admin", "national", "council"):
        client = app.server.test_client()
        account = DEMO_ACCOUNTS[role]
        response = sign_in(client, account.username, account.password, "/regional")
        assert response.status_code == 303 and response.headers["Location"] == "/regional"
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("oversight_session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert client.get("/regional").status_code == 200


def test_the_session_cookie_is_secure_when_served_over_tls(app):
    client = app.server.test_client()
    account = DEMO_ACCOUNTS["national"]
    token = form_token(client.get("/sign-in", base_url="https://oversight.example").get_data(as_text=True))
    response = client.post("/sign-in", base_url="https://oversight.example",
                           data={"csrf_token": token, "username": account.username, "password": account.password})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("oversight_session="))
    assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, db):
    add(db, "enumeration.probe@example.gov.uk")
    wrong = sign_in(client, "enumeration.probe@example.gov.uk", "not the password at all")
    unknown = sign_in(client, "nobody.here@example.gov.uk", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    message = lambda r: r.get_data(as_text=True).split('id="sign-in-error"')[1].split("</div>")[0]  # noqa: E731
    assert message(wrong) == message(unknown)
    assert "nobody.here" not in message(unknown)


def test_repeated_failures_lock_the_account_even_against_the_right_password(app, db):
    add(db, "rate.limited@example.gov.uk", "the right long password")
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "rate.limited@example.gov.uk", "a wrong long password").status_code == 401
    blocked = sign_in(app.server.test_client(), "rate.limited@example.gov.uk", "the right long password")
    assert blocked.status_code == 429
    assert "oversight_session" not in "".join(blocked.headers.getlist("Set-Cookie")) or \
        app.server.test_client().get("/").status_code == 303
    failures = [e for e in events(db, "sign_in_failed") if e["target"] == "rate.limited@example.gov.uk"]
    assert len(failures) == 6 and failures[0]["detail"] == "rate limited"


def test_the_sign_in_form_refuses_a_post_without_its_token(client):
    account = DEMO_ACCOUNTS["national"]
    response = client.post("/sign-in", data={"username": account.username, "password": account.password})
    assert response.status_code == 400
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                    "/\t/evil.example", "/\n/evil.example", " //evil.example"])
def test_after_sign_in_the_user_is_never_sent_to_another_site(app, target):
    account = DEMO_ACCOUNTS["national"]
    response = sign_in(app.server.test_client(), account.username, account.password, target)
    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(app, db):
    client = signed_in_client(app, "national")
    token = client.csrf
    client.client.post("/sign-out", data={"csrf_token": token})
    assert client.get("/").status_code == 303
    assert any(e["event"] == "sign_out" for e in audit.events(store_path(db), limit=50))


def test_an_idle_session_ends(app, db):
    client = signed_in_client(app, "national")
    with client.client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    response = client.get("/regional")
    assert response.status_code == 303 and "ended=1" in response.headers["Location"]
    assert events(db, "session_expired")


def test_disabling_a_user_or_changing_their_password_ends_their_sessions(app, db):
    add(db, "soon.disabled@example.gov.uk", "first long password")
    add(db, "soon.changed@example.gov.uk", "first long password")
    disabled, changed = app.server.test_client(), app.server.test_client()
    assert sign_in(disabled, "soon.disabled@example.gov.uk", "first long password").status_code == 303
    assert sign_in(changed, "soon.changed@example.gov.uk", "first long password").status_code == 303
    time.sleep(1.1)  # a password change is compared with the session's issue time in whole seconds
    with write_session(db, "users") as con:
        set_disabled(con, "soon.disabled@example.gov.uk")
        set_password(con, "soon.changed@example.gov.uk", "second long password")
    assert disabled.get("/regional").status_code == 303
    assert changed.get("/regional").status_code == 303
    assert sign_in(app.server.test_client(), "soon.disabled@example.gov.uk", "first long password").status_code == 401


def test_a_role_change_applies_at_the_next_request(app, db):
    add(db, "promoted@example.gov.uk", "first long password", "council", authority_code="E06000001")
    client = app.server.test_client()
    sign_in(client, "promoted@example.gov.uk", "first long password")
    assert "Administration" not in client.get("/_dash-layout").get_data(as_text=True)
    with write_session(db, "users") as con:
        set_role(con, "promoted@example.gov.uk", "national", is_admin=True)
    assert "Administration" in client.get("/_dash-layout").get_data(as_text=True)


# ---- cross-site requests ---------------------------------------------------------------------------------

def _tiles_body(period: str = "2026-10") -> dict:
    return {"output": "overview-tiles.children", "outputs": {"id": "overview-tiles", "property": "children"},
            "inputs": [{"id": "overview-period", "property": "value", "value": period},
                       {"id": "overview-window", "property": "value", "value": "rolling12"}],
            "changedPropIds": ["overview-period.value"], "state": []}


def test_a_callback_without_the_session_token_is_refused(app):
    client = signed_in_client(app, "national")
    assert client.client.post(CALLBACK, json=_tiles_body()).status_code == 403
    assert client.post(CALLBACK, json=_tiles_body(), headers={"X-CSRF-Token": "guessed"}).status_code == 403
    assert client.post(CALLBACK, json=_tiles_body()).status_code == 200


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"},
                                     {"Referer": "https://evil.example/page"}, {"Sec-Fetch-Site": "same-site"}])
def test_a_callback_from_another_site_is_refused_even_with_the_token(app, headers):
    client = signed_in_client(app, "national")
    assert client.post(CALLBACK, json=_tiles_body(), headers=headers).status_code == 403


def test_the_token_cookie_is_readable_by_the_page_but_strictly_same_site(app):
    client = app.server.test_client()
    response = client.get("/sign-in")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("oversight_csrf="))
    assert "SameSite=Strict" in cookie and "HttpOnly" not in cookie


# ---- roles on the server -----------------------------------------------------------------------------------

def _submit_body(contents: str, filename: str) -> dict:
    return {"output": "..submit-result.children...submit-history.children..",
            "outputs": [{"id": "submit-result", "property": "children"}, {"id": "submit-history", "property": "children"}],
            "inputs": [{"id": "submit-upload-store", "property": "data", "value": {"contents": contents, "filename": filename}}],
            "changedPropIds": ["submit-upload-store.data"]}


def test_a_national_user_replaying_the_submit_callback_is_refused(app):
    client = signed_in_client(app, "national")
    response = client.post(CALLBACK, json=_submit_body("data:text/csv;base64,YQ==", "x.csv"))
    assert response.status_code == 200 and "Only council users submit" in response.get_data(as_text=True)


def test_the_admin_page_and_audit_export_are_for_national_administrators_only(app, db):
    for role in ("council", "national"):
        client = signed_in_client(app, role)
        assert client.get("/admin/audit.csv").status_code == 404
        layout = client.get("/_dash-layout").get_data(as_text=True)
        assert "Administration" not in layout
    admin = signed_in_client(app, "national_admin")
    export = admin.get("/admin/audit.csv")
    assert export.status_code == 200 and export.headers["Content-Disposition"].startswith("attachment")
    text = export.get_data(as_text=True)
    assert text.startswith("event_id,at,username,role") and ",sign_in," in text
    assert "Administration" in admin.get("/_dash-layout").get_data(as_text=True)


def test_a_council_user_sees_the_submit_page_in_the_navigation(app):
    layout = signed_in_client(app, "council").get("/_dash-layout").get_data(as_text=True)
    assert "Submit a return" in layout and "Signed in as" in layout


def test_a_council_view_of_another_authority_is_audited_once(app, db):
    client = signed_in_client(app, "council")
    body = {"output": "authority-returns-section.children",
            "outputs": {"id": "authority-returns-section", "property": "children"},
            "inputs": [{"id": "authority-code", "property": "value", "value": "E09000033"}],
            "changedPropIds": ["authority-code.value"], "state": []}
    client.post(CALLBACK, json=body)
    client.post(CALLBACK, json=body)
    views = [e for e in events(db, "view_other_authority") if e["target"] == "E09000033" and e["role"] == "council"]
    assert len(views) == 1


# ---- headers and addresses -------------------------------------------------------------------------------

def test_pages_callbacks_and_downloads_are_never_cached(app):
    client = signed_in_client(app, "national_admin")
    for response in (client.get("/"), client.get("/_dash-layout"), client.post(CALLBACK, json=_tiles_body()),
                     client.get("/admin/audit.csv"), client.get("/sign-in")):
        assert "no-store" in response.headers["Cache-Control"], response.request.path


def test_an_unknown_address_answers_404_with_the_sites_page(app):
    client = signed_in_client(app, "national")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<html lang=\"en-GB\"" in response.get_data(as_text=True) or "_dash-renderer" in response.get_data(as_text=True)
    assert client.get("/authority/report").status_code == 200


def test_demo_accounts_do_not_work_once_the_database_holds_real_data(tmp_path, db, app):
    from dashboard.server import create_app

    real = tmp_path / "real.duckdb"
    shutil.copyfile(db, real)
    with write_session(real, "test") as con:
        # the synthetic marker follows the stored submissions (etl/scored_state.py)
        con.execute("update submission set is_synthetic = false")
    try:
        other = create_app(real)
        client = other.server.test_client()
        account = DEMO_ACCOUNTS["national"]
        assert account.password not in client.get("/sign-in").get_data(as_text=True)
        assert sign_in(client, account.username, account.password).status_code == 401
    finally:
        from dashboard import database

        database.configure(db)  # back to this module's database for the tests after this one


def test_public_access_when_enabled_shows_pages_as_public(db, monkeypatch):
    from dashboard import database
    from dashboard.server import create_app

    monkeypatch.setenv("OVERSIGHT_PUBLIC_ACCESS", "1")
    try:
        public = create_app(db)
        client = public.server.test_client()
        assert client.get("/regional").status_code == 200
        assert "Sign in" in client.get("/_dash-layout").get_data(as_text=True)
    finally:
        database.configure(db)


def test_a_download_through_a_callback_is_audited(app, db):
    client = signed_in_client(app, "council")
    body = {"output": "check-template-download.data", "outputs": {"id": "check-template-download", "property": "data"},
            "inputs": [{"id": "check-template-button", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["check-template-button.n_clicks"], "state": []}
    response = client.post(CALLBACK, json=body)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    downloads = [e for e in events(db, "download") if e["role"] == "council"]
    assert downloads and "check-template-download" in downloads[0]["target"]


def _callback_key(app, output: str) -> str:
    """A callback's output key (with allow_duplicate it carries a hash): taken from the app."""
    return next(key for key in app.callback_map if output in key)


def test_an_administrator_starts_a_refresh_from_the_site_and_follows_it(db, tmp_path):
    from dashboard import database
    from dashboard.server import create_app

    inbox = tmp_path / "inbox"
    (inbox / "october returns").mkdir(parents=True)  # a folder: not read, and the page says so
    try:
        admin_app = create_app(db, inbox=inbox)
        start = {"output": _callback_key(admin_app, "admin-refresh-message.children"),
                 "outputs": [{"id": "admin-refresh-message", "property": "children"},
                             {"id": "admin-refresh-poll", "property": "disabled"}],
                 "inputs": [{"id": "admin-refresh-button", "property": "n_clicks", "value": 1}],
                 "changedPropIds": ["admin-refresh-button.n_clicks"], "state": []}
        refused = signed_in_client(admin_app, "council").post(CALLBACK, json=start)
        assert "national administrators" in refused.get_data(as_text=True)
        admin = signed_in_client(admin_app, "national_admin")
        assert admin.post(CALLBACK, json=start).status_code == 200
        poll = {"output": _callback_key(admin_app, "admin-refresh-status.children"),
                "outputs": [{"id": "admin-refresh-status", "property": "children"},
                            {"id": "admin-refresh-poll", "property": "disabled"}],
                "inputs": [{"id": "admin-refresh-poll", "property": "n_intervals", "value": 1}],
                "changedPropIds": ["admin-refresh-poll.n_intervals"], "state": []}
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            reply = admin.post(CALLBACK, json=poll).get_json()["response"]
            if reply["admin-refresh-poll"]["disabled"]:
                break
            time.sleep(0.5)
        text = str(reply["admin-refresh-status"])
        assert "Last refresh finished" in text and "0 files" in text
        assert "Not read from the inbox (1)" in text and "october returns, a folder" in text
        assert [e for e in events(db, "refresh_started") if e["username"] == "demo.admin"]
    finally:
        database.configure(db)


def test_an_administrator_disables_a_user_from_the_site_and_their_session_ends(app, db):
    add(db, "to.be.disabled@example.gov.uk", "a long enough password")
    victim = app.server.test_client()
    assert sign_in(victim, "to.be.disabled@example.gov.uk", "a long enough password").status_code == 303
    body = {"output": _callback_key(app, "admin-user-message.children"),
            "outputs": [{"id": "admin-user-message", "property": "children"},
                        {"id": "admin-users-section", "property": "children"},
                        {"id": "admin-user-choice", "property": "options"}],
            "inputs": [{"id": "admin-user-disable", "property": "n_clicks", "value": 1},
                       {"id": "admin-user-enable", "property": "n_clicks", "value": None}],
            "state": [{"id": "admin-user-choice", "property": "value", "value": "to.be.disabled@example.gov.uk"}],
            "changedPropIds": ["admin-user-disable.n_clicks"]}
    refused = signed_in_client(app, "council").post(CALLBACK, json=body)
    assert "national administrators" in refused.get_data(as_text=True)
    assert victim.get("/regional").status_code == 200
    reply = signed_in_client(app, "national_admin").post(CALLBACK, json=body)
    assert reply.status_code == 200 and "disabled" in reply.get_data(as_text=True)
    assert victim.get("/regional").status_code == 303
    changes = [e for e in events(db, "user_change") if e["target"] == "to.be.disabled@example.gov.uk"]
    assert changes and changes[0]["detail"] == "disable" and changes[0]["username"] == "demo.admin"


def test_repeated_failures_from_one_address_are_refused_whatever_the_account(app, db):
    address = {"REMOTE_ADDR": "10.9.8.7"}  # its own address, so the other tests' address stays usable
    client = app.server.test_client()

    def attempt(username: str, password: str):
        token = form_token(client.get("/sign-in", environ_base=address).get_data(as_text=True))
        return client.post("/sign-in", environ_base=address,
                           data={"csrf_token": token, "username": username, "password": password})

    for number in range(20):
        assert attempt(f"sprayed.{number}@example.gov.uk", "a wrong long password").status_code == 401
    account = DEMO_ACCOUNTS["national"]
    assert attempt(account.username, account.password).status_code == 429
    assert sign_in(app.server.test_client(), account.username, account.password).status_code == 303  # other address
    sprayed = [e for e in events(db, "sign_in_failed") if e["address"] == "10.9.8.7"]
    assert len(sprayed) == 21 and sprayed[0]["detail"] == "rate limited"
