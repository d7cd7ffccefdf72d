"""Builds the project's reference tables in data/reference/ from the published ONS and DfE files.

This is the only code in the project that reads ../shared/reference (or the folder given with
--source); everything at run time reads the tables written here, in the formats documented in
etl/reference.py. Run it from the repository root:

    python scripts/build_reference.py [--source ../shared/reference] [--out data/reference]

What it derives, and from what:
- authorities.csv: the 153 English upper-tier authorities of the April 2023 LTLA-UTLA lookup plus the
  predecessors replaced from April 2019 onwards, with validity, predecessor/successor codes worked out
  from the ONS code-change log (terminations and mergers, followed through district-level chains),
  alias codes from its `new_code` rows (Barnsley and Sheffield 2025), DfE 3-digit codes and regions
  from the DfE population file (Inner/Outer London E13 codes folded into London E12000007) and
  cross-checked against the ONS 2014 district lookup rolled forward.
- regions.csv, population_0_17.csv, statistical_neighbours.csv (DfE codes joined to GSS codes).
- geometry/utla.geojson and geometry/features.csv: English upper-tier boundaries decoded from the ONS
  TopoJSON `utla` layer, keyed by canonical GSS code, with the years and months each is valid.
- context/children-in-need-2013-2025.csv and context/referrals-2013-2025.csv (+ .meta.csv): DfE's
  children in need and referrals (table C1) tidy files, checked and normalised, still in the tidy
  format so `oversight import-context` reads them like any published file (real published figures).
- prevent_priority_areas.csv: the Home Office's 2024-25 Prevent priority areas in England.
Every check that fails stops the build with a message; nothing is written until all checks pass.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "reference"
DEFAULT_OUT = REPO_ROOT / "data" / "reference"

LONDON = "E12000007"
# DfE tidy files put London authorities under Inner/Outer London; the project reports by E12 region.
E13_TO_E12 = {"E13000001": LONDON, "E13000002": LONDON}
UPPER_TIER_PREFIXES = ("E06", "E08", "E09", "E10")
FIRST_RETURN_YEAR = 2019  # reorganisations from April 2019 onwards matter to the collection
SUPPRESSED = {"c", "x", "z", "u", ""}
COORD_DECIMALS = 4
MAX_GEOJSON_BYTES = 2_000_000


class BuildError(Exception):
    """A source file does not say what the build expects; the message says what and where."""


def check(condition: bool, message: str) -> None:
    # Explicit checks rather than `assert`, so they still run under python -O.
    if not condition:
        raise BuildError(message)


def read_csv(path: Path) -> list[dict[str, str]]:
    check(path.exists(), f"source file {path} is missing: pass --source pointing at shared/reference")
    with path.open(encoding="utf-8-sig", newline="") as handle:  # ONS files carry a byte-order mark
        return list(csv.DictReader(handle))


def is_upper_tier(code: str) -> bool:
    return code.startswith(UPPER_TIER_PREFIXES)


@dataclass
class AuthorityRow:
    gss_code: str
    name: str
    dfe_code: str = ""
    region_code: str = ""
    region_name: str = ""
    valid_from: str = ""
    valid_to: str = ""
    predecessor_codes: set[str] = field(default_factory=set)
    successor_codes: set[str] = field(default_factory=set)
    alias_codes: set[str] = field(default_factory=set)

    def valid_in(self, period: str) -> bool:
        return (not self.valid_from or self.valid_from <= period) and (not self.valid_to or period <= self.valid_to)

    def as_csv(self) -> dict[str, str]:
        return {
            "gss_code": self.gss_code,
            "dfe_code": self.dfe_code,
            "name": self.name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "predecessor_codes": ";".join(sorted(self.predecessor_codes)),
            "successor_codes": ";".join(sorted(self.successor_codes)),
            "alias_codes": ";".join(sorted(self.alias_codes)),
        }


# --------------------------------------------------------------------------- authorities


def current_upper_tier(lookup: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """UTLA code -> name, and LTLA code -> UTLA code, for England in April 2023."""
    english = [row for row in lookup if row["UTLA23CD"].startswith("E")]
    utlas = {row["UTLA23CD"]: row["UTLA23NM"] for row in english}
    check(all(is_upper_tier(code) for code in utlas), "April 2023 lookup has an English UTLA outside E06/E08/E09/E10")
    check(len(utlas) == 153, f"April 2023 lookup has {len(utlas)} English UTLAs, expected 153")
    return utlas, {row["LTLA23CD"]: row["UTLA23CD"] for row in english}


def roll_forward(code: str, mergers: dict[str, tuple[str, int]], until: int) -> tuple[str, int | None]:
    """Follow a district code through merger chains up to `until`; the final code and the last change year."""
    year = None
    while code in mergers and mergers[code][1] <= until:
        code, year = mergers[code]
    return code, year


def build_authorities(source: Path) -> tuple[dict[str, AuthorityRow], list[dict[str, str]]]:
    utlas, ltla_to_utla = current_upper_tier(read_csv(source / "ons" / "LTLA-UTLA_Apr23_Lookup_England-Wales.csv"))
    changes = read_csv(source / "ons" / "code-changes-2018-2025.csv")
    ltla14 = read_csv(source / "ons" / "ltla14-lookup.csv")
    population = read_csv(source / "dfe" / "population-0-17-by-la-2012-2024.csv")

    authorities = {code: AuthorityRow(code, name) for code, name in utlas.items()}
    # Only local-authority mergers: the log also holds combined-authority (E47) and Scottish changes.
    mergers = {
        row["oldcd"]: (row["newcd"], int(row["start"]))
        for row in changes
        if row["type"] == "merger" and row["oldcd"].startswith("E0") and row["newcd"].startswith("E0")
    }
    terminations = {row["oldcd"]: (row["oldnm"], int(row["start"])) for row in changes if row["type"] == "termination"}

    # New unitary authorities: valid from April of the first year of their code.
    for new_code, start in {(new, start) for new, start in mergers.values()}:
        if new_code in authorities:
            authorities[new_code].valid_from = f"{start}-04"

    # Upper-tier authorities merged away (Bournemouth, Poole) and counties terminated (their districts move).
    districts_by_county: dict[str, list[str]] = defaultdict(list)
    for row in ltla14:
        if row["ctycd"]:
            districts_by_county[row["ctycd"]].append(row["ltlacd"])
    ended: dict[str, tuple[str, int, set[str]]] = {}
    for row in changes:
        if row["type"] == "merger" and is_upper_tier(row["oldcd"]) and int(row["start"]) >= FIRST_RETURN_YEAR:
            final, _ = roll_forward(row["oldcd"], mergers, int(row["start"]))
            ended[row["oldcd"]] = (row["oldnm"], int(row["start"]), {ltla_to_utla[final]})
    for county, (name, start) in terminations.items():
        if not county.startswith("E10") or start < FIRST_RETURN_YEAR:
            continue
        check(county in districts_by_county, f"terminated county {county} has no districts in the 2014 lookup")
        successors = set()
        for district in districts_by_county[county]:
            final, year = roll_forward(district, mergers, start)
            check(year == start, f"district {district} of {county} did not change in {start}")
            successors.add(ltla_to_utla[final])
        ended[county] = (name, start, successors)

    for code, (name, start, successors) in ended.items():
        authority = authorities.setdefault(code, AuthorityRow(code, name))
        authority.valid_to = f"{start}-03"  # the last month before the April change
        authority.successor_codes = successors
        for successor in successors:
            check(authorities[successor].valid_from == f"{start}-04", f"successor {successor} of {code} is not new in April {start}")
            authorities[successor].predecessor_codes.add(code)

    # Code-only changes (same authority, new boundary code): DfE keeps the old code, so it stays canonical.
    for row in changes:
        if row["type"] == "new_code" and row["oldcd"] in authorities:
            authorities[row["oldcd"]].alias_codes.add(row["newcd"])

    regions = attach_dfe_codes_and_regions(authorities, population)
    cross_check_regions(authorities, ltla14, mergers, ltla_to_utla, districts_by_county)
    return authorities, regions


def attach_dfe_codes_and_regions(authorities: dict[str, AuthorityRow], population: list[dict[str, str]]) -> list[dict[str, str]]:
    regions = {
        row["region_code"]: row["region_name"]
        for row in population
        if row["geographic_level"] == "Regional" and row["region_code"].startswith("E12")
    }
    check(len(regions) == 9 and LONDON in regions, f"expected the 9 E12 regions in the population file, found {sorted(regions)}")
    for row in population:
        authority = authorities.get(row["new_la_code"])
        if row["geographic_level"] != "Local authority" or authority is None:
            continue
        region = E13_TO_E12.get(row["region_code"], row["region_code"])
        check(region in regions, f"{row['new_la_code']} has region {row['region_code']} that is not an English region")
        for attribute, value in (("dfe_code", row["old_la_code"]), ("region_code", region)):
            existing = getattr(authority, attribute)
            check(not existing or existing == value, f"{authority.gss_code} has two {attribute}s: {existing} and {value}")
            setattr(authority, attribute, value)
    for authority in authorities.values():
        check(bool(authority.dfe_code), f"{authority.gss_code} {authority.name} is not in the DfE population file")
        authority.region_name = regions[authority.region_code]
    return [{"region_code": code, "region_name": name} for code, name in sorted(regions.items())]


def cross_check_regions(
    authorities: dict[str, AuthorityRow],
    ltla14: list[dict[str, str]],
    mergers: dict[str, tuple[str, int]],
    ltla_to_utla: dict[str, str],
    districts_by_county: dict[str, list[str]],
) -> None:
    """The ONS 2014 district regions, rolled forward to 2023 upper tiers, must agree with DfE's."""
    ons_region: dict[str, set[str]] = defaultdict(set)
    for row in ltla14:
        if not row["ltlacd"].startswith("E"):
            continue
        final, _ = roll_forward(row["ltlacd"], mergers, 2023)
        if final in ltla_to_utla:
            ons_region[ltla_to_utla[final]].add(row["rgncd"])
        ons_region[row["ltlacd"]].add(row["rgncd"])  # the 2014 code itself (Bournemouth, Poole)
    for county, districts in districts_by_county.items():
        ons_region[county].update(region for d in districts for region in ons_region.get(d, set()))
    for authority in authorities.values():
        found = ons_region.get(authority.gss_code, set())
        check(found == {authority.region_code}, f"{authority.gss_code}: ONS regions {found} disagree with DfE {authority.region_code}")


