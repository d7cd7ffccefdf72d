"""An authority's flags over a window, as the authority page lists them, under disclosure control: a
council looking at another authority gets no text quoting that authority's counts ("52 of 104", "4
concerns in the 6 months"), no value behind such a flag, and no flag about one month's count; the
authority's own officer and national viewers get them whole. On the small synthetic database."""

from __future__ import annotations


import polars as pl
import pytest
from conftest import DEMO_END

from dashboard.queries import disclosure as disclosure_queries
from dashboard.viewer import Viewer, viewing_as
from etl.periods import add_months, parse_period

LATEST = parse_period(DEMO_END)
QUOTING = ("practice_low", "practice_high", "practice_contradiction", "transfers_not_recorded",
           "transfers_sending_not_recorded", "sudden_change", "nil_return_run")


@pytest.fixture(scope="module")
def flagged(small_con) -> tuple[str, str]:
    """(an authority with a flag quoting its counts in the 12 months to the latest month, another authority)."""
    row = small_con.execute(
        """select authority_code from flag where list_contains(?, flag_type) and period between ? and ?
           group by authority_code order by count(*) desc, authority_code limit 1""",
        [list(QUOTING), add_months(LATEST, -11), LATEST]).fetchone()
    assert row, "the small demo should raise a flag quoting counts in its last 12 months"
    other = small_con.execute("select gss_code from ref_authority where gss_code <> ? and valid_to is null order by gss_code limit 1",
                        [row[0]]).fetchone()[0]
    return row[0], other


def _flags(small_con, code: str, viewer: Viewer) -> pl.DataFrame:
    from dashboard.queries import findings

    with viewing_as(viewer):
        return findings.authority_flags(small_con, code, LATEST, "rolling12")


def test_another_council_gets_no_count_quoting_text_or_value_and_no_monthly_count_flag(small_con, flagged):
    code, other = flagged
    theirs = _flags(small_con, code, Viewer.council(other))
    assert not theirs.filter(pl.col("flag_type").is_in(disclosure_queries.MONTHLY_COUNT_FLAGS)).height
    quoting = theirs.filter(pl.col("flag_type").is_in(QUOTING))
    assert quoting.height, "a flag on a share should still be listed, with its text withheld"
    assert set(quoting["detail"].to_list()) == {"withheld: may contain another authority's counts"}
    assert quoting["value"].null_count() == quoting.height and set(quoting["disclosure"].to_list()) == {"c"}


def test_the_authoritys_own_officer_and_national_viewers_get_its_flags_whole(small_con, flagged):
    code, _ = flagged
    raw = small_con.execute("""select count(*) from flag where authority_code = ? and period between ? and ?""",
                      [code, add_months(LATEST, -11), LATEST]).fetchone()[0]
    for viewer in (Viewer.council(code), Viewer.national()):
        flags = _flags(small_con, code, viewer)
        assert flags.height == raw
        assert not flags["detail"].str.starts_with("withheld").any()
