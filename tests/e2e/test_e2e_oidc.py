"""Chromium signs in through an identity provider: the sign-in page's button, the provider on 127.0.0.1
(tests/support/oidc_provider.py) approving the user, back to the page asked for, signed in with the role
the claims map to and the site's callbacks working."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from e2e.e2e_helpers import settle
from support.live_server import serving
from support.oidc_provider import OidcProvider, running

pytestmark = pytest.mark.e2e

CLIENT_ID, CLIENT_SECRET = "oversight-dashboard", "a-client-secret-for-the-browser-test"
OFFICER = {"sub": "u-lee", "email": "officer@leeds.gov.uk", "name": "Lee Officer", "roles": ["oversight.council"],
           "gss_code": "E08000035"}


@pytest.fixture(scope="module")
def oidc_site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("e2e-oidc")
    db = folder / "oversight.duckdb"
    shutil.copyfile(demo_db, db)
    with running(OidcProvider(CLIENT_ID, CLIENT_SECRET, dict(OFFICER))) as provider:
        env = {"OVERSIGHT_OIDC_DISCOVERY_URL": provider.discovery_url, "OVERSIGHT_OIDC_CLIENT_ID": CLIENT_ID,
               "OVERSIGHT_OIDC_CLIENT_SECRET": CLIENT_SECRET, "OVERSIGHT_OIDC_LABEL": "Test Identity"}
        with serving(db, folder / "serve.log", ready_path="/sign-in", env=env) as (url, _process):
            provider.redirect_uris = {f"{url}/auth/oidc/callback"}
            yield url, provider


def test_a_council_officer_signs_in_with_the_identity_provider_button(browser, oidc_site):
    url, provider = oidc_site
    context = browser.new_context(viewport={"width": 1366, "height": 900}, service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_default_timeout(30_000)
    try:
        page.goto(url + "/check")
        assert "/sign-in" in page.url
        page.get_by_role("link", name="Sign in with Test Identity").click()
        page.wait_for_url(f"{url}/check", timeout=60_000)
        settle(page)
        assert urlsplit(page.url).path == "/check"
        assert "Signed in as Lee Officer (council: Leeds, E08000035)" in page.locator("#account-bar").inner_text()
        assert "Submit a return" in page.locator("#shell-nav").inner_text()
        # The site's callbacks run in this session (the navigation marked the current page).
        assert page.locator("#shell-nav [aria-current=page]").inner_text() == "Check a return"
        assert ("POST", "/token") in provider.requests and provider.token_errors == []
        assert errors == []
    finally:
        context.close()
