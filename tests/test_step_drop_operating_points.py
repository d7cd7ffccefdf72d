"""The step-drop operating-points benchmark (benchmarks/step_drop_operating_points.py): the what-if
configuration changes only the national false-alarm rate, and the pooled figures add up. The scoring
runs themselves are a benchmark (`make bench`), not a test."""

from __future__ import annotations

import tomllib

import pytest

from benchmarks.step_drop_operating_points import config_with_rate, pool_rows
from etl.scoring.config import parse_config
from etl.settings import SCORING_CONFIG


def test_the_what_if_configuration_changes_only_the_false_alarm_rate() -> None:
    shipped = SCORING_CONFIG.read_text(encoding="utf-8")
    changed = config_with_rate(shipped, 2)
    before, after = tomllib.loads(shipped), tomllib.loads(changed)
    assert after["sudden_change"]["false_alarms_per_year"] == 2.0
    after["sudden_change"]["false_alarms_per_year"] = before["sudden_change"]["false_alarms_per_year"]
    assert after == before
    assert parse_config(changed).config_version != parse_config(shipped).config_version


def test_a_configuration_without_exactly_one_rate_line_or_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="found 0"):
        config_with_rate("[sudden_change]\nwindow_months = 6\n", 1)
    with pytest.raises(ValueError, match="found 2"):
        config_with_rate("false_alarms_per_year = 1\n[x]\nfalse_alarms_per_year = 1\n", 1)
    with pytest.raises(ValueError, match="above 0"):
        config_with_rate(SCORING_CONFIG.read_text(encoding="utf-8"), 0)


def _row(seed: int, rate: float, found6: int, found12: int, alarmed: list[str], only: list[str], planted_flagged: int, clean_flagged: int) -> dict:
    return {"source": "demo", "seed": seed, "rate": rate, "planted": 5, "found_within_6": found6, "found_within_12": found12,
            "clean_step_alarmed": alarmed, "clean_only_step": only, "flagged_planted": planted_flagged,
            "flagged_clean": clean_flagged}


def test_pooled_operating_points_sum_the_seeds_and_pool_precision_over_authorities() -> None:
    rows = [_row(1, 2.0, 3, 4, ["A", "B"], ["A"], 45, 3), _row(2, 2.0, 4, 5, ["C"], [], 47, 1),
            _row(1, 1.0, 2, 3, ["A"], ["A"], 44, 2)]
    pooled = pool_rows(rows)
    assert [(c["rate"], c["seeds"]) for c in pooled] == [(1.0, [1]), (2.0, [1, 2])]
    two = pooled[1]
    assert (two["planted"], two["found_within_6"], two["found_within_12"]) == (10, 7, 9)
    assert (two["clean_step_alarmed"], two["clean_only_step"]) == (3, 1)
    assert two["recall_within_6"] == 0.7 and two["recall_within_12"] == 0.9
    assert two["precision"] == round(92 / 96, 3)  # (45 + 47) planted of (45 + 47 + 3 + 1) flagged
