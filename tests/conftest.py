"""Shared fixtures: a fixed 'today', the small synthetic database that page, callback and query tests
run on, and the full synthetic demo for the few tests that need the whole national picture (marked
`slow`, still run by `make test`). Each is built once per test session, only when a test asks for it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Returns are for completed months, so "today" decides which periods are in the future. Fix it so the
# suite gives the same answer next year; a test that needs another date sets its own.
os.environ.setdefault("OVERSIGHT_TODAY", "2026-11-29")
# Web submissions and the site's refresh use this inbox: never the repository's data/inbox in tests.
os.environ.setdefault("OVERSIGHT_INBOX", tempfile.mkdtemp(prefix="oversight-test-inbox-"))

DEMO_START = "2021-04"
DEMO_END = "2026-10"
SMALL_START = "2025-10"  # 13 months: every rolling 12-month window of the last month is complete


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full synthetic national demo loaded through the real pipeline (demo -> refresh -> score).

    Returns the folder holding `inbox/` (emptied into `archive/` and `quarantine/` by the refresh),
    `ground_truth.csv` and `oversight.duckdb`. Built once per session: it is the slowest fixture.
    """
    from etl.demo import generate_demo
    from etl.load import refresh

    root = tmp_path_factory.mktemp("demo")
    inbox = root / "inbox"
    generate_demo(inbox, seed=20261129, start=DEMO_START, end=DEMO_END)
    refresh(inbox, root / "oversight.duckdb")
    from auth_helpers import seed_demo_users

    seed_demo_users(root / "oversight.duckdb")  # one sign-in per role (docs/security.md)
    return root


@pytest.fixture(scope="session")
def demo_db(demo_dir: Path) -> Path:
    """Path of the full demo database (treat it as read-only)."""
    return demo_dir / "oversight.duckdb"


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic database (tests/small_demo.py): a handful of authorities' returns for
    SMALL_START..DEMO_END through the real pipeline (demo -> refresh -> score), with the demo accounts.

    For page, callback and query tests (treat it as read-only): it builds in a fraction of the full
    demo's time. A test that needs the whole national collection uses `demo_db` and is marked `slow`."""
    from small_demo import build_small_demo

    db = build_small_demo(tmp_path_factory.mktemp("small"), start=SMALL_START, end=DEMO_END)
    from auth_helpers import seed_demo_users

    seed_demo_users(db)
    return db


@pytest.fixture(scope="module")
def small_con(small_db: Path):
    """A read-only connection to the small synthetic database, for one test module."""
    import duckdb

    connection = duckdb.connect(str(small_db), read_only=True)
    yield connection
    connection.close()
