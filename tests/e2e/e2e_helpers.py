"""Helpers for the browser tests: wait for Dash to settle, pick a dropdown option, save a screenshot."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page) -> None:
    """Wait until the page has rendered and no callback is pending (conditions, never sleeps)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => { const c = document.getElementById('_pages_content');"
        " return c && c.childElementCount > 0 && !document.querySelector('[data-dash-is-loading=\"true\"]'); }",
        polling=50,
    )


def choose(page, dropdown_id: str, label: str) -> None:
    """Pick an option of a dcc.Dropdown by its visible label, as a user would."""
    page.locator(f"#{dropdown_id}").click()
    page.get_by_role("option", name=label, exact=True).click()
