"""The risk-adjusted funnel comparison ([funnel] comparator = "risk_adjusted", the shipped default): an
authority recording well below what its region's other authorities record is flagged against that
expectation even when England's rate (pulled down by a lower-recording region) would not flag it, and
the flag names both numbers."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from etl.periods import add_months, format_period, parse_period
from etl.reference import load_reference
from etl.scoring import rescore_database
from etl.scoring.config import SCORING_CONFIG
from scoring_builder import clean_rows, load, query, write_return

START = parse_period("2023-11")
MONTHS = 24
# Two regions recording at different rates, each authority exactly in line with its region: the North
# East at 1.2 concerns a month per 1,000 children, the South West at 0.6 (priority areas left out).
NORTH_EAST = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000047", "E06000057",
              "E08000022", "E08000023", "E08000024", "E08000037"]
SOUTH_WEST = ["E06000022", "E06000024", "E06000025", "E06000026", "E06000027", "E06000030", "E06000052",
              "E06000054", "E10000008", "E10000013"]
LOW = "E08000024"  # Sunderland: records 70% of what its region's other authorities record
RATE = {**{code: 1.2e-3 for code in NORTH_EAST}, **{code: 0.6e-3 for code in SOUTH_WEST}}


def monthly(code: str) -> int:
    children = load_reference().population(code, 2024)
    return round(children * RATE[code] * (0.7 if code == LOW else 1.0))


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("risk")
    files = []
    for code in NORTH_EAST + SOUTH_WEST:
        for index in range(MONTHS):
            period = add_months(START, index)
            following = add_months(period, 1)
            files.append(write_return(folder / "inbox", code, format_period(period), clean_rows(monthly(code)),
                                      received=datetime(following.year, following.month, 5)))
    adjusted = folder / "adjusted.duckdb"
    load(adjusted, files)  # the shipped configuration: comparator = "risk_adjusted"
    england = folder / "england.duckdb"
    england.write_bytes(adjusted.read_bytes())
    config = folder / "england.toml"
    config.write_text(re.sub(r'(?m)^comparator = .*$', 'comparator = "england"', SCORING_CONFIG.read_text(encoding="utf-8")),
                      encoding="utf-8")
    rescore_database(england, config)
    pooled = folder / "pooled.duckdb"
    pooled.write_bytes(adjusted.read_bytes())
    config = folder / "pooled.toml"
    config.write_text(re.sub(r'(?m)^flag_window_months = .*$', 'flag_window_months = 24', SCORING_CONFIG.read_text(encoding="utf-8")),
                      encoding="utf-8")
    rescore_database(pooled, config)
    return {"england": england, "adjusted": adjusted, "pooled": pooled}


def test_only_the_total_rate_raises_the_significantly_low_flag(databases) -> None:
    # [funnel] flag_measures = ["rate_total_per_10k"]: the under-18 rate (a subset of the same concerns)
    # keeps its funnel against England for the chart and its warnings, never a significant flag.
    flagged = query(databases["adjusted"], "select distinct measure from flag where flag_type = 'significantly_low'")
    assert flagged == [("rate_total_per_10k",)]


def low_flags(db: Path) -> list[tuple]:
    """Every significantly low flag on the total rate, latest first."""
    return query(db, "select authority_code, detail from flag where flag_type = 'significantly_low' "
                     "and measure = 'rate_total_per_10k' order by period desc, authority_code")


def test_an_authority_low_against_its_region_but_not_england_is_flagged_only_when_risk_adjusted(databases) -> None:
    assert query(databases["adjusted"], "select count(*) from score_config where toml_text like '%comparator = \"risk_adjusted\"%'") == [(1,)]
    assert [row[0] for row in low_flags(databases["england"])] == []
    flagged = low_flags(databases["adjusted"])
    assert {row[0] for row in flagged} == {LOW}


def test_the_risk_adjusted_flag_gives_the_expected_rate_england_and_the_limit(databases) -> None:
    # None of these authorities is a priority area, so the model fitted without Sunderland is its region's
    # pooled rate: the other North East authorities' 1.2 a month per 1,000 children = 144 per 10,000 children
    # a year (up to the rounding of the counts); Sunderland records 0.7 x 144 = 100.8; England's pooled rate
    # mixes both regions and lies below 144.
    detail = low_flags(databases["adjusted"])[0][1]
    match = re.search(r"Rolling 12-month rate ([\d.]+) per 10,000 children against ([\d.]+) expected for its region "
                      r"and Prevent priority-area status \(England ([\d.]+)\), below the 99.8% limit ([\d.]+)", detail)
    assert match, detail
    rate, expected, england, limit = (float(x) for x in match.groups())
    assert rate == pytest.approx(0.7 * 144, abs=1.0)
    assert expected == pytest.approx(144, abs=1.0)
    assert rate < limit < expected
    assert england < expected



def test_a_longer_flag_window_judges_one_pooled_window_without_the_two_year_rule(databases) -> None:
    # flag_window_months = 24: the first full 24-month window is the one to 2025-10 (later windows span
    # owed months without returns, whose exposure is left out); Sunderland's pooled rate is again 0.7 x its
    # region's 144 per 10,000.
    flagged = low_flags(databases["pooled"])
    assert {code for code, _ in flagged} == {LOW}
    first = query(databases["pooled"], "select detail from flag where flag_type = 'significantly_low' and "
                                       "measure = 'rate_total_per_10k' order by period limit 1")[0][0]
    assert first.startswith("Significantly low: possible under-recording. Rate over the 24 months to 2025-10 ")
    assert "the year before" not in first
    match = re.search(r"months to 2025-10 ([\d.]+) per 10,000 children against ([\d.]+) expected", first)
    assert match, first
    assert float(match.group(1)) == pytest.approx(0.7 * 144, abs=1.0)
    assert float(match.group(2)) == pytest.approx(144, abs=1.0)


def test_the_risk_model_reads_the_priority_areas_loaded_with_the_reference_tables(databases) -> None:
    import duckdb

    from etl.scoring.funnel_marts import _risk_covariates

    # no context import: the load refilled ref_prevent_priority_area with the other reference tables
    assert query(databases["adjusted"], "select count(distinct gss_code) from ref_prevent_priority_area") == [(29,)]
    with duckdb.connect(str(databases["adjusted"]), read_only=True) as con:
        covariates = _risk_covariates(con)
    assert covariates["E08000021"] == ("E12000001", True)   # Newcastle upon Tyne, a priority area
    assert covariates["E08000024"] == ("E12000001", False)  # Sunderland
    assert sum(priority for _, priority in covariates.values()) == 29


def test_a_changed_priority_areas_list_changes_the_covariates_and_calls_for_rescoring(databases, tmp_path: Path) -> None:
    import shutil

    import duckdb

    from etl.db import sync_reference
    from etl.reference import PRIORITY_AREAS_FILE, Reference
    from etl.scored_state import recorded_state, scored_state
    from etl.scoring.funnel_marts import _risk_covariates
    from etl.scoring.config import load_config
    from etl.settings import REFERENCE_DIR

    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    listed = folder / PRIORITY_AREAS_FILE
    lines = listed.read_text(encoding="utf-8").splitlines(keepends=True)
    listed.write_text("".join(line for line in lines if "E08000021" not in line), encoding="utf-8")
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(databases["adjusted"].read_bytes())
    version = load_config().config_version
    with duckdb.connect(str(copy)) as con:
        assert recorded_state(con) == scored_state(con, version)
        sync_reference(con, Reference.load(folder))
        assert recorded_state(con) != scored_state(con, version)  # the next writer rescores
        covariates = _risk_covariates(con)
    assert covariates["E08000021"] == ("E12000001", False)
    assert sum(priority for _, priority in covariates.values()) == 28
