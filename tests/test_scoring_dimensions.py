"""Each scoring dimension on hand-built returns loaded by the real loader, against hand-computed scores."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from returns_factory import drop_section
from scoring_builder import clean_rows, load, query, score_of, set_section, write_return

AUG, SEP = "2026-08", "2026-09"
ON_TIME_AUG = datetime(2026, 9, 10, 9, 0)
ON_TIME_SEP = datetime(2026, 10, 15, 17, 0)  # on the deadline day itself: still on time

NOT_RECORDED_12 = "E06000001"   # age band NOT_RECORDED 12 of 40 (and a second month, for rolling12)
SEX_MISSING = "E06000003"       # sex section left out
DOUBLE_COUNTED = "E06000004"    # concern_type sums to 45 with total 40
LATE = "E06000005"              # 15 days late
PRACTICE_HALF = "E06000002"     # two of four practices declared
NIL = "E06000011"               # a nil return (total 0)
REPAIRED = "E06000012"          # byte-order mark and CRLF line endings
SEP_ONLY = "E06000013"          # nothing for August


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dimensions")
    inbox = folder / "inbox"
    rows40 = clean_rows(40)
    files = [
        write_return(inbox, NOT_RECORDED_12, SEP, set_section(rows40, "age_band", {"AGE_11_15": 28, "NOT_RECORDED": 12}),
                     received=ON_TIME_SEP),
        write_return(inbox, NOT_RECORDED_12, AUG, set_section(clean_rows(10), "age_band", {"NOT_RECORDED": 10}),
                     received=ON_TIME_AUG),
        write_return(inbox, SEX_MISSING, SEP, drop_section(clean_rows(20), "sex"), received=ON_TIME_SEP),
        write_return(inbox, DOUBLE_COUNTED, SEP,
                     set_section(rows40, "concern_type", {"ISLAMIST": 20, "EXTREME_RIGHT_WING": 25}),
                     received=ON_TIME_SEP),
        write_return(inbox, LATE, SEP, clean_rows(40), received=datetime(2026, 10, 30, 11, 0)),
        write_return(inbox, PRACTICE_HALF, SEP, clean_rows(40, practice=(1, 1, 0, 0)), received=ON_TIME_SEP),
        write_return(inbox, NIL, SEP, clean_rows(0), received=ON_TIME_SEP),
        write_return(inbox, REPAIRED, SEP, clean_rows(40), received=ON_TIME_SEP, bom=True, newline="\r\n"),
        write_return(inbox, SEP_ONLY, SEP, clean_rows(40), received=ON_TIME_SEP),
    ]
    for code in (SEX_MISSING, DOUBLE_COUNTED, LATE, PRACTICE_HALF, NIL, REPAIRED):
        files.append(write_return(inbox, code, AUG, clean_rows(10), received=ON_TIME_AUG))
    database = folder / "oversight.duckdb"
    load(database, files)
    return database


def test_not_recorded_age_band_costs_its_share_of_one_section(db: Path) -> None:
    # total 40, age_band NOT_RECORDED 12 -> age known 28/40 = 0.7; other four sections 1.0
    # completeness = mean(1, 0.7, 1, 1, 1) = 94.0, and the age band cause costs 12/40/5 = 6.0 points
    assert score_of(db, NOT_RECORDED_12, SEP, "completeness") == pytest.approx(94.0)
    lost = query(db, "select points_lost, detail from score_component where authority_code = $a and period = '2026-09-01' "
                     "and \"window\" = 'month' and dimension = 'completeness'", {"a": NOT_RECORDED_12})
    assert [round(points, 6) for points, _ in lost] == [6.0]
    assert "12 of 40 concerns in 2026-09 had no age band recorded" in lost[0][1] and "+6.0 completeness" in lost[0][1]


def test_rolling_completeness_pools_counts_over_the_window(db: Path) -> None:
    # August: total 10, age all NOT_RECORDED -> known 4 x 10 + 0 = 40 of 5 x 10 = 50 (month score 80.0)
    # September: 4 x 40 + 28 = 188 of 200; pooled (40 + 188) / (50 + 200) = 91.2
    assert score_of(db, NOT_RECORDED_12, AUG, "completeness") == pytest.approx(80.0)
    assert score_of(db, NOT_RECORDED_12, SEP, "completeness", "rolling12") == pytest.approx(91.2)


def test_missing_section_counts_as_nothing_known(db: Path) -> None:
    # four sections fully known, sex missing -> (1 + 1 + 1 + 1 + 0) / 5 = 80.0
    assert score_of(db, SEX_MISSING, SEP, "completeness") == pytest.approx(80.0)
    # a missing section is not an inconsistency: 4 present sections + the flag check all pass
    assert score_of(db, SEX_MISSING, SEP, "internal_consistency") == pytest.approx(100.0)


def test_section_not_summing_to_total_fails_one_of_six_checks(db: Path) -> None:
    # checks: 5 sections + 1 flag-bounds check; concern_type sums to 45 != 40 -> 5/6 = 83.33
    assert score_of(db, DOUBLE_COUNTED, SEP, "internal_consistency") == pytest.approx(500 / 6)
    # over-counting does not make the section more than complete: known capped at total
    assert score_of(db, DOUBLE_COUNTED, SEP, "completeness") == pytest.approx(100.0)


def test_timeliness_falls_linearly_after_the_deadline(db: Path) -> None:
    # deadline 2026-10-15; received 2026-10-30 = 15 days late; zero at 30 days -> 100 x (1 - 15/30) = 50.0
    assert score_of(db, LATE, SEP, "timeliness") == pytest.approx(50.0)
    assert score_of(db, NOT_RECORDED_12, SEP, "timeliness") == pytest.approx(100.0)


def test_practice_is_the_weighted_share_of_declarations_and_evidence(db: Path) -> None:
    # declared 1, 1, 0, 0: SYSTEM_FLAGS_FAMILY_MEMBERS 0.15 + RECORDS_UNREFERRED_CONCERNS 0.10 earned; the four
    # observed-practice measures (0.50 in all) are not beyond England's limits -> 0.25 + 0.50 = 75.0
    assert score_of(db, PRACTICE_HALF, SEP, "practice") == pytest.approx(75.0)


def test_nil_return_has_no_completeness_but_is_covered(db: Path) -> None:
    assert score_of(db, NIL, SEP, "completeness") is None
    assert score_of(db, NIL, SEP, "coverage") == pytest.approx(100.0)


def test_repairs_cost_validity_by_rule(db: Path) -> None:
    # Q207 byte-order mark 5 points + Q208 CRLF 5 points -> 90.0
    assert score_of(db, REPAIRED, SEP, "validity") == pytest.approx(90.0)
    rules = query(db, "select rule_id, points_lost from score_component where authority_code = $a and "
                      "period = '2026-09-01' and \"window\" = 'month' and dimension = 'validity' order by rule_id",
                  {"a": REPAIRED})
    assert rules == [("Q207", 5.0), ("Q208", 5.0)]


def test_coverage_counts_months_owed_in_the_window(db: Path) -> None:
    # scope 2026-08..2026-09: nothing for August -> month 0, rolling12 at September 1 of 2 = 50.0
    assert score_of(db, SEP_ONLY, AUG, "coverage") == pytest.approx(0.0)
    assert score_of(db, SEP_ONLY, SEP, "coverage", "rolling12") == pytest.approx(50.0)
    # an authority that sent nothing at all still owes both months
    assert score_of(db, "E06000020", SEP, "coverage", "rolling12") == pytest.approx(0.0)


def test_composite_renormalises_weights_over_dimensions_that_apply(db: Path) -> None:
    # no transfers -> cross_authority null; weights of the other six sum to 0.90
    # (0.25 x 94 + 0.15 x 100 + 0.15 x 100 + 0.10 x 100 + 0.15 x 100 + 0.10 x 100) / 0.90 = 98.333
    assert score_of(db, NOT_RECORDED_12, SEP, "cross_authority") is None
    assert score_of(db, NOT_RECORDED_12, SEP, "composite") == pytest.approx(88.5 / 0.9)
    band = query(db, "select band from score where authority_code = $a and period = '2026-09-01' and "
                     "\"window\" = 'month' and dimension = 'composite'", {"a": NOT_RECORDED_12})
    assert band == [("Good",)]


def test_points_lost_add_up_to_what_each_score_misses(db: Path) -> None:
    gaps = query(db, """
        select s.authority_code, s.period, s."window", s.dimension, 100 - s.score, coalesce(sum(c.points_lost), 0)
        from score as s
        left join score_component as c using (authority_code, period, "window", dimension)
        where s.score is not null and s.dimension <> 'composite'
        group by all
        having abs(100 - s.score - coalesce(sum(c.points_lost), 0)) > 1e-6
    """)
    assert gaps == []


def test_every_score_records_the_configuration_version(db: Path) -> None:
    versions = query(db, "select distinct config_version from score")
    stored = query(db, "select config_version from score_config")
    assert len(versions) == 1 and versions[0] in stored


OUT_OF_RANGE_SCORES = """
    select 'score' as mart, authority_code, period, "window", dimension, score
    from score where score < 0 or score > 100
    union all
    select 'measure_value', code, period, "window", measure, value
    from measure_value
    where measure in (select distinct dimension from score) and (value < 0 or value > 100)
"""


def test_no_stored_score_is_outside_0_to_100(db: Path) -> None:
    assert query(db, OUT_OF_RANGE_SCORES) == []


def test_no_score_in_the_national_demo_is_outside_0_to_100(demo_db: Path) -> None:
    # Many authorities and fractional losses: where floating-point error (100.00000000000001) shows.
    assert query(demo_db, "select count(*) from score where score is not null")[0][0] > 0
    assert query(demo_db, OUT_OF_RANGE_SCORES) == []
