"""The reference tables about real authorities, read from data/reference (built by scripts/build_reference.py).

Files (all UTF-8 CSV, committed with attribution in data/reference/ATTRIBUTION.md):
- authorities.csv: gss_code, dfe_code, name, region_code, region_name, valid_from, valid_to,
  predecessor_codes, successor_codes, alias_codes. valid_from/valid_to are YYYY-MM, inclusive,
  empty when open. The code lists are ';'-separated.
- population_0_17.csv: gss_code, year, population (ONS mid-year estimate of children aged 0-17).
- statistical_neighbours.csv: gss_code, rank, neighbour_gss_code, closeness.
- regions.csv: region_code, region_name.
- prevent_priority_areas.csv: gss_code, financial_year, name, source_url (the Home Office's Prevent
  priority areas; optional: a reference folder without it has none).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .errors import ReferenceDataError
from .periods import format_period, parse_period
from .settings import REFERENCE_DIR

PRIORITY_AREAS_FILE = "prevent_priority_areas.csv"
PRIORITY_AREA_COLUMNS = ("gss_code", "financial_year", "name", "source_url")


@dataclass(frozen=True)
class Authority:
    gss_code: str
    dfe_code: str
    name: str
    region_code: str
    region_name: str
    valid_from: date | None
    valid_to: date | None
    predecessor_codes: tuple[str, ...]
    successor_codes: tuple[str, ...]
    alias_codes: tuple[str, ...]

    def valid_in(self, period: date) -> bool:
        return (self.valid_from is None or self.valid_from <= period) and (
            self.valid_to is None or period <= self.valid_to
        )

    def validity_text(self) -> str:
        start = format_period(self.valid_from) if self.valid_from else "the start"
        end = format_period(self.valid_to) if self.valid_to else "now"
        return f"valid from {start} to {end}"


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in (text or "").split(";") if code.strip())


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise ReferenceDataError(
            f"reference table {path} is missing: run `python scripts/build_reference.py` "
            "or restore data/reference from git"
        )
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_priority_areas(directory: Path | None = None) -> list[dict[str, str]]:
    """The Prevent priority areas table of a reference folder (built by scripts/build_reference.py);
    [] if the folder has none."""
    path = Path(directory or REFERENCE_DIR) / PRIORITY_AREAS_FILE
    if not path.is_file():
        return []
    rows = _read_csv(path)
    missing = set(PRIORITY_AREA_COLUMNS) - set(rows[0]) if rows else set()
    if missing:
        raise ReferenceDataError(
            f"{path} lacks columns {', '.join(sorted(missing))}: rebuild it with `python scripts/build_reference.py`"
        )
    return rows


class Reference:
    """Authorities with their validity, populations, statistical neighbours and Prevent priority areas."""

    def __init__(
        self,
        authorities: dict[str, Authority],
        population: dict[tuple[str, int], int],
        neighbours: dict[str, list[tuple[int, str, str]]],
        regions: dict[str, str],
        priority_areas: list[dict[str, str]] | None = None,
    ) -> None:
        self.authorities = authorities
        self._population = population
        self._neighbours = neighbours
        self.regions = regions
        self.priority_areas = priority_areas or []
        self._aliases = {alias: a.gss_code for a in authorities.values() for alias in a.alias_codes}

    @classmethod
    def load(cls, directory: Path | None = None) -> "Reference":
        directory = Path(directory or REFERENCE_DIR)
        authorities: dict[str, Authority] = {}
        for row in _read_csv(directory / "authorities.csv"):
            authorities[row["gss_code"]] = Authority(
                gss_code=row["gss_code"],
                dfe_code=row["dfe_code"],
                name=row["name"],
                region_code=row["region_code"],
                region_name=row["region_name"],
                valid_from=parse_period(row["valid_from"]) if row["valid_from"] else None,
                valid_to=parse_period(row["valid_to"]) if row["valid_to"] else None,
                predecessor_codes=_codes(row["predecessor_codes"]),
                successor_codes=_codes(row["successor_codes"]),
                alias_codes=_codes(row["alias_codes"]),
            )
        population = {
            (row["gss_code"], int(row["year"])): int(row["population"])
            for row in _read_csv(directory / "population_0_17.csv")
        }
        neighbours: dict[str, list[tuple[int, str, str]]] = {}
        for row in _read_csv(directory / "statistical_neighbours.csv"):
            neighbours.setdefault(row["gss_code"], []).append(
                (int(row["rank"]), row["neighbour_gss_code"], row["closeness"])
            )
        regions = {row["region_code"]: row["region_name"] for row in _read_csv(directory / "regions.csv")}
        return cls(authorities, population, neighbours, regions, read_priority_areas(directory))

    def authority(self, code: str) -> Authority | None:
        return self.authorities.get(code)

    def canonical_code(self, code: str) -> str | None:
        """The canonical GSS code for a code or a documented alias (e.g. Barnsley's 2025 code)."""
        if code in self.authorities:
            return code
        return self._aliases.get(code)

    def valid_in(self, code: str, period: date) -> bool:
        authority = self.authorities.get(code)
        return authority is not None and authority.valid_in(period)

    def expected_authorities(self, period: date) -> list[Authority]:
        """The authorities that owe a return for this period, in code order."""
        return sorted((a for a in self.authorities.values() if a.valid_in(period)), key=lambda a: a.gss_code)

    def population(self, code: str, year: int) -> int | None:
        """Children aged 0-17 at the mid-year; the nearest published year when that year is missing."""
        if (code, year) in self._population:
            return self._population[(code, year)]
        years = [y for (c, y) in self._population if c == code]
        if not years:
            return None
        nearest = min(years, key=lambda y: (abs(y - year), -y))
        return self._population[(code, nearest)]

    def population_rows(self) -> list[tuple[str, int, int]]:
        return [(code, year, value) for (code, year), value in sorted(self._population.items())]

    def neighbours(self, code: str) -> list[str]:
        return [gss for _, gss, _ in sorted(self._neighbours.get(code, []))]

    def neighbour_rows(self) -> list[tuple[str, int, str, str]]:
        return [(code, rank, gss, closeness) for code, rows in sorted(self._neighbours.items()) for rank, gss, closeness in sorted(rows)]

    def priority_area_rows(self) -> list[tuple[str, str, str, str]]:
        return sorted(tuple(row[key] for key in PRIORITY_AREA_COLUMNS) for row in self.priority_areas)


@lru_cache(maxsize=4)
def load_reference(directory: str | None = None) -> Reference:
    """The reference tables, read once per process (they change only with a new build)."""
    return Reference.load(Path(directory) if directory else None)
