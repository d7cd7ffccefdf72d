"""Mapping the geography of tidy-file rows to the project's codes, through the reference tables.

- Local authority rows: the GSS code (`new_la_code`) as published when the reference knows it (a 2022
  Cumbria row stays Cumbria, E10000006: old codes belong to older rows), or through a documented alias
  (Barnsley's and Sheffield's 2025 boundary codes E08000038/E08000039 resolve to E08000016/E08000019).
  Without a GSS code, the DfE 3-digit `old_la_code`, resolved by validity when reorganisations reused
  it (Buckinghamshire 825 before and after April 2020). Codes the reference does not know are kept as
  published, marked unmapped and listed.
- Regional rows: E12 regions; London's E13 sub-regions (Inner, Outer London) are kept as `subregion`
  and, where the file has no London row of its own, rolled up into London E12000007 for indicators
  that can be added up (counts).
- National rows: England (E92000001), or the country code published.
Other geographic levels (districts, constituencies, schools...) are not stored; they are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from ..reference import Reference
from .tidy import IndicatorInfo

ENGLAND = "E92000001"
LONDON = "E12000007"
LONDON_SUBREGIONS = ("E13000001", "E13000002")
LEVELS = {"National": "national", "Regional": "region", "Local authority": "authority"}
SYMBOL_PRIORITY = ["c", "x", ":", "z", "u", "low", "k", "~"]  # a sum with any suppressed part is suppressed
_RATIO_WORDS = ("percent", "pct", "rate", "average", "avg", "mean", "median", "ratio", "per_", "proportion", "share")


@dataclass
class MappedValues:
    values: pl.DataFrame  # the tidy long rows plus level, code, source_code, is_mapped
    unmapped: list[str]
    skipped_levels: dict[str, int]
    london_rollup: str | None = None
    notes: list[str] = field(default_factory=list)


def _lookup_tables(reference: Reference) -> tuple[dict[str, str], dict[str, list[tuple[str, date | None, date | None]]]]:
    canonical = {code: code for code in reference.authorities}
    for authority in reference.authorities.values():
        for alias in authority.alias_codes:
            canonical[alias] = authority.gss_code
    by_dfe: dict[str, list[tuple[str, date | None, date | None]]] = {}
    for authority in reference.authorities.values():
        if authority.dfe_code:
            by_dfe.setdefault(authority.dfe_code, []).append((authority.gss_code, authority.valid_from, authority.valid_to))
    return canonical, by_dfe


def _from_dfe_code(dfe_code: str, year: int, by_dfe: dict) -> str | None:
    """A DfE number to the authority valid in March of the year (the end of a DfE reporting year)."""
    candidates = by_dfe.get(dfe_code, [])
    if len(candidates) == 1:
        return candidates[0][0]
    when = date(year, 3, 1)
    valid = [gss for gss, start, end in candidates if (start is None or start <= when) and (end is None or when <= end)]
    return valid[0] if len(valid) == 1 else None


def is_additive(info: IndicatorInfo) -> bool:
    """Whether values of the indicator can be added across areas (counts, not rates or percentages)."""
    if info.unit not in (None, "", "number"):
        return False
    return not any(word in info.name.lower() for word in _RATIO_WORDS)


def map_geography(values: pl.DataFrame, reference: Reference, indicators: list[IndicatorInfo]) -> MappedValues:
    """Add level, code, source_code, is_mapped to the long values; drop levels the project does not hold."""
    canonical, by_dfe = _lookup_tables(reference)
    regions = set(reference.regions)
    level_counts = values.group_by("geographic_level").agg(pl.col("source_row").n_unique().alias("rows"))
    skipped = {lvl: n for lvl, n in level_counts.iter_rows() if lvl not in LEVELS}
    kept = values.filter(pl.col("geographic_level").is_in(list(LEVELS)))

    # Authorities: one lookup per distinct (code, dfe code, year), not per row.
    la = kept.filter(pl.col("geographic_level") == "Local authority")
    keys = la.select("new_la_code", "old_la_code", "la_name", "year").unique()
    mapped_rows = []
    by_number: set[str] = set()
    for gss, dfe, name, year in keys.iter_rows():
        code = canonical.get(gss) if gss else None
        if code is None and dfe:
            # No GSS code, or one the reference does not know (a code retired before 2019): the DfE number.
            code = _from_dfe_code(dfe, year, by_dfe)
            if code is not None and gss:
                by_number.add(f"{gss} ({name or dfe}) -> {code}")
        mapped_rows.append((gss, dfe, name, year, code or gss or f"DfE {dfe}", code is not None))
    la_map = pl.DataFrame(mapped_rows, schema={"new_la_code": pl.String, "old_la_code": pl.String, "la_name": pl.String,
                                               "year": pl.Int32, "code": pl.String, "is_mapped": pl.Boolean}, orient="row")
    la = la.join(la_map, on=["new_la_code", "old_la_code", "la_name", "year"], how="left", nulls_equal=True).with_columns(
        pl.lit("authority").alias("level"), pl.coalesce("new_la_code", "old_la_code").alias("source_code"))
    unmapped = sorted({f"{code} ({name})" if name else code
                       for code, name, ok in la.select("code", "la_name", "is_mapped").unique().iter_rows() if not ok})

    region = kept.filter(pl.col("geographic_level") == "Regional").with_columns(
        pl.col("region_code").alias("source_code"),
        pl.when(pl.col("region_code").is_in(list(LONDON_SUBREGIONS))).then(pl.lit("subregion")).otherwise(pl.lit("region")).alias("level"),
        pl.col("region_code").fill_null("").alias("code"),
        (pl.col("region_code").is_in(list(regions)) | pl.col("region_code").is_in(list(LONDON_SUBREGIONS))).alias("is_mapped"),
    )
    unmapped += sorted({f"{code} ({name})" if name else str(code)
                        for code, name, ok in region.select("code", "region_name", "is_mapped").unique().iter_rows() if not ok})
    national = kept.filter(pl.col("geographic_level") == "National").with_columns(
        pl.col("country_code").alias("source_code"),
        pl.when(pl.col("country_code") == ENGLAND).then(pl.lit("england")).otherwise(pl.lit("country")).alias("level"),
        pl.col("country_code").fill_null(ENGLAND).alias("code"),
        pl.lit(True).alias("is_mapped"),
    )
    columns = ["source_row", "level", "code", "source_code", "is_mapped", "time_period", "time_identifier", "year",
               "period_label", "filters", "filter_key", "is_total", "indicator", "value", "symbol"]
    parts = [part.select(columns) for part in (national, region, la) if part.height]
    combined = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame(schema={c: pl.String for c in columns})
    rollup, note = _london_rollup(combined, indicators)
    if rollup is not None and rollup.height:
        combined = pl.concat([combined, rollup.select(columns)], how="vertical_relaxed")
    notes = [f"codes the reference does not know, placed by their DfE number: {', '.join(sorted(by_number))}"] if by_number else []
    return MappedValues(combined, unmapped, skipped, london_rollup=note, notes=notes)


def _london_rollup(values: pl.DataFrame, indicators: list[IndicatorInfo]) -> tuple[pl.DataFrame | None, str | None]:
    """London E12000007 from its two sub-regions, where the file has none, for additive indicators only."""
    if values.is_empty():
        return None, None
    sub = values.filter(pl.col("level") == "subregion")
    if sub.is_empty():
        return None, None
    keys = ["time_period", "time_identifier", "year", "period_label", "filters", "filter_key", "is_total", "indicator"]
    have_london = values.filter((pl.col("level") == "region") & (pl.col("code") == LONDON)).select(keys).unique()
    additive = [i.name for i in indicators if is_additive(i)]
    missing = sub.join(have_london, on=keys, how="anti", nulls_equal=True)
    if missing.is_empty():
        return None, "the file has its own London rows; the Inner and Outer London rows are kept as sub-regions"
    missing = missing.filter(pl.col("indicator").is_in(additive))
    if missing.is_empty():
        return None, "no London rows and no indicator that can be added up: Inner and Outer London are kept as sub-regions only"
    rank = {s: i for i, s in enumerate(SYMBOL_PRIORITY)}
    grouped = missing.group_by(keys).agg(
        pl.col("code").n_unique().alias("parts"),
        pl.col("value").sum().alias("value_sum"),
        pl.col("symbol").drop_nulls().replace_strict(rank, default=len(rank), return_dtype=pl.Int64).min().alias("symbol_rank"),
    ).filter(pl.col("parts") == len(LONDON_SUBREGIONS))
    inverse = {i: s for s, i in rank.items()}
    rolled = grouped.with_columns(
        pl.col("symbol_rank").replace_strict(inverse, default=None, return_dtype=pl.String).alias("symbol"),
    ).with_columns(
        pl.when(pl.col("symbol").is_null()).then(pl.col("value_sum")).alias("value"),
        pl.lit(None, dtype=pl.UInt32).alias("source_row"), pl.lit("region").alias("level"), pl.lit(LONDON).alias("code"),
        pl.lit("E13000001+E13000002").alias("source_code"), pl.lit(True).alias("is_mapped"),
    )
    return rolled, "London (E12000007) added up from Inner and Outer London for indicators that are counts"
