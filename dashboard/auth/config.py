"""Sign-in settings, from environment variables (documented in docs/security.md and docs/dashboard.md).

Every variable is parsed here, once, when the app is built; a bad value stops the start-up with a
message naming the variable (ConfigError), rather than failing on the first request.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from etl.errors import ConfigError
from etl.service_store import store_path
from etl.settings import DEFAULT_INBOX

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(name: str, default: bool, env: dict) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw[:40]!r} is not on or off: use 1 or 0")


def _number(name: str, default: float, env: dict, minimum: float = 0) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw[:40]!r} is not a number") from exc
    if value < minimum:
        raise ConfigError(f"{name}={raw[:40]!r} must be at least {minimum:g}")
    return value


def _words(raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return default
    return tuple(word for word in raw.replace(",", " ").split() if word)


@dataclass(frozen=True)
class OidcConfig:
    """OpenID Connect (Microsoft Entra ID, GOV.UK One Login...): the provider and how claims map to roles."""

    discovery_url: str
    client_id: str
    client_secret: str | None
    label: str = "your organisation's account"
    scopes: str = "openid email profile"
    redirect_url: str | None = None  # the callback address registered with the provider; else built from the request
    username_claim: str = "email"
    name_claim: str = "name"
    role_claim: str = "roles"
    national_values: tuple[str, ...] = ("oversight.national",)
    admin_values: tuple[str, ...] = ("oversight.admin",)
    council_values: tuple[str, ...] = ("oversight.council",)
    authority_claim: str = "gss_code"
    token_auth_method: str = "client_secret_basic"  # GOV.UK One Login: private_key_jwt (see docs/security.md)

    @classmethod
    def from_env(cls, env: dict) -> "OidcConfig | None":
        discovery = env.get("OVERSIGHT_OIDC_DISCOVERY_URL", "").strip()
        client_id = env.get("OVERSIGHT_OIDC_CLIENT_ID", "").strip()
        if not discovery and not client_id:
            return None
        if not discovery or not client_id:
            raise ConfigError(
                "OpenID Connect needs both OVERSIGHT_OIDC_DISCOVERY_URL (the provider's "
                ".well-known/openid-configuration address) and OVERSIGHT_OIDC_CLIENT_ID"
            )
        if not discovery.startswith("https://") and not discovery.startswith("http://127.0.0.1") \
                and not discovery.startswith("http://localhost"):
            raise ConfigError("OVERSIGHT_OIDC_DISCOVERY_URL must be an https:// address")
        return cls(
            discovery_url=discovery,
            client_id=client_id,
            client_secret=env.get("OVERSIGHT_OIDC_CLIENT_SECRET") or None,
            label=env.get("OVERSIGHT_OIDC_LABEL", "").strip() or cls.label,
            scopes=" ".join(_words(env.get("OVERSIGHT_OIDC_SCOPES"), tuple(cls.scopes.split()))),
            redirect_url=env.get("OVERSIGHT_OIDC_REDIRECT_URL", "").strip() or None,
            username_claim=env.get("OVERSIGHT_OIDC_USERNAME_CLAIM", "").strip() or cls.username_claim,
            name_claim=env.get("OVERSIGHT_OIDC_NAME_CLAIM", "").strip() or cls.name_claim,
            role_claim=env.get("OVERSIGHT_OIDC_ROLE_CLAIM", "").strip() or cls.role_claim,
            national_values=_words(env.get("OVERSIGHT_OIDC_NATIONAL_VALUES"), cls.national_values),
            admin_values=_words(env.get("OVERSIGHT_OIDC_ADMIN_VALUES"), cls.admin_values),
            council_values=_words(env.get("OVERSIGHT_OIDC_COUNCIL_VALUES"), cls.council_values),
            authority_claim=env.get("OVERSIGHT_OIDC_AUTHORITY_CLAIM", "").strip() or cls.authority_claim,
            token_auth_method=env.get("OVERSIGHT_OIDC_TOKEN_AUTH_METHOD", "").strip() or cls.token_auth_method,
        )


@dataclass(frozen=True)
class AuthConfig:
    secret_key: bytes
    store: Path
    inbox: Path
    public_access: bool = False
    local_sign_in: bool = True
    idle_minutes: float = 30
    max_session_hours: float = 12
    trusted_proxies: int = 0
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    failure_window_minutes: float = 15
    oidc: OidcConfig | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, db_path: Path | str, env: dict | None = None) -> "AuthConfig":
        env = dict(os.environ if env is None else env)
        db_path = Path(db_path)
        oidc = OidcConfig.from_env(env)
        local = _flag("OVERSIGHT_LOCAL_SIGN_IN", True, env)
        if not local and oidc is None:
            raise ConfigError("OVERSIGHT_LOCAL_SIGN_IN=0 turns off the only way to sign in: configure OVERSIGHT_OIDC_* too")
        return cls(
            secret_key=_secret_key(env, db_path),
            store=store_path(db_path),
            inbox=Path(env.get("OVERSIGHT_INBOX", "").strip() or DEFAULT_INBOX),
            public_access=_flag("OVERSIGHT_PUBLIC_ACCESS", False, env),
            local_sign_in=local,
            idle_minutes=_number("OVERSIGHT_SESSION_IDLE_MINUTES", 30, env, minimum=1),
            max_session_hours=_number("OVERSIGHT_SESSION_MAX_HOURS", 12, env, minimum=0.1),
            trusted_proxies=int(_number("OVERSIGHT_TRUSTED_PROXIES", 0, env)),
            max_failures_per_account=int(_number("OVERSIGHT_SIGNIN_MAX_FAILURES", 5, env, minimum=1)),
            max_failures_per_address=int(_number("OVERSIGHT_SIGNIN_MAX_FAILURES_PER_ADDRESS", 20, env, minimum=1)),
            failure_window_minutes=_number("OVERSIGHT_SIGNIN_FAILURE_WINDOW_MINUTES", 15, env, minimum=1),
            oidc=oidc,
        )


def _secret_key(env: dict, db_path: Path) -> bytes:
    """OVERSIGHT_SECRET_KEY (every worker and host must share it); else a per-install secret file.

    The file (`OVERSIGHT_SECRET_FILE`, default `.oversight-session-secret` beside the database) is
    created once with 32 random bytes, readable only by its owner; every worker on this host reads
    the same file, so sessions work across workers. Several hosts need the environment variable.
    """
    raw = env.get("OVERSIGHT_SECRET_KEY", "")
    if raw:
        if len(raw) < 32:
            raise ConfigError("OVERSIGHT_SECRET_KEY is too short: use at least 32 random characters "
                              "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return raw.encode("utf-8")
    path = Path(env.get("OVERSIGHT_SECRET_FILE", "").strip() or db_path.parent / ".oversight-session-secret")
    if not path.exists():
        # Written whole to a private temporary file, then linked into place: link fails if another
        # worker got there first, so every worker ends up reading the one complete secret.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_urlsafe(48).encode("ascii"))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        except OSError as exc:
            raise ConfigError(f"cannot create the session secret file {path}: {exc}; set OVERSIGHT_SECRET_KEY") from exc
        finally:
            temporary.unlink(missing_ok=True)
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise ConfigError(f"the session secret file {path} is damaged: delete it (everyone will sign in again)")
    return secret
