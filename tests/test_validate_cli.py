"""`oversight validate FILE [--json]`: the readable report, the JSON shape and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli import app
from returns_factory import canonical_rows, drop_section, return_csv, set_count

runner = CliRunner()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-11-29")


def test_an_accepted_return_exits_0_with_a_readable_report(tmp_path):
    result = runner.invoke(app, ["validate", str(write(tmp_path, "good.csv", return_csv()))])
    assert result.exit_code == 0, result.output
    assert "ACCEPTED" in result.output and "E06000001" in result.output


def test_a_queried_return_exits_0_and_lists_its_queries(tmp_path):
    text = return_csv(rows=set_count(canonical_rows(12), "sex", "MALE", 40))
    result = runner.invoke(app, ["validate", str(write(tmp_path, "queried.csv", text))])
    assert result.exit_code == 0 and "QUERIED" in result.output and "Q201" in result.output


def test_a_rejected_return_exits_1_and_says_how_to_fix_it(tmp_path):
    text = return_csv(rows=drop_section(canonical_rows(), "total"))
    result = runner.invoke(app, ["validate", str(write(tmp_path, "bad.csv", text))])
    assert result.exit_code == 1 and "REJECTED" in result.output and "E107" in result.output
    assert "How to fix" in result.output


def test_json_output_has_the_documented_shape(tmp_path):
    text = return_csv(period="2026-11", rows=set_count(canonical_rows(), "sex", "MALE", "x"))
    result = runner.invoke(app, ["validate", str(write(tmp_path, "bad.csv", text)), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"file", "authority_code", "period", "status", "issues"}
    assert (report["file"], report["authority_code"], report["period"], report["status"]) == ("bad.csv", "E06000001", "2026-11", "rejected")
    assert {"E106", "E113"} <= {issue["rule"] for issue in report["issues"]}
    for issue in report["issues"]:
        assert set(issue) == {"rule", "severity", "row", "column", "value", "message", "hint"}


def test_a_missing_file_is_reported_as_rejected_not_a_crash(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.csv"), "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["issues"][0]["rule"] == "E101"
