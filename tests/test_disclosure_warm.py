"""The disclosure pattern (about 10 s on the full demo) is built in the background when the app starts
and when the ETL swaps in a new database file, so the first council or public request does not wait."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # on the full demo database (built once per session); kept in make test


def test_the_pattern_is_built_after_app_creation_without_any_request(demo_db: Path):
    from dashboard import database
    from dashboard.server import create_app

    database.reset()
    create_app(demo_db)
    from dashboard.queries.disclosure import PATTERN_KEY

    assert database.wait_for_warming(timeout=600)  # a condition, not a timing: the warmer has finished
    assert database.is_cached(PATTERN_KEY, shared=True)


def test_the_pattern_is_built_again_when_the_database_file_is_swapped(demo_db: Path, tmp_path: Path):
    from dashboard import database
    from dashboard.queries import disclosure as disclosure_queries

    served = tmp_path / "oversight.duckdb"
    shutil.copyfile(demo_db, served)
    database.reset()
    database.configure(served)
    assert database.wait_for_warming(timeout=600)
    before = database.version()

    fresh = tmp_path / "fresh.duckdb"
    shutil.copyfile(demo_db, fresh)
    os.replace(fresh, served)  # as the ETL's write session swaps in a new file
    assert database.version() != before  # the dashboard notices the swap (a new file identity)
    assert database.wait_for_warming(timeout=600)
    assert database.is_cached(disclosure_queries.PATTERN_KEY, shared=True)
    database.reset()
