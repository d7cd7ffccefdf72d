"""Every input of every chart page's callbacks is checked on the server: a null, a wrong type or a value
not on offer gets a clear message in place of the section, never an exception (a 500)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from conftest import DEMO_END

GOOD = {"period": DEMO_END, "window": "rolling12", "measure": "composite", "rate": "rate_total_per_10k",
        "region": "E12000007", "sort": "composite", "order": "asc", "code": "E09000001"}
CRAFTED = [None, 7, ["composite"], {"a": 1}, "x" * 200, "'; drop table flag; --"]


@pytest.fixture(scope="module")
def callbacks(small_db: Path):
    from dashboard.server import create_app

    create_app(small_db)
    from dashboard.pages import authority, overview, regional

    return [overview.update_tiles, overview.update_map, overview.update_trend, regional.update_intervals,
            regional.update_funnel, regional.update_table, authority.update_trend, authority.update_returns,
            authority.update_transfers]


def _messages(result) -> list:
    parts = result if isinstance(result, tuple) else (result,)
    return [part for part in parts if getattr(part, "role", None) == "alert"]


def test_the_overview_map_with_no_measure_answers_with_a_message(callbacks):
    from dashboard.pages import overview

    map_card, distribution = overview.update_map(DEMO_END, "rolling12", None)
    assert map_card.role == "alert" and distribution.role == "alert"
    assert "Measure None is not one of the choices" in map_card.children


def test_every_crafted_input_of_every_callback_becomes_a_message(callbacks):
    for function in callbacks:
        names = list(inspect.signature(function).parameters)
        for name in names:
            for bad in CRAFTED:
                args = {n: GOOD[n] for n in names}
                args[name] = bad
                result = function(**args)
                assert _messages(result), f"{function.__module__}.{function.__name__}({name}={bad!r}) gave no message"