def check_authorities(authorities: dict[str, AuthorityRow], population: list[dict[str, str]]) -> None:
    def count(period: str) -> int:
        return sum(a.valid_in(period) for a in authorities.values())

    for period, expected in (("2019-03", 152), ("2019-04", 151), ("2020-04", 151), ("2021-04", 152), ("2023-03", 152), ("2023-04", 153), ("2026-10", 153)):
        check(count(period) == expected, f"{count(period)} authorities valid in {period}, expected {expected}")
    # The set valid each April matches the set DfE publishes populations for that mid-year.
    published: dict[int, set[str]] = defaultdict(set)
    for row in population:
        if row["geographic_level"] == "Local authority":
            published[int(row["time_period"])].add(row["new_la_code"])
    for year, codes in published.items():
        period = f"{max(year, FIRST_RETURN_YEAR - 1)}-{'04' if year >= FIRST_RETURN_YEAR else '03'}"
        valid = {a.gss_code for a in authorities.values() if a.valid_in(period)}
        check(valid == codes, f"authorities valid in {period} differ from DfE's {year} list: {sorted(valid ^ codes)}")
    aliases = [alias for a in authorities.values() for alias in a.alias_codes]
    check(len(aliases) == len(set(aliases)) and not set(aliases) & set(authorities), "an alias code is duplicated or is itself canonical")


