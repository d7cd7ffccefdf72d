"""Explaining a score: points lost by dimension and rule, largest first, down to the rows of the return."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from etl.errors import NotFoundError
from etl.scoring import explain_score
from scoring_builder import clean_rows, load, query, set_section, write_return

CODE, SEP = "E06000001", "2026-09"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explain")
    rows = set_section(clean_rows(40), "age_band", {"AGE_11_15": 28, "NOT_RECORDED": 12})
    rows = set_section(rows, "sex", {"MALE": 30, "NOT_RECORDED": 10})
    database = folder / "oversight.duckdb"
    # 6 days late: timeliness 100 x (1 - 6/30) = 80.0
    load(database, [write_return(folder / "inbox", CODE, SEP, rows, received=datetime(2026, 10, 21, 12, 0))])
    return database


def test_points_lost_come_largest_first_with_the_fix(db: Path) -> None:
    explanation = explain_score(db, CODE, SEP)
    lost = [(c.dimension, c.rule_id, round(c.points_lost, 3)) for c in explanation.components]
    # completeness: age 12/40/5 = 6.0 (composite 6.0 x 0.25/0.90 = 1.667), sex 10/40/5 = 5.0 (1.389);
    # timeliness 20.0 (20 x 0.10/0.90 = 2.222)
    assert lost == [("timeliness", "late", 20.0), ("completeness", "not_recorded.age_band", 6.0),
                    ("completeness", "not_recorded.sex", 5.0)]
    assert explanation.components[1].composite_points == pytest.approx(6.0 * 0.25 / 0.9)
    assert "+6.0 completeness if recorded" in explanation.components[1].detail
    assert explanation.components[1].fix.startswith("Record the age band")


def test_each_cause_points_at_the_return_row_that_cost_it(db: Path) -> None:
    cause = explain_score(db, CODE, SEP).components[1]
    row = query(db, "select section, category, count from return_count where submission_id = $s and source_row = $r",
                {"s": cause.submission_id, "r": cause.row_number})
    assert row == [("age_band", "NOT_RECORDED", 12)]
    assert cause.file_name == f"{CODE}_{SEP}.csv"


def test_composite_and_band_match_the_stored_score(db: Path) -> None:
    explanation = explain_score(db, CODE, SEP)
    # completeness (4 + 0.7 + 0.75) / 5 = 89.0; timeliness 80.0; the rest 100 (no transfers)
    # composite (0.25 x 89 + 0.10 x 80 + 0.55 x 100) / 0.90 = 85.25 / 0.90 = 94.72
    assert explanation.dimensions["completeness"] == pytest.approx(89.0)
    assert explanation.composite == pytest.approx(85.25 / 0.9)
    assert explanation.band == "Good"


def test_explanation_renders_and_serialises(db: Path) -> None:
    explanation = explain_score(db, CODE, SEP, window="rolling12")
    data = json.loads(json.dumps(explanation.to_dict()))
    assert data["window"] == "rolling12" and data["components"][0]["rule_id"] == "late"
    console = Console(record=True, width=200)
    console.print(explanation.render())
    assert "Points lost, largest first" in console.export_text()


def test_unknown_authority_is_a_clear_error(db: Path) -> None:
    with pytest.raises(NotFoundError, match="no authority with GSS code"):
        explain_score(db, "E99999999", SEP)


@pytest.mark.parametrize("written", ["805", "hartlepool", "e06000001"])  # Hartlepool's DfE number, name, lower case
def test_an_authority_is_found_by_dfe_number_or_name_as_the_validator_resolves_it(db: Path, written: str) -> None:
    explanation = explain_score(db, written, SEP)
    assert (explanation.authority_code, explanation.authority_name) == (CODE, "Hartlepool")


def test_without_a_period_the_latest_month_scored_is_explained(db: Path) -> None:
    latest = query(db, "select max(period) from score where authority_code = ? and \"window\" = 'month'", [CODE])[0][0]
    assert explain_score(db, CODE).period == f"{latest:%Y-%m}"
    from typer.testing import CliRunner

    from etl.cli import app

    result = CliRunner().invoke(app, ["explain", "--authority", CODE, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["period"] == f"{latest:%Y-%m}"


def test_a_month_with_no_score_names_the_latest_that_has_one(db: Path) -> None:
    latest = query(db, "select max(period) from score where authority_code = ?", [CODE])[0][0]
    with pytest.raises(NotFoundError, match=f"its latest score is for {latest:%Y-%m}"):
        explain_score(db, CODE, "2019-01")


@pytest.mark.parametrize("window", ["month", "rolling12"])
def test_explain_command_passes_the_window_on(db: Path, window: str) -> None:
    from typer.testing import CliRunner

    from etl.cli import app

    result = CliRunner().invoke(
        app, ["explain", "--authority", CODE, "--period", SEP, "--window", window, "--db", str(db), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["window"] == window
    assert data == json.loads(json.dumps(explain_score(db, CODE, SEP, window=window).to_dict()))


def test_explain_command_defaults_to_the_month_and_refuses_another_window(db: Path) -> None:
    from typer.testing import CliRunner

    from etl.cli import app

    runner = CliRunner()
    default = runner.invoke(app, ["explain", "--authority", CODE, "--period", SEP, "--db", str(db), "--json"])
    assert default.exit_code == 0 and json.loads(default.stdout)["window"] == "month"
    refused = runner.invoke(app, ["explain", "--authority", CODE, "--period", SEP, "--db", str(db), "--window", "year"])
    assert refused.exit_code == 2
    assert "rolling12" in refused.output


def test_explain_lists_the_months_flags_and_observed_practice_with_intervals(tmp_path: Path) -> None:
    # a declared family-flag practice that the return contradicts is shown with both numbers
    from scoring_builder import clean_rows as rows_of

    folder = tmp_path / "inbox"
    files = []
    # four months, so the evidence is sustained (beyond the limit in September and three months before)
    for period, received in (("2026-06", datetime(2026, 7, 10)), ("2026-07", datetime(2026, 8, 10)),
                             ("2026-08", datetime(2026, 9, 10)), (SEP, datetime(2026, 10, 10))):
        for code in [f"E0600000{n}" for n in range(1, 9)]:
            rows = rows_of(40)
            if code == "E06000001":
                rows = [(s, c, 0 if (s, c) == ("flag", "FAMILY_MEMBER_KNOWN_TO_PREVENT") else n) for s, c, n in rows]
            files.append(write_return(folder, code, period, rows, received=received))
    database = tmp_path / "oversight.duckdb"
    load(database, files)
    explanation = explain_score(database, "E06000001", SEP)
    observed = {m.measure: m for m in explanation.observed}
    family = observed["share_family_member_known"]
    # 12 months to September: four returns of 40 concerns, none flagged
    assert (family.value, family.numerator, family.denominator) == (0.0, 0.0, 160.0)
    assert family.lower95 == 0.0 and 0 < family.upper95 < 3  # Wilson 95%: 0 to 2.3
    assert family.england == pytest.approx(100 * 7 * 10 * 4 / (8 * 160))  # the seven others flag 10 of 40 each
    # binomial (the others agree, so tau2 = 0): June, 0 of 40 at 21.9%: 0.78125^40 = 5e-5; September,
    # 0 of 160: both beyond the 0.001 tail, so the evidence is sustained (three months apart)
    flags = {(f.flag_type, f.measure): f.detail for f in explanation.flags}
    assert ("practice_contradiction", "SYSTEM_FLAGS_FAMILY_MEMBERS") in flags
    assert "0 of 160 (0.0%)" in flags[("practice_contradiction", "SYSTEM_FLAGS_FAMILY_MEMBERS")]
    console = Console(record=True, width=200)
    console.print(explanation.render())
    text = console.export_text()
    assert "Flags this month" in text and "Observed practice" in text
    assert json.loads(json.dumps(explanation.to_dict()))["flags"]


def test_one_month_beyond_the_limit_is_not_yet_a_practice_flag(tmp_path: Path) -> None:
    # the same absence in a single month (0 of 40 against 21.9%: P = 5e-5) is beyond the limit, but there
    # is no evaluation three months earlier to sustain it: no flag, no points lost for the contradiction
    from scoring_builder import clean_rows as rows_of

    files = []
    for code in [f"E0600000{n}" for n in range(1, 9)]:
        rows = rows_of(40)
        if code == "E06000001":
            rows = [(s, c, 0 if (s, c) == ("flag", "FAMILY_MEMBER_KNOWN_TO_PREVENT") else n) for s, c, n in rows]
        files.append(write_return(tmp_path / "inbox", code, SEP, rows, received=datetime(2026, 10, 10)))
    database = tmp_path / "oversight.duckdb"
    load(database, files)
    explanation = explain_score(database, "E06000001", SEP)
    assert [f for f in explanation.flags if f.flag_type.startswith("practice")] == []
    assert not [c for c in explanation.components if c.rule_id.startswith("practice_contradiction")]
