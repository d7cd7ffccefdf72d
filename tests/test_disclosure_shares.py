"""Disclosure control of the observed-practice shares (a count out of a count): an authority's shares
reach only viewers entitled to it, a region's or England's share is withheld when its count or the rest
is 1 to 4 (and another with it, so the England total gives nothing away), worked out by hand; then the
same rules through the data-access layer and the authority page on the small synthetic database."""

from __future__ import annotations

from datetime import date

import flask
import polars as pl
import pytest
from conftest import DEMO_END

from dashboard import disclosure
from dashboard.viewer import Viewer, viewing_as
from etl.periods import parse_period

MEASURE = "share_family_member_known"
PERIOD = date(2026, 10, 1)


def _counts(rows: list[tuple[str, str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(level, code, PERIOD, "rolling12", MEASURE, numerator, denominator) for level, code, numerator, denominator in rows],
        schema={"level": pl.String, "code": pl.String, "period": pl.Date, "window": pl.String, "measure": pl.String,
                "numerator": pl.Float64, "denominator": pl.Float64},
        orient="row",
    )


def _membership(regions: dict[str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame([(a, r) for r, members in regions.items() for a in members],
                        schema={"authority_code": pl.String, "region_code": pl.String}, orient="row")


def _pattern(counts: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    cells, relations = disclosure.share_cells(counts, membership)
    return disclosure.protect(cells, relations, coalition=disclosure.COALITION)


def _reasons(pattern: pl.DataFrame) -> dict[str, str | None]:
    return dict(pattern.select("code", "reason").iter_rows())


def test_an_authoritys_shares_reach_only_viewers_entitled_to_it():
    counts = _counts([("authority", "A", 2, 40), ("authority", "B", 9, 60), ("authority", "C", 0, 30),
                      ("authority", "D", 12, 50), ("region", "R", 23, 180), ("england", disclosure.ENGLAND, 23, 180)])
    pattern = _pattern(counts, _membership({"R": ["A", "B", "C", "D"]}))
    # Never published, whatever the count: with the authority's published total, a share is its count.
    assert {code: reason for code, reason in _reasons(pattern).items() if code in "ABCD"} == dict.fromkeys("ABCD", "unpublished")
    assert disclosure.hidden_cells(pattern, Viewer.council("A"))["code"].to_list() == ["B", "C", "D"]
    assert sorted(disclosure.hidden_cells(pattern, Viewer.public())["code"].to_list()) == ["A", "B", "C", "D"]
    assert disclosure.hidden_cells(pattern, Viewer.national()).is_empty()
    # Four authorities: two councils pooling their own still leave two unknown, so the region is shown.
    assert _reasons(pattern)["R"] is None


def test_a_regions_share_is_withheld_when_its_count_or_the_rest_is_one_to_four_and_another_with_it():
    counts = _counts([
        ("region", "R", 3, 50),  # 3 flagged: primary
        ("region", "S", 97, 99),  # 2 not flagged: the rest is small, so the share would give it away
        ("region", "T", 30, 100),
        ("region", "U", 40, 100),
        ("england", disclosure.ENGLAND, 170, 349),
    ])
    pattern = _pattern(counts, _membership({}))
    reasons = _reasons(pattern)
    assert reasons["R"] == "primary" and reasons["S"] == "unpublished"
    # England = R + S + T + U holds two unknown regions already: nothing more to hide.
    assert reasons["T"] is None and reasons["U"] is None and reasons[disclosure.ENGLAND] is None


def test_one_withheld_region_takes_the_smallest_other_with_it_so_england_less_the_rest_gives_nothing():
    counts = _counts([("region", "R", 4, 50), ("region", "S", 30, 100), ("region", "T", 20, 100),
                      ("england", disclosure.ENGLAND, 54, 250)])
    reasons = _reasons(_pattern(counts, _membership({})))
    assert reasons == {"R": "primary", "S": None, "T": "secondary", disclosure.ENGLAND: None}


def test_a_region_of_three_authorities_is_withheld_from_two_councils_pooling_their_own():
    # R = a + b + c: councils a and b together would get c from R's share; R goes, and S (smaller than T)
    # goes with it so that England less T does not give R back.
    counts = _counts([("authority", "a", 5, 20), ("authority", "b", 3, 15), ("authority", "c", 2, 15),
                      ("region", "R", 10, 50), ("region", "S", 20, 100), ("region", "T", 30, 100),
                      ("england", disclosure.ENGLAND, 60, 250)])
    reasons = _reasons(_pattern(counts, _membership({"R": ["a", "b", "c"]})))
    assert reasons["R"] == "secondary" and reasons["S"] == "secondary"
    assert reasons["T"] is None and reasons[disclosure.ENGLAND] is None


def test_shares_are_their_own_series_and_the_flags_masking_ignores_them():
    from dashboard.queries.disclosure import series_expr

    assert disclosure.series_of_measure(MEASURE) == MEASURE
    frame = pl.DataFrame({"measure": [MEASURE, "rate_total_per_10k", "composite"]})
    assert frame.select(series_expr(pl.col("measure")))["measure"].to_list() == [MEASURE, "total", None]
    rates_only = frame.select(series_expr(pl.col("measure"), disclosure.COUNT_MEASURES))["measure"].to_list()
    assert rates_only == [None, "total", None]


# ---- through the data-access layer and the page, on the small synthetic database ------------------------

@pytest.fixture(scope="module")
def two_with_shares(small_con) -> tuple[str, str]:
    codes = small_con.execute(
        """select code from measure_value where level = 'authority' and measure = ? and period = ? and "window" = 'rolling12'
           and value is not null order by code limit 2""", [MEASURE, parse_period(DEMO_END)]).fetchall()
    assert len(codes) == 2, "the small demo should give two authorities a family-flag share"
    return codes[0][0], codes[1][0]


def _share_row(small_con, code: str, viewer: Viewer) -> dict:
    from dashboard.queries import authority

    with viewing_as(viewer):
        spine = authority.spine(small_con, code, parse_period(DEMO_END), "rolling12")
    return spine.filter(pl.col("measure") == MEASURE).row(0, named=True)


def test_a_council_sees_its_own_share_with_its_interval_but_not_another_authoritys(small_con, two_with_shares):
    own, other = two_with_shares
    council = Viewer.council(own)
    mine = _share_row(small_con, own, council)
    assert mine["authority"] is not None and mine["lower"] <= mine["authority"] <= mine["upper"]
    assert mine["minimum"] is None and mine["maximum"] is None and mine["authority_rank"] is None  # England's spread
    assert mine["neighbours"] is None and mine["disclosure"] == disclosure.SUPPRESSED
    theirs = _share_row(small_con, other, council)
    assert theirs["authority"] is None and theirs["lower"] is None and theirs["disclosure"] == disclosure.SUPPRESSED
    national = _share_row(small_con, other, Viewer.national())
    assert national["authority"] is not None and national["minimum"] is not None and national["maximum"] is not None


def test_the_map_of_a_share_shows_a_council_only_its_own_authority(small_con, two_with_shares):
    from dashboard.queries import overview

    own, _ = two_with_shares
    with viewing_as(Viewer.council(own)):
        values = overview.authority_values(small_con, parse_period(DEMO_END), "rolling12", MEASURE)
    assert values.filter(pl.col("value").is_not_null())["authority_code"].to_list() == [own]
    with viewing_as(Viewer.national()):
        everyone = overview.authority_values(small_con, parse_period(DEMO_END), "rolling12", MEASURE)
    assert everyone.filter(pl.col("value").is_not_null()).height > 1


def test_the_benchmark_table_compares_a_share_with_england_by_its_interval_and_names_it_in_words(small_con, two_with_shares):
    from dashboard import findings
    from dashboard.queries import authority, common

    own, _ = two_with_shares
    with viewing_as(Viewer.national()):
        spine = authority.spine(small_con, own, parse_period(DEMO_END), "rolling12")
    row = findings.benchmark_table(spine, pl.DataFrame(schema={"measure": pl.String, "numerator": pl.Float64,
                                                                "denominator": pl.Float64})) \
        .filter(pl.col("label") == common.measure_label(MEASURE)).row(0, named=True)
    assert row["label"] == "Concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT (%)"
    assert row["lower"] is not None and row["upper"] is not None
    expected = findings.SIGNIFICANCE[findings.compare(row["lower"], row["upper"], row["england"])]
    assert row["vs_england"] == expected != "Not tested"
    assert common.unit(MEASURE) == "per cent, over 12 months"
    assert common.measure_name(MEASURE) == "Concerns flagged FAMILY_MEMBER_KNOWN_TO_PREVENT"


def test_the_authority_page_opens_on_a_council_officers_own_authority(small_db, two_with_shares):
    from dashboard import ids
    from dashboard.server import create_app
    from test_callbacks import find

    app = create_app(small_db)
    from dashboard.pages import authority

    first_by_name = authority._authorities()["gss_code"][0]
    own = next(code for code in two_with_shares if code != first_by_name)
    with app.server.test_request_context("/authority"):
        flask.g.viewer = Viewer.council(own)
        assert find(authority.layout(), ids.AUTHORITY_CODE).value == own
        assert find(authority.layout(code="nonsense"), ids.AUTHORITY_CODE).value == own
        assert find(authority.layout(code=first_by_name), ids.AUTHORITY_CODE).value == first_by_name
    with app.server.test_request_context("/authority"):
        flask.g.viewer = Viewer.national()
        assert find(authority.layout(), ids.AUTHORITY_CODE).value == first_by_name


def test_a_regions_share_has_the_wilson_interval_of_its_pooled_counts_not_a_spread_of_authorities(small_con):
    from dashboard.queries import regional

    period = parse_period(DEMO_END)
    with viewing_as(Viewer.national()):
        table = regional.region_intervals(small_con, period, "rolling12", MEASURE).filter(pl.col("value").is_not_null())
    assert table.height > 0
    row = table.row(0, named=True)
    numerator, denominator = small_con.execute(
        """select numerator, denominator from measure_value where level = 'region' and code = ? and period = ?
           and "window" = 'rolling12' and measure = ?""", [row["region_code"], period, MEASURE]).fetchone()
    z, p, n = 1.959963984540054, numerator / denominator, denominator  # Wilson (1927)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    assert row["lower"] == pytest.approx(100 * (centre - half)) and row["upper"] == pytest.approx(100 * (centre + half))
    assert row["basis"] == f"{numerator:,.0f} of {denominator:,.0f}"
