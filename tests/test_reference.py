"""Tests of the committed reference tables in data/reference, read through etl.reference.Reference."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

from etl.errors import ReferenceDataError
from etl.reference import Reference
from etl.settings import REFERENCE_DIR

GSS = re.compile(r"^E(06|08|09|10)\d{6}$")
GEOMETRY = REFERENCE_DIR / "geometry" / "utla.geojson"


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference.load(REFERENCE_DIR)


@pytest.fixture(scope="module")
def features() -> list[dict]:
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))["features"]


def codes_valid(ref: Reference, period: date) -> set[str]:
    return {a.gss_code for a in ref.expected_authorities(period)}


@pytest.mark.parametrize(
    ("period", "expected"),
    [(date(2019, 3, 1), 152), (date(2019, 4, 1), 151), (date(2021, 4, 1), 152), (date(2023, 3, 1), 152), (date(2023, 4, 1), 153), (date(2026, 10, 1), 153)],
)
def test_number_of_authorities_owing_returns_follows_the_reorganisations(ref: Reference, period: date, expected: int) -> None:
    assert len(ref.expected_authorities(period)) == expected


def test_every_code_is_an_english_upper_tier_gss_code(ref: Reference) -> None:
    assert ref.authorities and all(GSS.match(code) for code in ref.authorities)
    assert all(re.fullmatch(r"\d{3}", a.dfe_code) for a in ref.authorities.values())


def test_cumbria_is_valid_until_march_2023_and_replaced_by_its_two_successors(ref: Reference) -> None:
    assert ref.valid_in("E10000006", date(2023, 3, 1))
    assert not ref.valid_in("E10000006", date(2023, 4, 1))
    cumbria = ref.authority("E10000006")
    assert cumbria is not None and set(cumbria.successor_codes) == {"E06000063", "E06000064"}
    for successor in cumbria.successor_codes:
        assert not ref.valid_in(successor, date(2023, 3, 1))
        assert ref.valid_in(successor, date(2023, 4, 1))
        assert "E10000006" in ref.authorities[successor].predecessor_codes


@pytest.mark.parametrize(
    ("old", "new", "first_new_period"),
    [
        ("E10000002", {"E06000060"}, date(2020, 4, 1)),
        ("E10000021", {"E06000061", "E06000062"}, date(2021, 4, 1)),
        ("E10000023", {"E06000065"}, date(2023, 4, 1)),
        ("E10000027", {"E06000066"}, date(2023, 4, 1)),
        ("E06000028", {"E06000058"}, date(2019, 4, 1)),
        ("E06000029", {"E06000058"}, date(2019, 4, 1)),
        ("E10000009", {"E06000058", "E06000059"}, date(2019, 4, 1)),
    ],
)
def test_predecessors_hand_over_to_successors_in_april_with_no_gap(ref: Reference, old: str, new: set[str], first_new_period: date) -> None:
    last_old_period = date(first_new_period.year, 3, 1)
    assert set(ref.authorities[old].successor_codes) == new
    assert ref.valid_in(old, last_old_period) and not ref.valid_in(old, first_new_period)
    for code in new:
        assert ref.valid_in(code, first_new_period) and not ref.valid_in(code, last_old_period)
        assert old in ref.authorities[code].predecessor_codes


def test_successor_and_predecessor_links_agree_both_ways(ref: Reference) -> None:
    for authority in ref.authorities.values():
        for successor in authority.successor_codes:
            assert authority.gss_code in ref.authorities[successor].predecessor_codes
        for predecessor in authority.predecessor_codes:
            assert authority.gss_code in ref.authorities[predecessor].successor_codes


def test_2025_boundary_codes_resolve_to_the_codes_dfe_uses(ref: Reference) -> None:
    assert ref.canonical_code("E08000038") == "E08000016"
    assert ref.canonical_code("E08000039") == "E08000019"
    assert ref.canonical_code("E08000016") == "E08000016"
    assert ref.canonical_code("E99999999") is None
    assert "E08000038" not in ref.authorities


def test_unreorganised_authorities_have_open_validity(ref: Reference) -> None:
    hartlepool = ref.authority("E06000001")
    assert hartlepool is not None and hartlepool.valid_from is None and hartlepool.valid_to is None
    assert hartlepool.validity_text() == "valid from the start to now"


def test_every_authority_is_in_one_of_the_nine_english_regions(ref: Reference) -> None:
    assert len(ref.regions) == 9 and all(code.startswith("E12") for code in ref.regions)
    for authority in ref.authorities.values():
        assert authority.region_code in ref.regions, authority.gss_code
        assert authority.region_name == ref.regions[authority.region_code]
    london = [a for a in ref.expected_authorities(date(2026, 10, 1)) if a.region_code == "E12000007"]
    assert len(london) == 33  # 32 boroughs and the City of London, no E13 Inner/Outer London codes


def test_every_authority_owing_returns_since_2019_has_a_population_for_its_last_year(ref: Reference) -> None:
    published = {(code, year) for code, year, _ in ref.population_rows()}
    for authority in ref.authorities.values():
        if authority.valid_to is not None and authority.valid_to < date(2019, 4, 1):
            continue  # replaced in April 2019: DfE publishes no figures for Bournemouth, Poole, Dorset county
        last_year = min(2024, authority.valid_to.year - 1) if authority.valid_to else 2024
        assert (authority.gss_code, last_year) in published, authority.gss_code


def test_populations_are_positive_whole_numbers(ref: Reference) -> None:
    rows = ref.population_rows()
    assert rows and all(isinstance(value, int) and value > 0 for _, _, value in rows)


def test_population_falls_back_to_the_nearest_published_year(ref: Reference) -> None:
    years = sorted(year for code, year, _ in ref.population_rows() if code == "E06000063")
    assert years and years[0] > 2012  # Cumberland is published only from its first year
    first, last = years[0], years[-1]
    assert ref.population("E06000063", first - 3) == ref.population("E06000063", first)
    assert ref.population("E06000063", last + 5) == ref.population("E06000063", last)
    assert ref.population("E99999999", 2024) is None


def test_every_current_authority_has_ten_distinct_current_neighbours(ref: Reference) -> None:
    current = codes_valid(ref, date(2026, 10, 1))
    for code in current:
        neighbours = ref.neighbours(code)
        assert len(neighbours) == 10 and len(set(neighbours)) == 10, code
        assert code not in neighbours and set(neighbours) <= current, code
    ranks = {(code, rank) for code, rank, _, _ in ref.neighbour_rows()}
    assert {rank for _, rank in ranks} == set(range(1, 11))


def test_closeness_bands_have_no_stray_spaces(ref: Reference) -> None:
    bands = {closeness for _, _, _, closeness in ref.neighbour_rows()}
    assert bands and all(band == band.strip() and band for band in bands)


def test_missing_reference_folder_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="build_reference.py"):
        Reference.load(tmp_path)


def drawn_in_year(features: list[dict], year: int) -> list[str]:
    return [
        f["properties"]["gss_code"]
        for f in features
        if (f["properties"]["start"] is None or f["properties"]["start"] <= year)
        and (f["properties"]["end"] is None or f["properties"]["end"] >= year)
    ]


@pytest.mark.parametrize("year", range(2019, 2027))
def test_map_has_one_feature_per_authority_valid_in_the_year(ref: Reference, features: list[dict], year: int) -> None:
    drawn = drawn_in_year(features, year)
    assert len(drawn) == len(set(drawn))
    assert set(drawn) == codes_valid(ref, date(year, 4, 1))


@pytest.mark.parametrize("period", ["2019-03", "2020-03", "2023-03", "2023-04", "2025-06"])
def test_map_features_by_month_match_the_authorities_owing_returns(ref: Reference, features: list[dict], period: str) -> None:
    drawn = [
        f["properties"]["gss_code"]
        for f in features
        if (f["properties"]["valid_from"] is None or f["properties"]["valid_from"] <= period)
        and (f["properties"]["valid_to"] is None or period <= f["properties"]["valid_to"])
    ]
    year, month = map(int, period.split("-"))
    assert len(drawn) == len(set(drawn))
    assert set(drawn) == codes_valid(ref, date(year, month, 1))


def test_predecessor_boundaries_are_drawn_for_early_periods(features: list[dict]) -> None:
    ends = {f["properties"]["gss_code"]: f["properties"]["end"] for f in features if f["properties"]["end"] is not None and f["properties"]["gss_code"] == f["properties"]["boundary_code"]}
    assert ends["E10000006"] == 2022 and ends["E10000023"] == 2022 and ends["E10000027"] == 2022
    assert ends["E10000021"] == 2020 and ends["E10000002"] == 2019


def test_map_geometry_is_closed_rings_inside_england_and_small(features: list[dict]) -> None:
    assert GEOMETRY.stat().st_size < 2_000_000
    for feature in features:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for ring in (ring for polygon in polygons for ring in polygon):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(-6.5 < lon < 2.0 and 49.8 < lat < 56.0 for lon, lat in ring)
            assert all(round(value, 4) == value for point in ring for value in point)


def test_feature_table_lists_the_same_boundaries_as_the_map(features: list[dict]) -> None:
    with (REFERENCE_DIR / "geometry" / "features.csv").open(encoding="utf-8", newline="") as handle:
        table = {row["boundary_code"]: row["gss_code"] for row in csv.DictReader(handle)}
    assert table == {f["properties"]["boundary_code"]: f["properties"]["gss_code"] for f in features}
