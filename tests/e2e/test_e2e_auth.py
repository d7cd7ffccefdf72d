"""The front door in Chromium: each role signs in through the real sign-in page and gets its own site;
a council officer submits a return and sees the receipt; sign-out; the live server's headers."""

from __future__ import annotations

from urllib.parse import urlsplit

import duckdb
import pytest

from e2e.e2e_helpers import screenshot, settle
from e2e.signin import ACCOUNTS, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def fresh_page(browser):
    """A page with no session at all (the other fixtures start signed in)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    page.errors_seen = errors  # type: ignore[attr-defined]
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _nav(page) -> str:
    return page.locator("#shell-nav").inner_text()


@pytest.mark.parametrize("role, sees, does_not_see", [
    ("national_admin", ["Administration"], ["Submit a return"]),
    ("national", [], ["Administration", "Submit a return"]),
    ("council", ["Submit a return"], ["Administration"]),
])
def test_each_role_signs_in_through_the_sign_in_page(fresh_page, server_url, role, sees, does_not_see):
    page = fresh_page
    page.goto(server_url + "/check")
    assert "/sign-in" in page.url and page.get_by_role("heading", name="Sign in").is_visible()
    assert page.locator("#demo-accounts").is_visible()  # the demo database is synthetic
    sign_in(page, server_url, role, "/check")
    settle(page)
    assert urlsplit(page.url).path == "/check"
    nav = _nav(page)
    assert all(name in nav for name in sees) and not any(name in nav for name in does_not_see)
    assert "Signed in as" in page.locator("#account-bar").inner_text()
    # Callbacks ran (they need the CSRF header the asset script adds): the navigation's callback marked
    # the current page.
    assert page.locator("#shell-nav [aria-current=page]").inner_text() == "Check a return"
    screenshot(page, f"signed-in-{role}")
    assert page.errors_seen == []


def test_a_wrong_password_is_refused_with_a_message_that_names_no_account(fresh_page, server_url):
    page = fresh_page
    page.goto(server_url + "/sign-in")
    page.get_by_label("User name").fill(ACCOUNTS["national"].username)
    page.get_by_label("Password").fill("not the demo password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    error = page.locator("#sign-in-error").inner_text()
    assert "not right" in error and ACCOUNTS["national"].username not in error
    assert "/sign-in" in page.url


def test_a_council_officer_submits_a_return_and_sees_the_receipt_and_history(fresh_page, server_url, demo_db, demo_dir):
    page = fresh_page
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        code = con.execute("select authority_code from app_user where username = ?", [ACCOUNTS["council"].username]).fetchone()[0]
    finally:
        con.close()
    original = sorted((demo_dir / "archive").glob(f"*/SYNTHETIC_{code}_2026-10*.csv"))[0]
    data = original.read_bytes().replace(b"\n", b"\r\n")  # new bytes: a resubmission, not a duplicate
    sign_in(page, server_url, "council", "/submit")
    settle(page)
    page.locator("#submit-upload input[type=file]").set_input_files(
        files=[{"name": original.name, "mimeType": "text/csv", "buffer": data}])
    receipt = page.locator("#submit-receipt")
    receipt.wait_for()
    assert "SHA-256" in receipt.inner_text() and "next refresh" in receipt.inner_text()
    history = page.locator("#submit-history-table").inner_text()
    assert "waiting for the next refresh" in history and ACCOUNTS["council"].username in history
    screenshot(page, "council-submitted")
    assert page.errors_seen == []


def _submit_file(page, name: str, content: bytes, mime: str) -> None:
    page.locator("#submit-upload input[type=file]").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])


def test_a_council_officer_submitting_a_file_of_another_type_is_told_why_it_was_not_sent(fresh_page, server_url):
    page = fresh_page
    sign_in(page, server_url, "council", "/submit")
    settle(page)
    _submit_file(page, "return.txt", b"authority_code\tperiod\tsection\tcategory\tcount\n", "text/plain")
    page.wait_for_function("() => document.querySelector('#submit-result').innerText.includes('return.txt')")
    assert "return.txt is not a CSV or XLSX file" in page.locator("#submit-result").inner_text()


def test_a_council_officer_submitting_a_file_over_the_limit_is_told_before_it_is_sent(fresh_page, server_url):
    page = fresh_page
    sign_in(page, server_url, "council", "/submit")
    settle(page)
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/_dash-update-component") else None)
    _submit_file(page, "huge.csv", b"x" * 2_100_000, "text/csv")
    page.wait_for_function("() => document.querySelector('#submit-upload-client-message').innerText.includes('largest return')")
    assert "2.1 MB" in page.locator("#submit-upload-client-message").inner_text()
    assert not any(len(r.post_data or "") > 1_000_000 for r in sent)


def test_sign_out_returns_to_the_sign_in_page_and_ends_the_session(fresh_page, server_url):
    page = fresh_page
    sign_in(page, server_url, "national")
    settle(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/sign-in" in url)
    page.goto(server_url + "/returns")
    assert "/sign-in" in page.url


def test_the_live_server_names_no_software_and_answers_an_unknown_address_with_its_own_404(page, server_url):
    response = page.goto(server_url + "/no/such/page")
    assert response.status == 404
    server = response.headers.get("server", "")
    assert "werkzeug" not in server.lower() and "python" not in server.lower()
    assert "no-store" in response.headers.get("cache-control", "")
    settle(page)
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert page.locator("header").first.is_visible()


def test_an_administrator_reads_the_audit_and_downloads_it(fresh_page, server_url):
    page = fresh_page
    sign_in(page, server_url, "national_admin", "/admin")
    settle(page)
    assert page.get_by_role("heading", name="Administration", exact=True).is_visible()
    users = page.locator("#admin-users").inner_text()
    assert all(account.username in users for account in ACCOUNTS.values())
    assert "sign_in" in page.locator("#admin-audit").inner_text()
    with page.expect_download() as download:
        page.locator("#admin-audit-csv").click()
    path = download.value.path()
    with open(path, encoding="utf-8") as handle:
        assert handle.readline().startswith("event_id,at,username,role")
    screenshot(page, "admin")
    assert page.errors_seen == []


def test_a_council_officer_opening_the_admin_address_is_refused(fresh_page, server_url):
    page = fresh_page
    sign_in(page, server_url, "council", "/admin")
    settle(page)
    assert "national administrators" in page.locator("main").inner_text()
    assert not page.locator("#admin-audit").count()