# --------------------------------------------------------------------------- tables


def build_population(authorities: dict[str, AuthorityRow], population: list[dict[str, str]]) -> tuple[list[dict[str, object]], list[str]]:
    rows, skipped = [], []
    for row in population:
        if row["geographic_level"] != "Local authority" or row["new_la_code"] not in authorities:
            continue
        value = row["population_estimate"].strip()
        if value.lower() in SUPPRESSED:
            skipped.append(f"{row['new_la_code']} {row['time_period']} '{value}'")
            continue
        check(value.isdigit(), f"population for {row['new_la_code']} {row['time_period']} is {value!r}, not a whole number")
        rows.append({"gss_code": row["new_la_code"], "year": int(row["time_period"]), "population": int(value)})
    rows.sort(key=lambda r: (r["gss_code"], r["year"]))
    keys = [(r["gss_code"], r["year"]) for r in rows]
    check(len(keys) == len(set(keys)), "the population file has duplicate authority-years")
    return rows, skipped


def build_neighbours(source: Path, authorities: dict[str, AuthorityRow], population: list[dict[str, str]]) -> tuple[list[dict[str, object]], list[str]]:
    latest = max(int(row["time_period"]) for row in population)
    dfe_to_gss = {
        row["old_la_code"]: row["new_la_code"]
        for row in population
        if row["geographic_level"] == "Local authority" and int(row["time_period"]) == latest
    }
    rows, gaps = [], []
    for row in read_csv(source / "dfe" / "statistical-neighbours-2025.csv"):
        gss = dfe_to_gss.get(row["old_la_code"].strip())
        if gss is None:
            gaps.append(f"DfE code {row['old_la_code']} ({row['la_name']}) has no GSS code in {latest}")
            continue
        for rank in range(1, 11):
            neighbour = dfe_to_gss.get(row[f"SN_{rank}"].strip())
            if neighbour is None:
                gaps.append(f"{gss} neighbour {rank}: DfE code {row[f'SN_{rank}']!r} has no GSS code")
                continue
            rows.append({"gss_code": gss, "rank": rank, "neighbour_gss_code": neighbour, "closeness": row[f"SN_{rank}P"].strip()})
    current = {a.gss_code for a in authorities.values() if a.valid_in("2026-10")}
    for code in sorted(current):
        have = [r for r in rows if r["gss_code"] == code]
        if len(have) != 10:
            gaps.append(f"{code} has {len(have)} neighbours, not 10")
        check(all(r["neighbour_gss_code"] in current and r["neighbour_gss_code"] != code for r in have), f"{code} has an invalid neighbour")
    rows.sort(key=lambda r: (r["gss_code"], r["rank"]))
    return rows, gaps


