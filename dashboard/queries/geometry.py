"""The authority boundaries for the map, valid in a given month (reference data, not the database).

`data/reference/geometry/utla.geojson` holds every upper-tier boundary England has had since 2014
(from the ONS boundaries, see data/reference/ATTRIBUTION.md); each feature has `valid_from` and
`valid_to` (YYYY-MM, null = open). Keeping only the features valid in a month gives exactly one shape
per authority that existed then, so reorganised authorities draw correctly in every period.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from etl.errors import ReferenceDataError
from etl.periods import format_period
from etl.settings import REFERENCE_DIR

GEOJSON = REFERENCE_DIR / "geometry" / "utla.geojson"


@lru_cache(maxsize=2)
def _all_features(path: Path = GEOJSON) -> tuple[dict, ...]:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(
            f"the map boundaries {path} cannot be read ({exc}); rebuild them with scripts/build_reference.py"
        ) from exc
    return tuple(collection["features"])


def _valid(properties: dict, month: str) -> bool:
    start, end = properties.get("valid_from"), properties.get("valid_to")
    return (start is None or start <= month) and (end is None or month <= end)


@lru_cache(maxsize=32)
def boundaries_for_period(period: date, path: Path = GEOJSON) -> dict:
    """A GeoJSON FeatureCollection of the boundaries valid in `period`, keyed by properties.gss_code.

    Cached per period: the collection is shared, so callers must not modify it.
    """
    month = format_period(period)
    features = [feature for feature in _all_features(path) if _valid(feature["properties"], month)]
    return {"type": "FeatureCollection", "features": features}


URL_PREFIX = "/_oversight/boundaries/"
_URL_NAME = re.compile(r"^(\d{4}-\d{2})\.json$")


def boundaries_url(period: date) -> str:
    """Where the app serves `boundaries_for_period(period)` (see dashboard.server)."""
    return f"{URL_PREFIX}{format_period(period)}.json"


def period_of_url_name(name: str) -> str | None:
    """'2026-10.json' -> '2026-10'; None for anything else (the route answers 404)."""
    match = _URL_NAME.match(name)
    return match.group(1) if match else None


@lru_cache(maxsize=32)
def boundaries_json(period: date) -> str:
    """The boundaries valid in `period` as GeoJSON text (cached: the route sends the same bytes)."""
    return json.dumps(boundaries_for_period(period), separators=(",", ":"))


def boundary_names(period: date) -> pl.DataFrame:
    """gss_code, name of every boundary drawn for `period` (one row per authority)."""
    features = boundaries_for_period(period)["features"]
    return pl.DataFrame(
        {"gss_code": [f["properties"]["gss_code"] for f in features], "name": [f["properties"].get("name", "") for f in features]},
        schema={"gss_code": pl.String, "name": pl.String},
    )
