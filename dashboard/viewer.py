"""Who is looking: the signed-in viewer, their role and what they are entitled to see.

The contract between sign-in (which sets the viewer for each request), the data-access layer and
exports (which ask what the viewer may see) and disclosure control (which suppresses what they may not):

- `Viewer.role` is `national`, `council` or `public`; a council viewer is bound to one authority.
- `viewer.entitled_to(code)` says whether the viewer may see that authority's counts unsuppressed.
- `current_viewer()` is the viewer of the request being served. Sign-in stores it on `flask.g.viewer`
  in a `before_request` hook; inside a request where nobody set it the viewer is `public` (the safe
  default). Outside any request (the CLI, library calls from tests and benchmarks) it is whatever
  `viewing_as` bound, else `Viewer.national()`: code run outside the web server is run by the data team.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import flask

ROLES = ("national", "council", "public")


@dataclass(frozen=True)
class Viewer:
    """One viewer: role, the authority a council user is bound to, and whether they administer users."""

    role: str
    authority_code: str | None = None
    user_id: str | None = None
    is_admin: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")
        if self.role == "council" and not self.authority_code:
            raise ValueError("a council viewer must be bound to an authority")

    @classmethod
    def national(cls, user_id: str | None = None, is_admin: bool = False) -> "Viewer":
        return cls("national", None, user_id, is_admin)

    @classmethod
    def council(cls, authority_code: str, user_id: str | None = None) -> "Viewer":
        return cls("council", authority_code, user_id, False)

    @classmethod
    def public(cls) -> "Viewer":
        return cls("public")

    @property
    def sees_everything(self) -> bool:
        """National viewers see every count unsuppressed."""
        return self.role == "national"

    def entitled_to(self, authority_code: str | None) -> bool:
        """May this viewer see `authority_code`'s counts in full (no small-count suppression)?"""
        if self.role == "national":
            return True
        return self.role == "council" and authority_code is not None and authority_code == self.authority_code

    @property
    def cache_key(self) -> str:
        """What distinguishes the data this viewer gets: use it in any cache of viewer-dependent results."""
        if self.role == "national":
            return "national"
        if self.role == "council":
            return f"council:{self.authority_code}"
        return "public"


_bound: contextvars.ContextVar[Viewer | None] = contextvars.ContextVar("oversight_viewer", default=None)


def current_viewer() -> Viewer:
    """The viewer of the request being served (public when sign-in set none); outside a request, see module doc."""
    if flask.has_request_context():
        viewer = flask.g.get("viewer")
        return viewer if isinstance(viewer, Viewer) else Viewer.public()
    return _bound.get() or Viewer.national()


@contextmanager
def viewing_as(viewer: Viewer) -> Iterator[Viewer]:
    """Run library code (tests, benchmarks) as `viewer` outside a web request."""
    token = _bound.set(viewer)
    try:
        yield viewer
    finally:
        _bound.reset(token)