# --------------------------------------------------------------------------- geometry


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc: TopoJSON arcs are quantised and delta-encoded."""
    (scale_x, scale_y), (shift_x, shift_y) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * scale_x + shift_x, COORD_DECIMALS), round(y * scale_y + shift_y, COORD_DECIMALS)))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        # A negative index ~i means arc i reversed; each arc after the first repeats the last point.
        arc = arcs[~index][::-1] if index < 0 else arcs[index]
        for point in arc[1:] if points else arc:
            if not points or point != points[-1]:  # rounding can make neighbouring points equal
                points.append(point)
    if points[0] != points[-1]:
        points.append(points[0])
    return [list(point) for point in points]


def polygon(rings: list[list[int]], arcs: list[list[tuple[float, float]]]) -> list[list[list[float]]]:
    return [ring(indexes, arcs) for indexes in rings]


def build_geometry(source: Path, authorities: dict[str, AuthorityRow]) -> tuple[dict, list[dict[str, object]]]:
    path = source / "ons" / "uk-boundaries-2014-2025.topo.json"
    check(path.exists(), f"source file {path} is missing")
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    canonical = {alias: a.gss_code for a in authorities.values() for alias in a.alias_codes}
    features, table = [], []
    for geometry in topology["objects"]["utla"]["geometries"]:
        props = geometry["properties"]
        boundary_code = props["areacd"]
        if not (boundary_code.startswith("E") and is_upper_tier(boundary_code)):
            continue
        code = canonical.get(boundary_code, boundary_code)
        check(code in authorities, f"boundary {boundary_code} {props['areanm']} is not a known authority")
        start, end = props.get("start"), props.get("end")
        if geometry["type"] == "Polygon":
            coordinates = polygon(geometry["arcs"], arcs)
        else:
            check(geometry["type"] == "MultiPolygon", f"unexpected geometry type {geometry['type']} for {boundary_code}")
            coordinates = [polygon(part, arcs) for part in geometry["arcs"]]
        # ONS changes take effect in April: a feature first drawn in year Y is valid from Y-04.
        valid_from = f"{start}-04" if start else ""
        valid_to = f"{end + 1}-03" if end else ""
        authority = authorities[code]
        if not authority.alias_codes:  # an alias marks a boundary-only change, not a new authority
            check((valid_from, valid_to) == (authority.valid_from, authority.valid_to), f"boundary years of {code} disagree with its validity")
        properties = {"gss_code": code, "boundary_code": boundary_code, "name": authority.name, "start": start, "end": end, "valid_from": valid_from or None, "valid_to": valid_to or None}
        features.append({"type": "Feature", "id": f"{boundary_code}", "properties": properties, "geometry": {"type": geometry["type"], "coordinates": coordinates}})
        table.append({"gss_code": code, "boundary_code": boundary_code, "name": authority.name, "start": start or "", "end": end or "", "valid_from": valid_from, "valid_to": valid_to})
    features.sort(key=lambda f: (f["properties"]["gss_code"], f["id"]))
    table.sort(key=lambda r: (r["gss_code"], r["boundary_code"]))
    check_geometry(features, authorities)
    return {"type": "FeatureCollection", "features": features}, table


def check_geometry(features: list[dict], authorities: dict[str, AuthorityRow]) -> None:
    def drawn(year: int) -> list[str]:
        return [
            f["properties"]["gss_code"]
            for f in features
            if (f["properties"]["start"] is None or f["properties"]["start"] <= year) and (f["properties"]["end"] is None or f["properties"]["end"] >= year)
        ]

    for year in range(2014, 2027):
        codes = drawn(year)
        check(len(codes) == len(set(codes)), f"an authority has two boundaries in {year}")
        expected = {a.gss_code for a in authorities.values() if a.valid_in(f"{year}-04")}
        if year >= FIRST_RETURN_YEAR - 1:
            check(set(codes) == expected, f"boundaries drawn in {year} differ from authorities valid in {year}-04: {sorted(set(codes) ^ expected)}")


# --------------------------------------------------------------------------- context (real published figures)

CONTEXT_FILES = {
    # source file in dfe/ -> the project's copy in data/reference/context/, with its metadata
    "children-in-need-2013-2025.csv": {
        "Anypoint_episodes": ("Episodes of need open at any point in the year", ""),
        "Anypoint_child": ("Children in need at any point in the year", ""),
        "Started_episodes": ("Episodes of need starting in the year", ""),
        "Started_child": ("Children starting an episode of need in the year", ""),
        "Ended_episodes": ("Episodes of need ending in the year", ""),
        "Ended_child": ("Children ending an episode of need in the year", ""),
        "At31_episodes": ("Children in need at 31 March (episodes open)", ""),
        "awaiting_assessment": ("Awaiting assessment at 31 March", ""),
    },
    "referrals-2013-2025.csv": {
        "referral_count": ("Referrals to children's social care in the year", ""),
        "rereferral_count": ("Re-referrals within 12 months of a previous referral", ""),
        "rereferral_percent": ("Re-referrals as a percentage of referrals", "%"),
        "no_further_action_count": ("Referrals resulting in no further action", ""),
        "no_further_action_percent": ("Referrals resulting in no further action, percentage", "%"),
        "not_in_need_count": ("Referrals assessed as not in need", ""),
        "not_in_need_percent": ("Referrals assessed as not in need, percentage", "%"),
        "referral_child_count": ("Children referred in the year", ""),
        "rereferral_child_count": ("Children re-referred within 12 months", ""),
        "rereferral_child_percent": ("Children re-referred, percentage of children referred", "%"),
    },
}
TIDY_IDENTIFIERS = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
                    "region_name", "old_la_code", "new_la_code", "la_name"]
LEVEL_ORDER = {"National": 0, "Regional": 1, "Local authority": 2}
GSS_SYMBOLS = {"c", "x", "z", "u", "low", "k", ":", "~"}


def build_context(source: Path, authorities: dict[str, AuthorityRow]) -> tuple[dict[str, str], dict[str, object]]:
    """The DfE children-in-need and referrals tidy files as the project's own copies (tidy format kept, so
    `oversight import-context` reads them like any published file), each with a .meta.csv of labels.

    Checked and normalised: identifiers, then filters, then the indicators listed above (an unexpected or
    missing column stops the build); cells trimmed; every indicator cell a number or a GSS symbol; every
    local-authority code known to authorities.csv (canonical or alias); rows newest year first, then
    National, Regional, Local authority, then code.
    """
    known = set(authorities) | {alias for a in authorities.values() for alias in a.alias_codes}
    files: dict[str, str] = {}
    counts: dict[str, object] = {}
    for name, indicators in CONTEXT_FILES.items():
        rows = read_csv(source / "dfe" / name)
        check(bool(rows), f"{name} has no rows")
        columns = list(rows[0])
        filters = [c for c in columns if c not in TIDY_IDENTIFIERS and c not in indicators]
        check(columns[: len(TIDY_IDENTIFIERS)] == TIDY_IDENTIFIERS, f"{name}: the identifier columns are not {TIDY_IDENTIFIERS}")
        check(set(columns) == set(TIDY_IDENTIFIERS) | set(filters) | set(indicators),
              f"{name}: columns {sorted(set(indicators) - set(columns))} are missing")
        cleaned = []
        for number, row in enumerate(rows, start=2):
            row = {key: (value or "").strip() for key, value in row.items()}
            if row["geographic_level"] == "Local authority":
                check(row["new_la_code"] in known, f"{name} line {number}: {row['new_la_code']} {row['la_name']} is not a known authority")
            for indicator in indicators:
                value = row[indicator]
                check(value.lower() in GSS_SYMBOLS or _is_number(value), f"{name} line {number}: {indicator} is {value!r}")
            cleaned.append(row)
        cleaned.sort(key=lambda r: (-int(r["time_period"]), LEVEL_ORDER.get(r["geographic_level"], 9), r["region_code"], r["new_la_code"]))
        out_columns = TIDY_IDENTIFIERS + filters + list(indicators)
        files[f"context/{name}"] = csv_text(cleaned, out_columns)
        meta = [{"col_name": f, "col_type": "Filter", "label": f.replace("_", " ").capitalize(), "indicator_unit": "", "indicator_dp": ""} for f in filters]
        meta += [{"col_name": k, "col_type": "Indicator", "label": label, "indicator_unit": unit, "indicator_dp": "1" if unit == "%" else "0"}
                 for k, (label, unit) in indicators.items()]
        files[f"context/{name.removesuffix('.csv')}.meta.csv"] = csv_text(meta, ["col_name", "col_type", "label", "indicator_unit", "indicator_dp"])
        counts[name] = len(cleaned)
    return files, counts


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def build_priority_areas(source: Path, authorities: dict[str, AuthorityRow]) -> tuple[str, int]:
    """The Home Office's Prevent priority areas (England only: the project covers English authorities),
    keyed by canonical GSS code and checked against authorities.csv and its DfE number."""
    rows = read_csv(source / "homeoffice" / "prevent-priority-areas-2024-25.csv")
    out = []
    for row in rows:
        if row["country"].strip() != "England":
            continue
        code = row["new_la_code"].strip()
        check(code in authorities, f"priority area {row['la_name_as_published']} has code {code}, not a known authority")
        check(authorities[code].dfe_code == row["old_la_code"].strip(), f"priority area {code}: DfE number {row['old_la_code']} disagrees")
        out.append({"gss_code": code, "dfe_code": row["old_la_code"].strip(), "name": authorities[code].name,
                    "name_as_published": row["la_name_as_published"].strip(), "financial_year": row["financial_year"].strip(),
                    "source_url": row["source_url"].strip()})
    check(len(out) == len({r["gss_code"] for r in out}) > 0, "the priority areas list is empty or has a duplicate")
    out.sort(key=lambda r: r["gss_code"])
    return csv_text(out, ["gss_code", "dfe_code", "name", "name_as_published", "financial_year", "source_url"]), len(out)


# --------------------------------------------------------------------------- output


def csv_text(rows: list[dict[str, object]], fields: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write(out: Path, files: dict[str, str]) -> None:
    (out / "geometry").mkdir(parents=True, exist_ok=True)
    (out / "context").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")


def build(source: Path, out: Path) -> dict[str, object]:
    population_source = read_csv(source / "dfe" / "population-0-17-by-la-2012-2024.csv")
    authorities, regions = build_authorities(source)
    check_authorities(authorities, population_source)
    population, skipped = build_population(authorities, population_source)
    neighbours, gaps = build_neighbours(source, authorities, population_source)
    geojson, feature_table = build_geometry(source, authorities)
    geojson_text = json.dumps(geojson, separators=(",", ":"), ensure_ascii=False)
    check(len(geojson_text.encode()) < MAX_GEOJSON_BYTES, f"utla.geojson is {len(geojson_text)} bytes, over the {MAX_GEOJSON_BYTES} limit")

    context_files, context_rows = build_context(source, authorities)
    priority_text, priority_count = build_priority_areas(source, authorities)
    authority_rows = [a.as_csv() for a in sorted(authorities.values(), key=lambda a: a.gss_code)]
    write(
        out,
        {
            "authorities.csv": csv_text(authority_rows, list(authority_rows[0])),
            "regions.csv": csv_text(regions, ["region_code", "region_name"]),
            "population_0_17.csv": csv_text(population, ["gss_code", "year", "population"]),
            "statistical_neighbours.csv": csv_text(neighbours, ["gss_code", "rank", "neighbour_gss_code", "closeness"]),
            "geometry/utla.geojson": geojson_text,
            "geometry/features.csv": csv_text(feature_table, list(feature_table[0])),
            "prevent_priority_areas.csv": priority_text,
            **context_files,
        },
    )
    without_population = sorted(a.gss_code for a in authorities.values() if not any(r["gss_code"] == a.gss_code for r in population))
    return {
        "authorities": len(authority_rows),
        "regions": len(regions),
        "population_rows": len(population),
        "population_skipped": skipped,
        "authorities_without_population": without_population,
        "neighbour_rows": len(neighbours),
        "neighbour_gaps": gaps,
        "features": len(geojson["features"]),
        "geojson_bytes": len(geojson_text.encode()),
        "prevent_priority_areas": priority_count,
        **{f"context rows {name}": count for name, count in context_rows.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the shared/reference folder (default: ../shared/reference)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the tables (default: data/reference)")
    args = parser.parse_args(argv)
    try:
        summary = build(args.source.resolve(), args.out.resolve())
    except BuildError as exc:
        print(f"build_reference: {exc}", file=sys.stderr)
        return 1
    for key, value in summary.items():
        if isinstance(value, list):
            print(f"{key}: {len(value)}")
            for item in value:
                print(f"  - {item}")
        else:
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
