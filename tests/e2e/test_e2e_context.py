"""In Chromium: the real published context beside the synthetic returns (authority panel, per-1,000-referrals
funnel with the Prevent priority area filter), on a copy of the demo database with the real files imported."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.live_server import serving
from e2e.conftest import _new_page
from e2e.e2e_helpers import choose, screenshot, settle
from etl.context import import_context_files
from etl.settings import REFERENCE_DIR

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def context_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("context-e2e")
    db = root / "oversight.duckdb"
    shutil.copyfile(demo_db, db)
    files = sorted(p for p in (REFERENCE_DIR / "context").glob("*.csv") if not p.name.endswith(".meta.csv"))
    assert [r.status for r in import_context_files(files, db)] == ["imported", "imported"]
    with serving(db, root / "serve.log") as (url, _):
        yield url


@pytest.fixture
def page(browser, context_url) -> Iterator[object]:
    """A page signed in through the real sign-in page of this module's own server."""
    context, page = _new_page(browser, context_url)
    yield page
    context.close()


def test_the_authority_panel_shows_real_figures_against_comparators(page, context_url) -> None:
    page.goto(context_url + "/authority?code=E08000025")
    settle(page)
    panel = page.locator("#authority-context-section")
    panel.locator("table").first.wait_for()
    text = panel.inner_text()
    assert "Real published figures" in text and "Birmingham is a Prevent priority area" in text
    for heading in ("West Midlands", "Neighbours' mean", "England"):
        assert heading in text
    assert "Children in need at 31 March per 10,000 children" in text
    screenshot(page, "authority-context")
    assert page.errors.messages == []


def test_the_priority_area_filter_narrows_the_referrals_funnel(page, context_url) -> None:
    page.goto(context_url + "/regional")
    settle(page)
    summary = page.locator("#regional-referrals-funnel-summary")
    summary.wait_for()
    assert "authorities shown (all authorities)" in summary.inner_text()
    choose(page, "regional-priority-filter", "Prevent priority areas only")
    page.wait_for_function("() => document.querySelector('#regional-referrals-funnel-summary')"
                           ".innerText.includes('prevent priority areas only')")
    assert summary.inner_text().startswith("29 authorities shown")
    assert "priority=priority" in page.url
    screenshot(page, "regional-referrals")
    assert page.errors.messages == []
