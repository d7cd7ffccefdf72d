"""OpenID Connect sign-in (Authlib's Flask client) and the mapping of the provider's claims to a viewer.

Authlib does the protocol: discovery, the authorisation-code flow with `state`, `nonce` and a PKCE
verifier (kept in the signed session cookie), the token request and the ID token's signature, issuer,
audience, expiry and nonce checks against the provider's published keys. `tests/test_oidc_exchange.py`
runs the whole exchange against a real provider on 127.0.0.1 (tests/support/oidc_provider.py). This module only says which provider
(`OidcConfig`, from OVERSIGHT_OIDC_* variables) and turns the verified claims into a role:

- a value of `role_claim` in `admin_values` -> national administrator;
- in `national_values` -> national;
- in `council_values` -> council, bound to the authority in `authority_claim` (a GSS code);
- none of these -> refused (the provider knows the person, but they have no role here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import flask

from dashboard.auth.config import OidcConfig
from dashboard.viewer import Viewer
from etl.errors import InvalidInputError

_GSS = re.compile(r"[EWSN][0-9]{8}")
CLIENT_NAME = "oidc"


@dataclass(frozen=True)
class OidcIdentity:
    username: str
    display_name: str
    viewer: Viewer


def _values(claim: object) -> set[str]:
    if isinstance(claim, str):
        return set(claim.replace(",", " ").split())
    if isinstance(claim, (list, tuple)):
        return {str(item) for item in claim if isinstance(item, (str, int))}
    return set()


def identity_from_claims(claims: dict, config: OidcConfig) -> OidcIdentity:
    """The viewer for verified ID-token claims; InvalidInputError when they grant no role here."""
    username = claims.get(config.username_claim) or claims.get("sub")
    if not isinstance(username, str) or not username.strip():
        raise InvalidInputError("the identity provider did not say who you are (no user name claim)")
    username = username.strip().lower()[:254]
    display = claims.get(config.name_claim)
    display = display.strip()[:200] if isinstance(display, str) and display.strip() else username
    roles = _values(claims.get(config.role_claim))
    if roles & set(config.admin_values):
        return OidcIdentity(username, display, Viewer("national", None, username, True))
    if roles & set(config.national_values):
        return OidcIdentity(username, display, Viewer("national", None, username, False))
    if roles & set(config.council_values):
        code = claims.get(config.authority_claim)
        code = code.strip().upper() if isinstance(code, str) else ""
        if not _GSS.fullmatch(code):
            raise InvalidInputError(
                "your account has the council role but no authority: ask your administrator to set "
                f"the {config.authority_claim!r} claim to your authority's GSS code"
            )
        return OidcIdentity(username, display, Viewer("council", code, username, False))
    raise InvalidInputError(
        "your account is recognised but has no role in this service: ask your administrator for access"
    )


def register(app: flask.Flask, config: OidcConfig):
    """Register the provider with Authlib on the Flask app; returns the client."""
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    return oauth.register(
        name=CLIENT_NAME,
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=config.discovery_url,
        # PKCE (RFC 7636, S256) on top of the client secret: a code stolen on its way back is useless
        # without the verifier kept in this session (OAuth 2.0 Security BCP, RFC 9700 section 2.1.1).
        client_kwargs={"scope": config.scopes, "token_endpoint_auth_method": config.token_auth_method,
                       "code_challenge_method": "S256"},
    )


def claims_options(client, config: OidcConfig) -> dict:
    """What the ID token must say besides what Authlib always checks (signature, nonce, expiry, `azp`):
    issued by our provider (the issuer its discovery document names), for this service (`aud` holds
    our client id) and about someone (`sub`). Authlib checks `aud` only by way of `azp` unless told to:
    a token for another service whose `azp` named us was accepted before (tests/test_oidc_exchange.py).
    A fresh dict each call: Authlib consumes it."""
    issuer = client.load_server_metadata().get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidInputError("the identity provider's discovery document names no issuer: "
                                "check OVERSIGHT_OIDC_DISCOVERY_URL")
    return {"iss": {"essential": True, "values": [issuer]}, "aud": {"essential": True, "values": [config.client_id]},
            "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}


def redirect_url(config: OidcConfig) -> str:
    return config.redirect_url or flask.url_for("oversight_auth.oidc_callback", _external=True)
