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
    assert set(report) == {"file", "authority_code", "period", "status", "issues", "summary"}
    assert report["summary"].startswith("This return would be rejected")
    assert (report["file"], report["authority_code"], report["period"], report["status"]) == ("bad.csv", "E06000001", "2026-11", "rejected")
    assert {"E106", "E113"} <= {issue["rule"] for issue in report["issues"]}
    for issue in report["issues"]:
        assert set(issue) == {"rule", "severity", "row", "column", "value", "message", "hint"}


@pytest.mark.parametrize("make", [lambda tmp: tmp / "missing.csv", lambda tmp: tmp], ids=["missing", "folder"])
def test_a_path_that_is_not_a_file_exits_2_and_says_the_path_is_wrong(tmp_path, make):
    result = runner.invoke(app, ["validate", str(make(tmp_path))])
    said = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 2
    assert "rejected" not in said.lower() and "save" not in said.lower()
    assert ("no such file" in said) or ("is a folder, not a return file" in said)


def test_the_report_leads_with_one_line_to_act_on_and_groups_rows(tmp_path):
    rows = [(section, category, "") for section, category, _ in canonical_rows()]
    result = runner.invoke(app, ["validate", str(write(tmp_path, "blank.csv", return_csv(rows=rows)))])
    assert result.exit_code == 1
    said = " ".join(result.output.split())  # rich wraps long lines
    assert said.startswith("REJECTED") and said.index("The counts are not filled in yet") < said.index("File blank.csv")
    assert said.count("E106 error") == 1 and f"and {len(rows) - 8} more" in said


def test_a_device_is_named_as_not_a_regular_file_not_as_missing():
    result = runner.invoke(app, ["validate", "/dev/null"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "/dev/null is not a regular file" in said and "no such file" not in said
