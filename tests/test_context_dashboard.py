"""Context in the dashboard: the authority panel's published measures against comparators (hand-computed
from the real files), concerns per 1,000 referrals (hand-computed from returns and a referrals file),
Prevent priority areas as a marker and a filter, and callbacks that check their inputs."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dash._utils import to_json

from dashboard.figures import context as figures
from dashboard.queries import context as queries
from etl.context import import_context_files
from etl.reference import load_reference
from etl.settings import REFERENCE_DIR
from scoring_builder import clean_rows, load, write_return

CONTEXT_DIR = REFERENCE_DIR / "context"
HARTLEPOOL = "E06000001"
# North East authorities, and two Prevent priority areas (Newcastle in the North East, Birmingham).
TOTALS = {"E06000001": (4, 6), "E06000002": (9, 11), "E06000003": (2, 3), "E06000004": (7, 5),
          "E06000005": (3, 3), "E08000021": (20, 25), "E08000025": (60, 70)}
REFERRALS = {"E06000001": "1500", "E06000002": "2400", "E06000003": "1100", "E06000004": "1800",
             "E06000005": "c", "E08000021": "3500", "E08000025": "14000"}


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def real_context_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("ctx") / "o.duckdb"
    import_context_files(sorted(p for p in CONTEXT_DIR.glob("*.csv") if not p.name.endswith(".meta.csv")), db)
    return db


@pytest.fixture(scope="module")
def returns_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ret")
    db = root / "o.duckdb"
    files = []
    for code, (may, june) in TOTALS.items():
        files.append(write_return(root / "in", code, "2025-05", clean_rows(may), received=datetime(2025, 6, 5)))
        files.append(write_return(root / "in", code, "2025-06", clean_rows(june), received=datetime(2025, 7, 5)))
    load(db, files)
    reference = load_reference()
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "old_la_code", "new_la_code", "la_name", "category", "referral_count"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for code, count in REFERRALS.items():
        a = reference.authority(code)
        writer.writerow(["2025", "Reporting year", "Local authority", "E92000001", "England", a.region_code, a.region_name,
                         a.dfe_code, code, a.name, "Referrals", count])
    path = root / "referrals-test-2025.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    import_context_files([path], db)
    return db


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


# ---- the authority panel's measures --------------------------------------------------------------------

def test_children_in_need_per_10000_uses_the_mid_year_before_the_year_to_march(real_context_db: Path) -> None:
    cin = [r for r in rows_of(CONTEXT_DIR / "children-in-need-2013-2025.csv") if r["time_period"] == "2025"]
    reference = load_reference()
    own = next(r for r in cin if r["new_la_code"] == HARTLEPOOL)
    published = [r for r in cin if r["geographic_level"] == "Local authority"]
    region_codes = {r["new_la_code"] for r in published if reference.authority(r["new_la_code"]).region_code == "E12000001"}
    england_population = sum(reference.population(r["new_la_code"], 2024) for r in published)
    region_population = sum(reference.population(code, 2024) for code in region_codes)
    england = next(r for r in cin if r["geographic_level"] == "National")
    region = next(r for r in cin if r["geographic_level"] == "Regional" and r["region_code"] == "E12000001")
    neighbours = reference.neighbours(HARTLEPOOL)
    neighbour_values = [int(r["At31_episodes"]) / reference.population(r["new_la_code"], 2024) * 10_000
                        for r in published if r["new_la_code"] in neighbours]
    with connect(real_context_db) as con:
        series = queries.measure_series(con, HARTLEPOOL, "children_in_need_per_10k").filter(pl.col("time_period") == "2025")
    value = dict(zip(series["series"], series["value"]))
    assert value["authority"] == pytest.approx(int(own["At31_episodes"]) / reference.population(HARTLEPOOL, 2024) * 10_000)
    assert value["england"] == pytest.approx(int(england["At31_episodes"]) / england_population * 10_000)
    assert value["region"] == pytest.approx(int(region["At31_episodes"]) / region_population * 10_000)
    assert value["neighbours"] == pytest.approx(sum(neighbour_values) / len(neighbour_values))


def test_the_rereferral_share_is_re_referrals_over_referrals_and_a_suppressed_figure_stays_a_symbol(real_context_db: Path) -> None:
    rows = rows_of(CONTEXT_DIR / "referrals-2013-2025.csv")
    own = next(r for r in rows if r["new_la_code"] == HARTLEPOOL and r["time_period"] == "2025")
    suppressed = next(r for r in rows if r["geographic_level"] == "Local authority" and r["rereferral_count"] in ("c", "x", "u"))
    with connect(real_context_db) as con:
        mine = queries.measure_series(con, HARTLEPOOL, "rereferral_share").filter(
            (pl.col("series") == "authority") & (pl.col("time_period") == "2025"))
        theirs = queries.measure_series(con, suppressed["new_la_code"], "rereferral_share").filter(
            (pl.col("series") == "authority") & (pl.col("time_period") == suppressed["time_period"]))
    assert mine["value"][0] == pytest.approx(int(own["rereferral_count"]) / int(own["referral_count"]) * 100)
    assert theirs["value"][0] is None and theirs["numerator_symbol"][0] == suppressed["rereferral_count"]


# ---- concerns per 1,000 referrals -----------------------------------------------------------------------

def test_concerns_per_1000_referrals_are_hand_computable_and_suppressed_referrals_are_left_out(returns_db: Path) -> None:
    with connect(returns_db) as con:
        funnel = queries.referral_funnel(con, date(2025, 6, 1))
    assert funnel.wanted_year == 2026 and funnel.referral_year == 2025  # 2025-26 not published: the latest is used
    points = {row["authority_code"]: row for row in funnel.points.iter_rows(named=True)}
    assert set(points) == set(TOTALS) - {"E06000005"}
    assert funnel.excluded.rows() == [("E06000005", "Darlington", "referrals published as 'c'")]
    for code, row in points.items():
        exposure = int(REFERRALS[code]) * 2 / 12
        assert row["observed"] == sum(TOTALS[code])
        assert row["rate"] == pytest.approx(sum(TOTALS[code]) / exposure * 1000)
    total_observed = sum(sum(TOTALS[c]) for c in points)
    total_exposure = sum(int(REFERRALS[c]) * 2 / 12 for c in points)
    assert funnel.target_rate == pytest.approx(total_observed / total_exposure * 1000)
    assert {c for c, r in points.items() if r["is_priority"]} == {"E08000021", "E08000025"}
    groups = queries.group_rates(funnel.points, "is_priority")
    priority = groups.filter(pl.col("group") == "true").row(0, named=True)
    observed = sum(TOTALS["E08000021"]) + sum(TOTALS["E08000025"])
    assert priority["rate"] == pytest.approx(observed / ((3500 + 14000) * 2 / 12) * 1000)
    assert priority["lower"] < priority["rate"] < priority["upper"]


def test_availability_says_what_the_database_holds_and_a_passed_one_is_used(returns_db: Path, tmp_path: Path) -> None:
    from etl.db import connect as connect_new, migrate

    with connect(returns_db) as con:
        known = queries.availability(con)
        assert known == queries.Availability(tables=True, imported=True, priority_areas=True) and known.context
        # the funnel answers from the availability it is given (read once by the caller), not by reading it again
        unimported = queries.Availability(tables=True, imported=False, priority_areas=False)
        assert queries.referral_funnel(con, date(2025, 6, 1), known=unimported).referral_year is None
        assert queries.priority_areas(con, unimported).is_empty() and not queries.priority_areas(con, known).is_empty()
    empty = tmp_path / "empty.duckdb"
    con = connect_new(empty)
    migrate(con)
    con.close()
    with connect(empty) as con:
        nothing = queries.availability(con)
        assert nothing.tables and not nothing.imported and not nothing.context
        assert queries.sources(con, nothing).is_empty()


def test_the_reporting_year_holds_april_to_march() -> None:
    assert queries.reporting_year(date(2025, 3, 1)) == 2025
    assert queries.reporting_year(date(2025, 4, 1)) == 2026


# ---- figures (pure) --------------------------------------------------------------------------------------

def _points(priority: list[bool]) -> pl.DataFrame:
    n = len(priority)
    return pl.DataFrame({"name": [f"A{i}" for i in range(n)], "region_name": ["North East"] * n,
                         "population": [100.0 * (i + 1) for i in range(n)], "rate": [5.0 + i for i in range(n)],
                         "flag": ["in_control"] * n, "is_priority": priority})


def test_priority_areas_carry_a_ring_in_the_funnel_and_say_so_in_hover_text() -> None:
    limits = pl.DataFrame({"population": [50.0, 1000.0], "lower95": [1.0, 4.0], "upper95": [12.0, 8.0],
                           "lower998": [0.5, 3.0], "upper998": [15.0, 9.0]})
    figure = figures.referral_funnel_figure(_points([True, False, True]), limits, 6.0)
    rings = [t for t in figure.data if t.name == "Prevent priority area (ring)"]
    assert len(rings) == 1 and list(rings[0].x) == [100.0, 300.0]
    hover = [text for t in figure.data if t.mode == "markers" and t.text is not None for text in t.text]
    assert "A0 (Prevent priority area)" in hover and "A1" in hover
    none = figures.referral_funnel_figure(_points([False, False]), limits, 6.0)
    assert not [t for t in none.data if t.name == "Prevent priority area (ring)"]


def test_a_context_trend_leaves_a_gap_for_a_suppressed_year_rather_than_a_zero() -> None:
    series = pl.DataFrame({"series": ["authority"] * 3, "year": [2023, 2024, 2025], "period_label": ["2023", "2024", "2025"],
                           "value": [10.0, None, 12.0]})
    figure = figures.context_trend_figure(series, {"authority": "Hartlepool"}, "Children in need", "per 10,000")
    [trace] = figure.data
    assert list(trace.y) == [10.0, None, 12.0] and trace.connectgaps is False


# ---- the page blocks, through their callbacks ------------------------------------------------------------

@pytest.fixture(scope="module")
def panel(returns_db: Path):
    from dashboard.server import create_app

    create_app(returns_db)
    from dashboard import context_panel

    return context_panel


def test_the_authority_panel_labels_real_figures_and_marks_a_priority_area(panel) -> None:
    text = to_json(panel.update_authority_context("E08000021"))
    assert "Real published figures" in text and "is a Prevent priority area (2024-25)" in text
    assert "Referrals to children" in text  # the test's referrals edition has referral_count only
    other = to_json(panel.update_authority_context(HARTLEPOOL))
    assert "is not on the Prevent priority areas list" in other


def test_the_referrals_funnel_filter_shows_priority_areas_only(panel) -> None:
    text = to_json(panel.update_referrals("2025-06", "E12000001", "priority"))
    assert "2 authorities shown (prevent priority areas only)" in text
    assert "Darlington: referrals published as &#x27;c&#x27;" in text or "Darlington: referrals published as 'c'" in text


@pytest.mark.parametrize("args", [("2025-06", "E12000001", "<script>"), ("1999-01", "E12000001", "all"),
                                  ("2025-06", "nowhere", "all"), (None, None, None)])
def test_crafted_inputs_get_a_message_not_a_traceback(panel, args) -> None:
    result = panel.update_referrals(*args)
    assert getattr(result, "role", None) == "alert"
    assert getattr(panel.update_authority_context("'; drop table x"), "role", None) == "alert"
