"""Dashboard data access on the small synthetic database (tests/small_demo.py), and the read-only handle
that follows ETL swaps."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import DEMO_END

from dashboard import database, state
from dashboard.queries import authority, common, overview, regional
from etl.db import migrate
from etl.errors import DatabaseError, InvalidInputError
from etl.periods import parse_period

LATEST = parse_period(DEMO_END)


def authorities_in_period(con, period) -> pl.DataFrame:
    """The reference authorities that owed a return in `period` (reorganised ones only while they existed)."""
    return common.authorities(con).filter(
        (pl.col("valid_from").is_null() | (pl.col("valid_from") <= period))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= period))
    )


@pytest.fixture(scope="module")
def con(small_con):
    return small_con


@pytest.fixture(scope="module")
def authority_code(con) -> str:
    """An authority that lost points in the latest period (so every section has something to show)."""
    return con.sql(
        "select authority_code from score_component where period = ? and \"window\" = 'rolling12' "
        "group by 1 order by sum(composite_points) desc limit 1", params=[LATEST]
    ).fetchall()[0][0]


# ---- common -----------------------------------------------------------------------------------------

def test_periods_run_oldest_first_to_the_last_demo_month(con):
    periods = common.periods(con)
    assert periods == sorted(periods) and periods[-1] == LATEST


def test_measures_put_known_measures_first_in_display_order(con):
    measures = common.measures(con)
    known = [m for m in common.MEASURE_LABELS if m in measures]
    assert measures[: len(known)] == known and "composite" in measures


def test_check_authority_accepts_a_gss_code_and_resolves_a_dfe_number(con):
    row = common.authorities(con).filter(pl.col("dfe_code").is_not_null()).row(0, named=True)
    assert common.check_authority(con, row["gss_code"]) == row["gss_code"]
    assert common.check_authority(con, row["gss_code"].lower()) == row["gss_code"]
    assert common.check_authority(con, row["dfe_code"]) == row["gss_code"]


@pytest.mark.parametrize("crafted", ["E99999999", "'; drop table score; --", "", None, 42, ["E06000001"]])
def test_check_authority_refuses_anything_else(con, crafted):
    with pytest.raises(InvalidInputError, match="choose an authority from the list"):
        common.check_authority(con, crafted)


def test_a_measure_not_in_the_marts_is_not_on_offer(con):
    with pytest.raises(InvalidInputError, match="measure"):
        state.check_choice("value; select 1", common.measures(con), "measure")


# ---- overview ---------------------------------------------------------------------------------------

def test_authority_values_cover_every_authority_owing_a_return_and_no_reorganised_one(con):
    values = overview.authority_values(con, LATEST, "rolling12", "composite")
    assert set(values["authority_code"]) == set(authorities_in_period(con, LATEST)["gss_code"])
    everyone = common.authorities(con)
    ended = everyone.filter(pl.col("valid_to").is_not_null() & (pl.col("valid_to") < LATEST))
    assert ended.height and not set(ended["gss_code"]) & set(values["authority_code"])
    # a weighted mean of 100s can come out a hair over 100 in floating point
    assert values["value"].drop_nulls().is_between(0, 100 + 1e-9).all()


def test_region_trend_has_nine_regions_over_every_period(con):
    trend = overview.region_trend(con, "rolling12", "composite")
    assert trend["region_name"].n_unique() == 9
    assert trend["period"].n_unique() == len(common.periods(con))


def test_headline_matches_the_england_mart_and_the_flags(con):
    head = overview.headline(con, LATEST, "month")
    england = con.sql("select value from measure_value where level = 'england' and measure = 'composite' "
                      "and \"window\" = 'month' and period = ?", params=[LATEST]).fetchall()[0][0]
    flagged = con.sql("select count(distinct authority_code) from flag where period = ? "
                      "and flag_type = 'significantly_low'", params=[LATEST]).fetchall()[0][0]
    assert head["composite"] == pytest.approx(england) and head["flagged_low"] == flagged


def test_returns_states_account_for_every_authority_owing_a_return(con):
    states = overview.returns_states(con, LATEST)
    assert sum(states.values()) == authorities_in_period(con, LATEST).height


# ---- regional ---------------------------------------------------------------------------------------

def test_poisson_interval_matches_the_exact_chi_squared_limits():
    assert regional.poisson_interval(0) == (0.0, pytest.approx(3.6889, abs=1e-4))
    lower, upper = regional.poisson_interval(10)
    assert lower == pytest.approx(4.7954, abs=1e-4) and upper == pytest.approx(18.3904, abs=1e-4)


def test_mean_interval_needs_two_values_and_stays_within_0_to_100():
    assert regional.mean_interval(50.0, 1.0, 1) == (None, None)
    lower, upper = regional.mean_interval(99.0, 5.0, 3)
    assert lower < 99.0 and upper == 100.0


@pytest.mark.parametrize("measure", ["composite", "rate_total_per_10k"])
def test_region_intervals_contain_each_regions_value(con, measure):
    intervals = regional.region_intervals(con, LATEST, "rolling12", measure)
    assert intervals.height == 9
    assert ((intervals["lower"] <= intervals["value"]) & (intervals["value"] <= intervals["upper"])).all()


def test_funnel_points_are_one_per_authority_with_a_flag(con):
    points = regional.funnel_points(con, LATEST, "rate_total_per_10k")
    assert points["authority_code"].is_unique().all()
    assert set(points["flag"]) <= {"low_998", "low_95", "in_control", "high_95", "high_998"}


def test_region_table_has_only_the_allowed_measure_columns(con):
    region = common.regions(con)["region_code"][0]
    table = regional.region_table(con, LATEST, "rolling12", region, ["composite", "timeliness"])
    assert table.columns == ["authority_code", "name", "band", "funnel_flag", "composite", "timeliness", "disclosure"]
    members = authorities_in_period(con, LATEST).filter(pl.col("region_code") == region)
    assert set(table["authority_code"]) == set(members["gss_code"])


# ---- authority --------------------------------------------------------------------------------------

def test_spine_gives_the_authority_and_england_distribution_for_each_measure(con, authority_code):
    spine = authority.spine(con, authority_code, LATEST, "rolling12")
    assert spine["measure"].to_list() == common.measures(con)
    scored = spine.drop_nulls("authority")
    assert ((scored["minimum"] <= scored["authority"]) & (scored["authority"] <= scored["maximum"])).all()
    assert ((spine["q1"] <= spine["median"]) & (spine["median"] <= spine["q3"])).all()


def test_trend_gives_authority_region_neighbours_and_england(con, authority_code):
    trend = authority.trend(con, authority_code, "rolling12", "composite")
    assert set(trend["series"]) == {"authority", "region", "neighbours", "england"}


def test_components_come_largest_loss_first(con, authority_code):
    parts = authority.components(con, authority_code, LATEST, "rolling12")
    points = parts["composite_points"].to_list()
    assert parts.height > 0 and points == sorted(points, reverse=True)
    assert parts["fix"].str.len_chars().min() > 0


def test_points_that_give_back_a_count_are_withheld_from_a_viewer_not_entitled_to_the_authority(con):
    """A completeness cause's points x 5 sections x the window's concerns (published through its rate and
    population) / 100 is one month's NOT_RECORDED count: `c` for the public and other councils. Points
    of other causes are scores and stay; the authority's own council and national viewers see all."""
    from dashboard.viewer import Viewer, viewing_as

    authority_code = con.sql(  # one with causes of both kinds
        "select authority_code from score_component where period = ? and \"window\" = 'rolling12' group by 1 "
        "having bool_or(dimension = 'completeness') and bool_or(dimension not in ('completeness', 'cross_authority')) "
        "order by 1 limit 1", params=[LATEST]).fetchall()[0][0]
    everything = authority.components(con, authority_code, LATEST, "rolling12")
    counted = pl.col("dimension").is_in(authority.COUNTED_DIMENSIONS)
    assert everything.filter(counted).height > 0 and everything.filter(~counted).height > 0
    other_council = con.sql("select gss_code from ref_authority where gss_code <> ? limit 1", params=[authority_code]).fetchall()[0][0]
    for viewer in (Viewer.public(), Viewer.council(other_council)):
        with viewing_as(viewer):
            seen = authority.components(con, authority_code, LATEST, "rolling12")
        withheld = seen.filter(counted)
        assert withheld["points_lost"].is_null().all() and withheld["composite_points"].is_null().all()
        assert (withheld["disclosure"] == "c").all()
        assert seen.filter(~counted)["points_lost"].to_list() == everything.filter(~counted)["points_lost"].to_list()
        assert seen.filter(~counted)["disclosure"].is_null().all()
    for viewer in (Viewer.council(authority_code), Viewer.national()):
        with viewing_as(viewer):
            assert authority.components(con, authority_code, LATEST, "rolling12")["points_lost"].null_count() == 0


