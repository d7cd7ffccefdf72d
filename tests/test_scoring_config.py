"""The scoring configuration: weights change scores without code changes, and versions are recorded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from etl.errors import ConfigError
from etl.scoring import rescore_database
from etl.scoring.config import load_config, parse_config
from etl.settings import SCORING_CONFIG
from scoring_builder import clean_rows, load, query, score_of, set_section, write_return

CODE, SEP = "E06000001", "2026-09"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    rows = set_section(clean_rows(40), "age_band", {"AGE_11_15": 20, "NOT_RECORDED": 20})
    database = tmp_path / "oversight.duckdb"
    load(database, [write_return(tmp_path / "inbox", CODE, SEP, rows, received=datetime(2026, 10, 1))])
    return database


def test_changing_weights_changes_the_composite_and_its_version(db: Path, tmp_path: Path) -> None:
    # completeness = (4 + 0.5) / 5 = 90.0; the other applicable dimensions are 100.
    # shipped weights: (0.25 x 90 + 0.65 x 100) / 0.90 = 97.222
    before = score_of(db, CODE, SEP, "composite")
    assert before == pytest.approx(87.5 / 0.9)
    version_before = query(db, "select distinct config_version from score")
    # only completeness weighted -> the composite is the completeness score, 90.0
    text = SCORING_CONFIG.read_text(encoding="utf-8").replace(
        "weights = { completeness = 0.25, validity = 0.15, internal_consistency = 0.15, cross_authority = 0.10, "
        "timeliness = 0.10, coverage = 0.15, practice = 0.10 }",
        "weights = { completeness = 1.0, validity = 0.0, internal_consistency = 0.0, cross_authority = 0.0, "
        "timeliness = 0.0, coverage = 0.0, practice = 0.0 }",
    )
    other = tmp_path / "what-if.toml"
    other.write_text(text, encoding="utf-8")
    summary = rescore_database(db, config_path=other)
    assert score_of(db, CODE, SEP, "composite") == pytest.approx(90.0)
    version_after = query(db, "select distinct config_version from score")
    assert version_after == [(summary.config_version,)] and version_after != version_before
    assert {v for (v,) in query(db, "select config_version from score_config")} == {version_before[0][0], summary.config_version}


def test_config_version_ignores_comments_and_layout() -> None:
    text = SCORING_CONFIG.read_text(encoding="utf-8")
    assert parse_config("# a new comment\n\n" + text).config_version == load_config().config_version


def test_a_band_threshold_change_moves_the_band(db: Path, tmp_path: Path) -> None:
    text = SCORING_CONFIG.read_text(encoding="utf-8").replace('name = "Good"\nmin_score = 85.0', 'name = "Good"\nmin_score = 99.0')
    other = tmp_path / "strict.toml"
    other.write_text(text, encoding="utf-8")
    rescore_database(db, config_path=other)
    assert query(db, "select band from score where dimension = 'composite' and \"window\" = 'month' and "
                     "authority_code = $a and period = '2026-09-01'", {"a": CODE}) == [("Requires improvement",)]


def test_a_weight_for_an_unknown_dimension_is_refused() -> None:
    text = SCORING_CONFIG.read_text(encoding="utf-8").replace("completeness = 0.25,", "completness = 0.25,", 1)
    with pytest.raises(ConfigError, match="unknown dimension"):
        parse_config(text)


def test_a_long_change_window_not_beyond_the_recent_one_is_refused() -> None:
    text = SCORING_CONFIG.read_text(encoding="utf-8").replace("long_window_months = 0", "long_window_months = 6", 1)
    with pytest.raises(ConfigError, match="long_window_months must be 0"):
        parse_config(text)


def test_an_unknown_funnel_comparator_or_flag_measure_is_refused() -> None:
    shipped = SCORING_CONFIG.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="comparator must be"):
        parse_config(shipped.replace('comparator = "risk_adjusted"', 'comparator = "neighbours"', 1))
    with pytest.raises(ConfigError, match="flag_measures must be"):
        parse_config(shipped.replace('flag_measures = ["rate_total_per_10k"]', 'flag_measures = ["rate_total"]', 1))


def test_rescoring_an_empty_database_writes_no_scores(tmp_path: Path) -> None:
    summary = rescore_database(tmp_path / "empty.duckdb")
    assert summary.scores == 0 and "No returns" in summary.describe()
