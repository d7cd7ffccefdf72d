"""Shared fixtures: a fixed 'today' and the synthetic demo database built once per test session."""

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
