"""The XLSX template round trip: generated, filled in the ways councils fill it, then checked.

Each way of filling (tests/template_filling.py) gets the outcome and message a council should see,
and the same file gives the same status, lead line and findings from `oversight validate` and from
the Check a return page's callback.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.template import write_template
from returns_factory import AUTHORITY, PERIOD
from template_filling import SCENARIOS, TOTAL, categories_picked_from_the_drop_downs, total_as_formula_with_saved_value

runner = CliRunner()


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-11-29")


# --- the two ways of checking a file --------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    status: str
    lead: str
    rules: frozenset[str]
    messages: tuple[str, ...]  # one per finding (page) or the whole text (CLI)


def _words(text: str) -> str:
    return " ".join(text.split())


def cli_report(path: Path) -> tuple[Report, dict]:
    as_json = runner.invoke(app, ["validate", str(path), "--json"])
    as_text = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "1000"})
    assert as_json.exit_code == as_text.exit_code
    found = json.loads(as_json.stdout)
    assert as_json.exit_code == (1 if found["status"] == "rejected" else 0)
    report = Report(found["status"], found["summary"], frozenset(i["rule"] for i in found["issues"]), (_words(as_text.output),))
    return report, found


def _walk(component):  # noqa: ANN001 - a Dash component or plain value
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        yield from _walk(child)


def _text(component) -> str:  # noqa: ANN001
    return " ".join(str(c) for c in _walk(component) if isinstance(c, (str, int)))


def page_report(check_page, data: bytes, name: str) -> Report:  # noqa: ANN001
    url = "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + base64.b64encode(data).decode()
    tree = check_page.check_upload({"contents": url, "filename": name})
    parts = list(_walk(tree))
    status = next(c for c in parts if getattr(c, "id", None) == "check-status")
    lead = next(c for c in parts if getattr(c, "className", None) == "validation-lead")
    rows = [c for c in parts if type(c).__name__ == "Tr" and type(c.children[0].children).__name__ == "Code"]
    return Report(
        status=_text(status).split(":")[0].lower(),
        lead=_text(lead),
        rules=frozenset(row.children[0].children.children for row in rows),
        messages=tuple(_words(row.children[5].children) for row in rows),
    )


@pytest.fixture(scope="module")
def check_page(tmp_path_factory: pytest.TempPathFactory):
    import sys

    import dash
    from returns_fixtures import build_returns_db

    from dashboard import database
    from dashboard.server import create_app

    create_app(build_returns_db(tmp_path_factory.mktemp("round-trip-app") / "returns.duckdb"))
    (entry,) = [page for page in dash.page_registry.values() if page["path"] == "/check"]
    yield sys.modules[entry["module"]]
    database.reset()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "template.xlsx", period=PERIOD, authority=AUTHORITY)


@pytest.mark.parametrize("way", list(SCENARIOS))
def test_a_template_filled_the_way_councils_do_gets_the_right_outcome_from_the_cli_and_the_page(way, template, check_page, tmp_path):
    fill, expected = SCENARIOS[way]
    path = tmp_path / "E06000001_2026-09.xlsx"
    path.write_bytes(fill(template))

    cli, found = cli_report(path)
    assert (cli.status, cli.rules) == (expected.status, expected.rules), found["issues"]
    assert cli.lead.startswith(expected.lead), cli.lead
    for fragment in expected.says:
        assert fragment in cli.messages[0], fragment

    page = page_report(check_page, path.read_bytes(), path.name)
    assert (page.status, page.lead, page.rules) == (cli.status, cli.lead, cli.rules)
    for message in page.messages:  # every finding on the page is in the CLI report, word for word
        assert message in cli.messages[0]
    assert len(page.messages) == cli.messages[0].count(" error: ") + cli.messages[0].count(" query: ")


def test_a_spare_transfer_row_typed_0_reads_as_no_transfer_and_a_picked_one_as_a_transfer(template, tmp_path):
    from etl.validate import validate_file

    path = tmp_path / "filled.xlsx"
    path.write_bytes(categories_picked_from_the_drop_downs(template))
    transfers = [(r.section, r.count) for r in validate_file(path).rows if r.section.startswith("transfer")]
    assert transfers == [("transfer_in", 2)]


def test_a_saved_formula_result_is_the_count_that_loads(template, tmp_path):
    from etl.validate import validate_file

    path = tmp_path / "filled.xlsx"
    path.write_bytes(total_as_formula_with_saved_value(template))
    assert [r.count for r in validate_file(path).rows if r.section == "total"] == [TOTAL]
