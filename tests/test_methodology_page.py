"""Methodology and standard: the docs and the scoring configuration rendered as the code reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.docs_render import demote_headings, flatten_config, link_sections, scoring_config_rows


def test_headings_move_down_one_level_so_the_page_keeps_the_only_h1():
    assert demote_headings("# Title\ntext\n## Part\n##### Deep") == "## Title\ntext\n### Part\n###### Deep"


def test_hashes_inside_code_blocks_are_left_alone():
    text = "```toml\n# a comment\n```\n# Heading"
    assert demote_headings(text) == "```toml\n# a comment\n```\n## Heading"


def test_links_between_the_two_documents_become_in_page_anchors():
    text = "See [the standard](return-standard.md#rules), [scoring](./methodology.md) and [ops](operations.md)."
    assert link_sections(text) == "See [the standard](#standard), [scoring](#methodology) and [ops](operations.md)."


def test_every_scoring_setting_becomes_a_row_in_file_order():
    config = {
        "version": "2026.1",
        "weights": {"completeness": 0.3, "validity": 0.2},
        "bands": [{"name": "good", "min": 80}, {"name": "poor", "min": 0}],
        "timeliness": {"deadline_day": 15, "zero_after_days": 30, "enabled": True, "months": [1, 2]},
    }
    rows = flatten_config(config)
    assert rows[0] == {"section": "(top level)", "setting": "version", "value": "2026.1"}
    assert {"section": "weights", "setting": "validity", "value": "0.2"} in rows
    assert {"section": "bands[2]", "setting": "name", "value": "poor"} in rows
    assert {"section": "timeliness", "setting": "enabled", "value": "yes"} in rows
    assert {"section": "timeliness", "setting": "months", "value": "1, 2"} in rows
    assert len(rows) == 11


def test_the_configuration_table_is_read_from_the_file_the_scorer_reads(tmp_path: Path):
    config = tmp_path / "scoring.toml"
    config.write_text('[weights]\ncompleteness = 0.25\n\n[[bands]]\nname = "good"\nmin = 80\n', encoding="utf-8")
    rows = scoring_config_rows(config)
    assert rows.to_dicts() == [
        {"section": "weights", "setting": "completeness", "value": "0.25"},
        {"section": "bands[1]", "setting": "name", "value": "good"},
        {"section": "bands[1]", "setting": "min", "value": "80"},
    ]


@pytest.mark.parametrize("text", [None, "not = [valid toml"])
def test_a_missing_or_broken_configuration_gives_an_empty_table(tmp_path: Path, text):
    config = tmp_path / "scoring.toml"
    if text is not None:
        config.write_text(text, encoding="utf-8")
    assert scoring_config_rows(config).is_empty()


def test_the_page_shows_the_scoring_settings_the_scorer_reads_and_the_standard(tmp_path_factory):
    import sys
    import tomllib

    import dash
    from dash._utils import to_json
    from returns_fixtures import build_returns_db

    from dashboard import database
    from dashboard.server import create_app
    from etl.settings import SCORING_CONFIG

    create_app(build_returns_db(tmp_path_factory.mktemp("method-app") / "returns.duckdb"))
    try:
        (entry,) = [page for page in dash.page_registry.values() if page["path"] == "/methodology"]
        page = to_json(sys.modules[entry["module"]].layout())
    finally:
        database.reset()
    config = tomllib.loads(SCORING_CONFIG.read_text(encoding="utf-8"))
    assert "[timeliness]" in page
    assert f"deadline_day</th><td>{config['timeliness']['deadline_day']}</td>" in page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u002f", "/")
    for band in config["bands"]:
        assert band["name"] in page
    assert "The monthly return standard" in page and "E106" in page  # rendered from docs/return-standard.md


def test_how_the_scores_work_is_plain_english_with_the_weights_in_force(tmp_path: Path):
    from dash._utils import to_json
    from returns_fixtures import build_returns_db

    from dashboard import database
    from dashboard.server import create_app

    create_app(build_returns_db(tmp_path / "returns.duckdb"))

    from dashboard.docs_render import load_config
    from dashboard.pages import how_scores_work

    page = to_json(how_scores_work.layout())
    assert "How the scores work" in page and "technical annex" in page
    assert "chi2" not in page.lower() and "poisson" not in page.lower()  # no formulas: those are in the annex
    weights = how_scores_work.weights_frame(load_config())
    assert weights["weight"].sum() == pytest.approx(100.0)
    assert how_scores_work.bands_frame({"bands": [{"name": "Good", "min_score": 85}]}).row(0) == ("Good", 85.0)
    database.reset()
