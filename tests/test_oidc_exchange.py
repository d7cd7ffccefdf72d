"""The whole OpenID Connect sign-in, end to end and offline: a real `oversight serve` configured with
OVERSIGHT_OIDC_* against a real provider on 127.0.0.1 (tests/support/oidc_provider.py), driven by a
cookie-keeping HTTP client. The session must carry the role the claims map to; a token or callback a
client must refuse (wrong nonce, audience, expiry, signature, state; a replayed or unknown code)
leaves nobody signed in and is audited."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from etl import audit
from etl.service_store import store_path
from tests.support.live_server import serving
from tests.support.oidc_provider import OidcProvider, new_key, running

CLIENT_ID = "oversight-dashboard"
CLIENT_SECRET = "a-client-secret-only-the-two-servers-know"
ADMIN = {"sub": "u-ada", "email": "Ada.Admin@HomeOffice.gov.uk", "name": "Ada Admin",
         "roles": ["oversight.national", "oversight.admin"]}
COUNCIL = {"sub": "u-lee", "email": "officer@leeds.gov.uk", "name": "Lee Officer", "roles": "oversight.council",
           "gss_code": "e08000035"}


@pytest.fixture(scope="module")
def provider():
    with running(OidcProvider(CLIENT_ID, CLIENT_SECRET, dict(ADMIN))) as served:
        yield served


@pytest.fixture(scope="module")
def site(provider: OidcProvider, demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("oidc-exchange")
    db = folder / "oversight.duckdb"
    shutil.copyfile(demo_db, db)
    env = {"OVERSIGHT_OIDC_DISCOVERY_URL": provider.discovery_url, "OVERSIGHT_OIDC_CLIENT_ID": CLIENT_ID,
           "OVERSIGHT_OIDC_CLIENT_SECRET": CLIENT_SECRET, "OVERSIGHT_OIDC_LABEL": "Test Identity"}
    with serving(db, folder / "serve.log", ready_path="/sign-in", env=env) as (url, _process):
        # Strict, as a real provider is: only the callback address registered for this client.
        provider.redirect_uris = {f"{url}/auth/oidc/callback"}
        yield url, db


@pytest.fixture
def browser(provider: OidcProvider):
    provider.reset()
    provider.user_claims = dict(ADMIN)
    with requests.Session() as session:
        yield session


def start(site_url: str, browser: requests.Session) -> str:
    """Ask the site to sign in with the provider: the address of the provider's /authorize."""
    response = browser.get(f"{site_url}/auth/oidc/login?next=/regional", allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"]


def approve(browser: requests.Session, authorize_url: str) -> str:
    """The provider approves the user: the address of the site's callback, with code and state."""
    response = browser.get(authorize_url, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"]


def signed_in_as(site_url: str, browser: requests.Session) -> str | None:
    """The account bar's words, or None when the site refuses the layout (nobody signed in)."""
    response = browser.get(f"{site_url}/_dash-layout", timeout=60)
    if response.status_code == 401:
        return None
    assert response.status_code == 200, response.text[:300]
    text = response.text
    at = text.index("Signed in as")
    return text[at: text.index(")", at) + 1]


def failures(db: Path) -> list[dict]:
    return audit.events(store_path(db), event="sign_in_failed", limit=1000)


def test_an_administrator_signs_in_through_the_provider_and_the_session_carries_the_mapped_role(site, provider, browser):
    site_url, db = site
    authorize = start(site_url, browser)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    callback = approve(browser, authorize)
    assert callback.startswith(f"{site_url}/auth/oidc/callback?")
    tokens_before = provider.requests.count(("POST", "/token"))
    done = browser.get(callback, allow_redirects=False, timeout=60)
    assert done.status_code == 303 and done.headers["Location"] == "/regional", done.text[:300]
    assert provider.requests.count(("POST", "/token")) == tokens_before + 1 and provider.token_errors == []
    assert signed_in_as(site_url, browser) == "Signed in as Ada Admin (national, administrator)"
    assert browser.get(f"{site_url}/admin/audit.csv", timeout=30).status_code == 200
    signed_in = audit.events(store_path(db), event="sign_in", username="ada.admin@homeoffice.gov.uk")
    assert signed_in and signed_in[0]["detail"] == "oidc" and signed_in[0]["role"] == "national"


def test_a_council_officer_signs_in_bound_to_the_authority_in_the_claims(site, provider, browser):
    site_url, db = site
    provider.user_claims = dict(COUNCIL)
    done = browser.get(approve(browser, start(site_url, browser)), allow_redirects=False, timeout=60)
    assert done.status_code == 303
    assert signed_in_as(site_url, browser) == "Signed in as Lee Officer (council: Leeds, E08000035)"
    assert browser.get(f"{site_url}/admin/audit.csv", timeout=30).status_code == 404
    event = audit.events(store_path(db), event="sign_in", username="officer@leeds.gov.uk")[0]
    assert (event["role"], event["authority_code"]) == ("council", "E08000035")


def _untrustworthy(provider: OidcProvider, case: str) -> None:
    now = int(time.time())
    if case == "wrong nonce":
        provider.tamper = {"nonce": "a-nonce-from-another-sign-in"}
    elif case == "wrong audience":
        provider.tamper = {"aud": "another-service"}
    elif case == "another audience, azp naming us":
        provider.tamper = {"aud": "another-service", "azp": CLIENT_ID}
    elif case == "wrong issuer":
        provider.tamper = {"iss": "https://login.example.com"}
    elif case == "expired":
        provider.tamper = {"iat": now - 3600, "exp": now - 600}  # well past Authlib's 2-minute leeway
    elif case == "key not in the JWKS":
        provider.sign_with = new_key("a-key-nobody-published")
    else:
        provider.sign_with = new_key(provider.key.kid)


@pytest.mark.parametrize("case, error", [
    ("wrong nonce", "InvalidClaimError"),
    ("wrong audience", "InvalidClaimError"),
    ("another audience, azp naming us", "InvalidClaimError"),
    ("wrong issuer", "InvalidClaimError"),
    ("expired", "ExpiredTokenError"),
    ("key not in the JWKS", "InvalidKeyIdError"),
    ("published key id, other key", "BadSignatureError"),
])
def test_an_id_token_the_client_must_not_trust_signs_nobody_in(site, provider, browser, case, error):
    site_url, db = site
    _untrustworthy(provider, case)
    refused_before = len(failures(db))
    done = browser.get(approve(browser, start(site_url, browser)), allow_redirects=False, timeout=60)
    assert done.status_code == 400 and "did not complete" in done.text
    assert provider.token_errors == []  # the provider answered; the site refused what it answered
    assert signed_in_as(site_url, browser) is None
    assert browser.get(f"{site_url}/regional", allow_redirects=False, timeout=30).status_code == 303
    assert len(failures(db)) == refused_before + 1 and failures(db)[0]["detail"] == f"oidc: {error}"


@pytest.mark.parametrize("case", ["replayed code", "unknown code"])
def test_a_code_the_provider_did_not_issue_for_this_sign_in_signs_nobody_in(site, provider, browser, case):
    site_url, _db = site
    if case == "replayed code":
        first = approve(browser, start(site_url, browser))
        assert browser.get(first, allow_redirects=False, timeout=60).status_code == 303
        code = parse_qs(urlsplit(first).query)["code"][0]
        browser.post(f"{site_url}/sign-out", data={"csrf_token": browser.cookies.get("oversight_csrf", "")},
                     headers={"Origin": site_url}, allow_redirects=False, timeout=30)
        browser.cookies.clear()
        assert signed_in_as(site_url, browser) is None
    else:
        code = "a-code-the-provider-never-issued"
    # A fresh sign-in, so the state is right; only the code is not this sign-in's.
    state = parse_qs(urlsplit(start(site_url, browser)).query)["state"][0]
    done = browser.get(f"{site_url}/auth/oidc/callback?{urlencode({'code': code, 'state': state})}",
                       allow_redirects=False, timeout=60)
    assert done.status_code == 400
    assert provider.token_errors == ["invalid_grant"]
    assert signed_in_as(site_url, browser) is None


def test_a_callback_whose_state_this_browser_was_not_given_is_refused_before_any_token_request(site, provider, browser):
    site_url, _db = site
    callback = approve(browser, start(site_url, browser))
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    tokens_before = provider.requests.count(("POST", "/token"))
    forged = f"{site_url}{parts.path}?{urlencode({**query, 'state': 'a-state-from-an-attacker'})}"
    assert browser.get(forged, allow_redirects=False, timeout=60).status_code == 400
    # Another browser (no session of this sign-in) bringing the genuine callback is refused too.
    with requests.Session() as other:
        assert other.get(callback, allow_redirects=False, timeout=60).status_code == 400
        assert signed_in_as(site_url, other) is None
    assert provider.requests.count(("POST", "/token")) == tokens_before
    assert signed_in_as(site_url, browser) is None


def test_a_person_the_provider_knows_but_with_no_role_here_is_refused_with_a_reason(site, provider, browser):
    site_url, _db = site
    provider.user_claims = {"sub": "u-x", "email": "someone@elsewhere.gov.uk", "roles": ["payroll.viewer"]}
    done = browser.get(approve(browser, start(site_url, browser)), allow_redirects=False, timeout=60)
    assert done.status_code == 403 and "no role in this service" in done.text
    assert signed_in_as(site_url, browser) is None
