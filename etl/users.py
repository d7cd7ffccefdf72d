"""The local user store: who may sign in to the dashboard, with which role, and their password hash.

Users live in the `app_user` table of the database (migration 005). They are written only through the
write session (`oversight users ...`, `etl.write_session`), never by the web service, which opens the
database read-only; every function here takes a connection so the CLI, the tests and the dashboard
(read-only lookups) share one implementation.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended option).
The seeded demonstration accounts have published passwords, so they sign in only while the database
holds synthetic data (`is_demo`; checked at sign-in by the dashboard).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .clock import utc_now
from .errors import InvalidInputError, NotFoundError
from .scored_state import contains_synthetic_data
from .settings import sql_text

ROLES = ("national", "council")
MIN_PASSWORD_LENGTH = 12  # NCSC: length, not composition rules
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte on every attempt is a denial of service
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,127}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """One user as the dashboard needs them (never the hash)."""

    username: str
    display_name: str
    role: str
    authority_code: str | None
    is_admin: bool
    is_demo: bool
    disabled_at: datetime | None
    password_changed_at: datetime

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    def to_dict(self) -> dict:
        return {
            "username": self.username, "display_name": self.display_name, "role": self.role,
            "authority_code": self.authority_code, "is_admin": self.is_admin, "is_demo": self.is_demo,
            "disabled": self.disabled_at is not None,
            "disabled_at": self.disabled_at.isoformat(sep=" ") if self.disabled_at else None,
        }


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    password: str
    role: str
    is_admin: bool
    description: str


# Published on the sign-in page of a synthetic database only; refused at sign-in on real data.
DEMO_USERS = (
    DemoUser("demo.admin", "Demo national administrator", "demo-national-admin", "national", True,
             "National analyst and administrator: every count, users, audit, refresh"),
    DemoUser("demo.analyst", "Demo national analyst", "demo-national-analyst", "national", False,
             "National analyst: every count unsuppressed"),
    DemoUser("demo.council", "Demo council officer", "demo-council-officer", "council", False,
             "Council officer: their own authority in full, others as published; submits returns"),
)


# ---- passwords ---------------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing or damaged hash still costs one hash (no timing oracle)."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        password = ""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
            "(three random words make a strong one)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")


@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import (an argon2 hash costs ~0.1 s in every process importing this module)."""
    return _hasher.hash("no user has this password, it only spends the time a real check would")


# ---- reading -----------------------------------------------------------------------------------------

def normalise_username(username: str) -> str:
    return username.strip().lower() if isinstance(username, str) else ""


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise InvalidInputError(
            f"user name {username[:60]!r} is not allowed: use 3 to 128 lower-case letters, digits and . _ @ + - "
            "(an e-mail address works)"
        )
    return name


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> tuple[User, str] | None:
    """The user and their password hash, or None (sign-in only)."""
    row = con.execute(_sql("users_get"), {"username": normalise_username(username)}).fetchone()
    if row is None:
        return None
    name, display, password_hash, role, authority, is_admin, is_demo, disabled_at, changed_at = row
    return User(name, display, role, authority, bool(is_admin), bool(is_demo), disabled_at, changed_at), password_hash


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    rows = con.execute(_sql("users_list")).fetchall()
    return [
        User(name, display, role, authority, bool(admin), bool(demo), disabled_at, changed_at)
        for name, display, role, authority, admin, demo, disabled_at, _created, _updated, changed_at in rows
    ]


# ---- writing (through the write session) ---------------------------------------------------------------

def add_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    authority_code: str | None = None,
    is_admin: bool = False,
    is_demo: bool = False,
) -> User:
    name = check_username(username)
    role, authority_code = _check_role(con, role, authority_code, is_admin)
    if get_user(con, name) is not None:
        raise InvalidInputError(f"user {name} already exists: use `oversight users set-role` or `set-password`")
    con.execute(_sql("users_insert"), {
        "username": name, "display_name": (display_name or name).strip()[:200], "password_hash": hash_password(password),
        "role": role, "authority_code": authority_code, "is_admin": is_admin, "is_demo": is_demo, "now": utc_now(),
    })
    return _require(con, name)


def set_role(
    con: duckdb.DuckDBPyConnection, username: str, role: str, *, authority_code: str | None = None, is_admin: bool = False
) -> User:
    name = _require(con, username).username
    role, authority_code = _check_role(con, role, authority_code, is_admin)
    con.execute(_sql("users_set_role"), {
        "username": name, "role": role, "authority_code": authority_code, "is_admin": is_admin, "now": utc_now(),
    })
    return _require(con, name)


def set_disabled(con: duckdb.DuckDBPyConnection, username: str, disabled: bool = True) -> User:
    """Disable (or enable again) a user; a disabled user's open sessions end at their next request."""
    name = _require(con, username).username
    con.execute(_sql("users_set_disabled"), {"username": name, "disabled": disabled, "now": utc_now()})
    return _require(con, name)


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User:
    """A new password; every session signed in before it ends."""
    name = _require(con, username).username
    con.execute(_sql("users_set_password"), {"username": name, "password_hash": hash_password(password), "now": utc_now()})
    return _require(con, name)


def seed_demo_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    """Create (or reset) the demonstration accounts; only on a database holding synthetic data."""
    if not contains_synthetic_data(con):
        raise InvalidInputError(
            "demo users have published passwords, so they are only for a database of synthetic data; "
            "add real users with `oversight users add`"
        )
    authority = con.execute(_sql("users_demo_authority")).fetchone()
    if authority is None:
        raise InvalidInputError("the database holds no current return, so there is no authority to bind the demo council user to")
    seeded = []
    for demo in DEMO_USERS:
        existing = get_user(con, demo.username)
        code = authority[0] if demo.role == "council" else None
        if existing is None:
            seeded.append(add_user(con, demo.username, demo.password, demo.role, display_name=demo.display_name,
                                   authority_code=code, is_admin=demo.is_admin, is_demo=True))
        else:
            set_role(con, demo.username, demo.role, authority_code=code, is_admin=demo.is_admin)
            set_disabled(con, demo.username, False)
            seeded.append(set_password(con, demo.username, demo.password))
    return seeded


def demo_user(username: str) -> DemoUser | None:
    return next((demo for demo in DEMO_USERS if demo.username == username), None)


# ---- helpers -----------------------------------------------------------------------------------------

def _require(con: duckdb.DuckDBPyConnection, username: str) -> User:
    found = get_user(con, username)
    if found is None:
        raise NotFoundError(f"no user {normalise_username(username)[:128]!r}: `oversight users list` shows them")
    return found[0]


def _check_role(con, role: str, authority_code: str | None, is_admin: bool) -> tuple[str, str | None]:
    if role not in ROLES:
        raise InvalidInputError(
            f"role {str(role)[:40]!r} is not one of {', '.join(ROLES)} (signed-out public access is a setting, not a user)"
        )
    if role == "national":
        if authority_code:
            raise InvalidInputError("a national user sees every authority: do not give --authority")
        return role, None
    if is_admin:
        raise InvalidInputError("only national users can be administrators")
    code = (authority_code or "").strip().upper()
    if not code:
        raise InvalidInputError("a council user is bound to one authority: give --authority GSS_CODE")
    known = con.execute("select 1 from ref_authority where gss_code = ?", [code]).fetchone()
    if known is None:
        raise InvalidInputError(f"authority {code[:20]!r} is not in the reference list: give a current GSS code, e.g. E06000043")
    return role, code


def _sql(name: str) -> str:
    return sql_text(f"users/{name}.sql")


