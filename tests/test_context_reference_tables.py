"""The project's own copies of published context tables in data/reference (built by scripts/build_reference.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from etl.errors import ReferenceDataError
from etl.reference import PRIORITY_AREAS_FILE, Reference, read_priority_areas
from etl.settings import REFERENCE_DIR


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_prevent_priority_areas_are_known_english_authorities_with_their_source() -> None:
    reference = Reference.load(REFERENCE_DIR)
    rows = rows_of(REFERENCE_DIR / "prevent_priority_areas.csv")
    assert rows and len({r["gss_code"] for r in rows}) == len(rows)
    for row in rows:
        authority = reference.authority(row["gss_code"])
        assert authority is not None and authority.valid_to is None, row
        assert authority.dfe_code == row["dfe_code"] and row["source_url"].startswith("https://")
        assert row["financial_year"] == "2024-25"


def test_a_reference_folder_without_priority_areas_has_none(tmp_path: Path) -> None:
    for name in ("authorities.csv", "population_0_17.csv", "statistical_neighbours.csv", "regions.csv"):
        (tmp_path / name).write_bytes((REFERENCE_DIR / name).read_bytes())
    reference = Reference.load(tmp_path)
    assert reference.priority_areas == [] and reference.priority_area_rows() == []
    assert len(Reference.load(REFERENCE_DIR).priority_area_rows()) == len(rows_of(REFERENCE_DIR / PRIORITY_AREAS_FILE))


def test_a_priority_areas_table_missing_a_column_says_which_and_how_to_rebuild(tmp_path: Path) -> None:
    (tmp_path / PRIORITY_AREAS_FILE).write_text("gss_code,financial_year,name\nE08000021,2024-25,Newcastle\n",
                                                encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"lacks columns source_url: rebuild it with .*build_reference\.py"):
        read_priority_areas(tmp_path)


@pytest.mark.parametrize("name", ["children-in-need-2013-2025", "referrals-2013-2025"])
def test_each_context_copy_has_metadata_naming_its_filters_and_indicators(name: str) -> None:
    data = rows_of(REFERENCE_DIR / "context" / f"{name}.csv")
    meta = rows_of(REFERENCE_DIR / "context" / f"{name}.meta.csv")
    described = [m["col_name"] for m in meta]
    identifiers = list(data[0])[:10]
    assert identifiers[:3] == ["time_period", "time_identifier", "geographic_level"]
    assert described == list(data[0])[10:]
    assert {m["col_type"] for m in meta} == {"Filter", "Indicator"}
    assert all(m["label"] for m in meta)
