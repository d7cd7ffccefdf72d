"""A small but genuine OpenID Connect provider for tests: a real HTTP server on 127.0.0.1.

It serves discovery (`/.well-known/openid-configuration`), `/authorize` (approves the configured user
at once and redirects back with a one-time code and the client's state), `/token` (checks the code,
the client's id and secret, the redirect address and the PKCE verifier, then answers with an
RS256-signed ID token carrying iss, sub, aud, iat, exp and the nonce) and `/jwks` (the public key).
The key pair is generated when the provider is made. Codes are single-use and expire after a minute.

`tamper` changes the next ID tokens, for the tests of what a client must refuse: another audience,
another nonce, an expired token, a token signed by a key the provider does not publish.
Test support only: nothing here is part of the shipped service.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import flask
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CODE_LIFETIME_S = 60
TOKEN_LIFETIME_S = 300


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued: float
    used: bool = False


@dataclass
class OidcProvider:
    client_id: str
    client_secret: str
    user_claims: dict  # the signed-in user's claims (besides iss, sub, aud, iat, exp, nonce)
    redirect_uris: set[str] = field(default_factory=set)  # empty: any address (set it to be strict)
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: new_key("test-signing-key"))
    tamper: dict = field(default_factory=dict)  # claims to override in the next ID tokens
    sign_with: RSAKey | None = None  # sign with this key instead of the published one
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    token_errors: list[str] = field(default_factory=list)  # why /token refused, newest last

    def __post_init__(self) -> None:
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def reset(self) -> None:
        self.tamper, self.sign_with = {}, None
        self.token_errors.clear()

    # ---- the HTTP application ------------------------------------------------------------------------

    def app(self) -> flask.Flask:
        app = flask.Flask("test_oidc_provider")

        @app.before_request
        def note() -> None:
            self.requests.append((flask.request.method, flask.request.path))

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return flask.jsonify({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile"],
            })

        @app.get("/jwks")
        def jwks():
            return flask.jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            args = flask.request.args
            redirect_uri = args.get("redirect_uri", "")
            if args.get("client_id") != self.client_id or not redirect_uri or (
                    self.redirect_uris and redirect_uri not in self.redirect_uris):
                # Never redirect to an address the client did not register (RFC 6749 section 4.1.2.1).
                return flask.Response("unknown client or redirect address", status=400)
            back = {"state": args["state"]} if "state" in args else {}
            if args.get("response_type") != "code" or "openid" not in args.get("scope", "").split():
                return flask.redirect(f"{redirect_uri}?{urlencode({'error': 'invalid_request', **back})}")
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._grants[code] = _Grant(self.client_id, redirect_uri, args.get("nonce"),
                                            args.get("code_challenge"), args.get("code_challenge_method"), time.time())
            return flask.redirect(f"{redirect_uri}?{urlencode({'code': code, **back})}")

        @app.post("/token")
        def token():
            form = flask.request.form
            client_id, secret = self._client_credentials()
            if client_id != self.client_id or not secrets.compare_digest(secret or "", self.client_secret):
                return self._refuse("invalid_client", status=401)
            if form.get("grant_type") != "authorization_code":
                return self._refuse("unsupported_grant_type")
            with self._lock:
                grant = self._grants.get(form.get("code", ""))
                fresh = grant is not None and not grant.used and time.time() - grant.issued < CODE_LIFETIME_S
                if grant is not None:
                    grant.used = True  # single use, whatever happens next
            if not fresh or grant.client_id != client_id:
                return self._refuse("invalid_grant")
            if form.get("redirect_uri") != grant.redirect_uri:
                return self._refuse("invalid_grant")
            if grant.code_challenge is not None:
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if grant.code_challenge_method != "S256" or not secrets.compare_digest(digest, grant.code_challenge):
                    return self._refuse("invalid_grant")
            return flask.jsonify({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                                  "expires_in": TOKEN_LIFETIME_S, "id_token": self.id_token(grant.nonce),
                                  "scope": "openid email profile"})

        return app

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": self.user_claims.get("sub", "user-1"), "aud": self.client_id,
                  "iat": now, "exp": now + TOKEN_LIFETIME_S, **self.user_claims}
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(self.tamper)
        key = self.sign_with or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _client_credentials(self) -> tuple[str | None, str | None]:
        auth = flask.request.authorization
        if auth is not None and auth.type == "basic":
            return auth.username, auth.password
        return flask.request.form.get("client_id"), flask.request.form.get("client_secret")

    def _refuse(self, error: str, status: int = 400) -> flask.Response:
        self.token_errors.append(error)
        response = flask.jsonify({"error": error})
        response.status_code = status
        return response


@contextmanager
def running(provider: OidcProvider) -> Iterator[OidcProvider]:
    """Serve the provider on a free port of 127.0.0.1 in a thread; its issuer is set to that address."""
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
