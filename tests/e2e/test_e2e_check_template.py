"""The filled-in template uploaded in the browser gets the report `oversight validate` gives it.

Two of the ways councils fill the template (tests/template_filling.py): a total typed as a formula
that was never calculated (rejected, with the formula shown and how to fix it) and unused rows left
blank (queried). Each file is chosen in the real Check a return page, and the status, the lead line
and every finding's rule must match the CLI's JSON report of the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from e2e.e2e_helpers import screenshot, settle
from etl.cli import app
from etl.template import write_template
from returns_factory import AUTHORITY, PERIOD
from template_filling import total_as_formula_without_saved_value, unused_rows_blank

pytestmark = pytest.mark.e2e

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("fill", [total_as_formula_without_saved_value, unused_rows_blank], ids=lambda f: f.__name__)
def test_a_filled_template_uploaded_in_the_browser_gets_the_cli_report(page, server_url, tmp_path: Path, fill):
    template = write_template(tmp_path / "template.xlsx", period=PERIOD, authority=AUTHORITY)
    path = tmp_path / f"{AUTHORITY}_{PERIOD}.xlsx"
    path.write_bytes(fill(template))
    cli = CliRunner().invoke(app, ["validate", str(path), "--json"])
    expected = json.loads(cli.stdout)

    page.goto(server_url + "/check")
    settle(page)
    page.locator("#check-upload input[type=file]").set_input_files(
        files=[{"name": path.name, "mimeType": XLSX, "buffer": path.read_bytes()}]
    )
    page.wait_for_selector("#check-status")
    assert page.locator("#check-status").inner_text().lower().startswith(expected["status"])
    assert " ".join(page.locator(".validation-lead").inner_text().split()) == expected["summary"]
    table = page.locator("#check-issues-table").inner_text()
    rules = page.locator("#check-issues-table tbody tr td:first-child").all_inner_texts()
    assert sorted(rules) == sorted({issue["rule"] for issue in expected["issues"]})  # one row per finding
    if expected["status"] == "rejected":
        assert "=SUM(E" in table and "save it" in table
    screenshot(page, f"check-template-{fill.__name__}")
    assert page.errors.messages == []
