"""URL state: parsing the query string, building links, and allow-list checks of values from a browser."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import state
from etl.errors import InvalidInputError

PERIODS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]


def test_parse_query_reads_each_parameter():
    assert state.parse_query("?period=2026-10&window=month") == {"period": "2026-10", "window": "month"}


def test_parse_query_drops_over_long_values():
    assert state.parse_query("?code=" + "E" * 500) == {}


def test_parse_query_of_nothing_is_empty():
    assert state.parse_query(None) == {}
    assert state.parse_query("") == {}


def test_build_href_leaves_out_empty_values_and_formats_periods():
    href = state.build_href("/authority", {"code": "E06000001", "period": date(2026, 10, 1), "window": None, "x": ""})
    assert href == "/authority?code=E06000001&period=2026-10"


def test_build_href_escapes_values():
    assert state.build_href("/", {"q": "a&b=c"}) == "/?q=a%26b%3Dc"


def test_a_link_round_trips_through_parse_query():
    params = {"period": "2026-10", "window": "rolling12", "measure": "composite"}
    assert state.parse_query(state.build_href("/", params).split("/", 1)[1]) == params


def test_pick_keeps_an_allowed_value_and_replaces_anything_else():
    assert state.pick("month", state.WINDOWS, "rolling12") == "month"
    assert state.pick("<script>", state.WINDOWS, "rolling12") == "rolling12"
    assert state.pick(["month"], state.WINDOWS, "rolling12") == "rolling12"


def test_check_choice_names_the_allowed_values():
    with pytest.raises(InvalidInputError, match="month, rolling12"):
        state.check_choice("weekly", ["month", "rolling12"], "period type")


def test_check_period_accepts_an_available_month():
    assert state.check_period("2026-09", PERIODS) == date(2026, 9, 1)


@pytest.mark.parametrize("value", ["2030-01", "2026-13", "October", None, 202610, {"a": 1}])
def test_check_period_rejects_a_month_not_on_offer_or_not_a_month(value):
    with pytest.raises(InvalidInputError):
        state.check_period(value, PERIODS)


def test_pick_period_falls_back_to_the_latest():
    assert state.pick_period("1999-01", PERIODS) == date(2026, 10, 1)
    assert state.pick_period("2026-08", PERIODS) == date(2026, 8, 1)
    assert state.pick_period("2026-08", []) is None
