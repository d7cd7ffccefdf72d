"""OpenID Connect, offline: settings from the environment, the redirect Authlib builds to the provider
(discovery served by a local HTTP server on 127.0.0.1), and the mapping of claims to a viewer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.auth.config import AuthConfig, OidcConfig
from dashboard.auth.oidc import identity_from_claims
from etl.db import sync_reference
from etl.errors import ConfigError, InvalidInputError
from etl.write_session import write_session

ENV = {
    "OVERSIGHT_OIDC_DISCOVERY_URL": "https://login.example.gov.uk/.well-known/openid-configuration",
    "OVERSIGHT_OIDC_CLIENT_ID": "oversight-dashboard",
    "OVERSIGHT_OIDC_CLIENT_SECRET": "s3cret",
}


def config(**extra: str) -> OidcConfig:
    return OidcConfig.from_env({**ENV, **extra})


def test_oidc_is_off_unless_configured_and_needs_both_address_and_client():
    assert OidcConfig.from_env({}) is None
    with pytest.raises(ConfigError, match="OVERSIGHT_OIDC_CLIENT_ID"):
        OidcConfig.from_env({"OVERSIGHT_OIDC_DISCOVERY_URL": ENV["OVERSIGHT_OIDC_DISCOVERY_URL"]})
    with pytest.raises(ConfigError, match="https"):
        OidcConfig.from_env({**ENV, "OVERSIGHT_OIDC_DISCOVERY_URL": "http://login.example.gov.uk/x"})


def test_claim_mapping_settings_are_read_from_the_environment():
    parsed = config(OVERSIGHT_OIDC_ROLE_CLAIM="groups", OVERSIGHT_OIDC_NATIONAL_VALUES="ho-analysts, lga-analysts",
                    OVERSIGHT_OIDC_AUTHORITY_CLAIM="ons_code", OVERSIGHT_OIDC_SCOPES="openid email")
    assert parsed.role_claim == "groups" and parsed.national_values == ("ho-analysts", "lga-analysts")
    assert parsed.authority_claim == "ons_code" and parsed.scopes == "openid email"
    assert parsed.client_secret == "s3cret"


@pytest.mark.parametrize("name, value", [("OVERSIGHT_PUBLIC_ACCESS", "perhaps"), ("OVERSIGHT_SESSION_IDLE_MINUTES", "0"),
                                         ("OVERSIGHT_SECRET_KEY", "short"), ("OVERSIGHT_LOCAL_SIGN_IN", "0")])
def test_a_bad_setting_stops_the_start_up_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        AuthConfig.from_env(tmp_path / "o.duckdb", {name: value})


def test_the_session_secret_is_generated_once_per_install_and_kept_private(tmp_path):
    first = AuthConfig.from_env(tmp_path / "o.duckdb", {})
    second = AuthConfig.from_env(tmp_path / "o.duckdb", {})
    secret_file = tmp_path / ".oversight-session-secret"
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 48
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert AuthConfig.from_env(tmp_path / "o.duckdb", {"OVERSIGHT_SECRET_KEY": "x" * 40}).secret_key == b"x" * 40
    assert AuthConfig.from_env(tmp_path / "o.duckdb", {}).public_access is False


@pytest.mark.parametrize("claims, expected", [
    ({"email": "Ana@HomeOffice.gov.uk", "roles": ["oversight.national"]}, ("national", None, False)),
    ({"email": "boss@homeoffice.gov.uk", "roles": ["oversight.national", "oversight.admin"]}, ("national", None, True)),
    ({"email": "o@leeds.gov.uk", "roles": "oversight.council", "gss_code": "e08000035"}, ("council", "E08000035", False)),
])
def test_claims_map_to_the_role_and_authority(claims, expected):
    identity = identity_from_claims(claims, config())
    assert (identity.viewer.role, identity.viewer.authority_code, identity.viewer.is_admin) == expected
    assert identity.username == claims["email"].lower() and identity.viewer.user_id == identity.username


@pytest.mark.parametrize("claims, message", [
    ({"email": "x@y.gov.uk", "roles": ["something.else"]}, "no role in this service"),
    ({"email": "x@y.gov.uk", "roles": ["oversight.council"]}, "no authority"),
    ({"email": "x@y.gov.uk", "roles": ["oversight.council"], "gss_code": "Leeds"}, "no authority"),
    ({"roles": ["oversight.national"]}, "did not say who you are"),
])
def test_claims_that_grant_no_role_are_refused(claims, message):
    with pytest.raises(InvalidInputError, match=message):
        identity_from_claims(claims, config())


class _Discovery(BaseHTTPRequestHandler):
    issuer = ""

    def do_GET(self):  # noqa: N802 - the http.server API
        body = json.dumps({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    _Discovery.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Discovery.issuer
    server.shutdown()
    server.server_close()


def test_sign_in_with_the_provider_redirects_with_state_nonce_and_the_registered_callback(tmp_path, provider, monkeypatch):
    from dashboard import database
    from dashboard.server import create_app

    db = tmp_path / "oversight.duckdb"
    with write_session(db, "test") as con:
        sync_reference(con)
    monkeypatch.setenv("OVERSIGHT_OIDC_DISCOVERY_URL", f"{provider}/.well-known/openid-configuration")
    monkeypatch.setenv("OVERSIGHT_OIDC_CLIENT_ID", "oversight-dashboard")
    monkeypatch.setenv("OVERSIGHT_OIDC_LABEL", "GOV.UK One Login")
    try:
        client = create_app(db).server.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        assert "Sign in with GOV.UK One Login" in page
        response = client.get("/auth/oidc/login?next=/regional")
        assert response.status_code == 302
        target = urlsplit(response.headers["Location"])
        query = parse_qs(target.query)
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider}/authorize"
        assert query["client_id"] == ["oversight-dashboard"] and query["response_type"] == ["code"]
        assert query["redirect_uri"] == ["http://localhost/auth/oidc/callback"]
        assert query["scope"] == ["openid email profile"]
        assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
        # A callback with a state the session never issued is refused, and nobody is signed in.
        refused = client.get("/auth/oidc/callback?code=abc&state=forged")
        assert refused.status_code == 400
        assert client.get("/regional").status_code == 303
    finally:
        database.reset()
