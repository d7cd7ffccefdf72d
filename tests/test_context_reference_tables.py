"""The project's own copies of published context tables in data/reference (built by scripts/build_reference.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from etl.reference import Reference
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