def test_returns_history_lists_every_file_from_the_authority(con, authority_code):
    history = authority.returns_history(con, authority_code)
    expected = con.sql("select count(*) from submission where authority_code = ?", params=[authority_code]).fetchall()[0][0]
    assert history.height == expected


def test_transfers_name_the_counterpart_not_the_authority(con):
    code = con.sql("select from_code from transfer_reconciliation order by period desc limit 1").fetchall()[0][0]
    rows = authority.transfers(con, code, LATEST, months=len(common.periods(con)))
    assert rows.height > 0 and code not in set(rows["counterpart_code"])


# ---- the read-only handle -----------------------------------------------------------------------------

def _tiny_db(path: Path, marker: str) -> Path:
    connection = duckdb.connect(str(path))
    migrate(connection)
    connection.execute("insert into meta values ('contains_synthetic_data', ?)", [marker])
    connection.close()
    return path


@pytest.fixture
def tiny(tmp_path: Path):
    live = _tiny_db(tmp_path / "live.duckdb", "true")
    database.configure(live)
    yield live
    database.reset()


def test_the_handle_is_read_only(tiny):
    with pytest.raises(duckdb.Error):
        database.connection().execute("insert into meta values ('x', 'y')")


def test_the_handle_picks_up_a_database_swapped_into_place(tiny):
    before = database.connection()
    assert database.contains_synthetic_data() is True
    replacement = _tiny_db(tiny.parent / "live.duckdb.next", "false")
    os.replace(replacement, tiny)
    assert database.contains_synthetic_data() is False  # the cache belongs to the old file
    marker = "select value from meta where key = 'contains_synthetic_data'"
    assert database.connection().execute(marker).fetchall() == [("false",)]
    # a cursor opened before the swap keeps reading the old file: old state or new, never half
    assert before.execute(marker).fetchall() == [("true",)]


def test_a_cursor_of_a_cursor_reads_the_same_database(tiny):
    marker = "select value from meta where key = 'contains_synthetic_data'"
    assert database.connection().cursor().execute(marker).fetchall() == [("true",)]


def test_configure_refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(DatabaseError, match="oversight refresh"):
        database.configure(tmp_path / "absent.duckdb")
