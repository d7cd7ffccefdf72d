"""Data access for context measures: real published DfE figures (children in need, referrals) beside the
synthetic returns, and recorded extremism concerns per 1,000 children's social care referrals.

Context comes from `context_current` (the current edition of each imported publication, see
docs/context-data.md). Measures are named by DfE indicator (column) names, so a new edition of the same
publication feeds them with no code change; a database without those indicators shows none.

Per 1,000 referrals (docs/methodology.md, "Concerns per 1,000 referrals"): observed = concerns in the
12 months to the month (the funnel mart's count), exposure = the authority's referrals in the DfE
reporting year (April to March) that holds the month, or the latest published year before it,
x months reported / 12. Funnel limits, overdispersion and flags are the scoring's own
(`etl.scoring.funnel`), with rates per 1,000 instead of per 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import polars as pl

from dashboard.queries.common import frame
from dashboard.queries.regional import poisson_interval
from etl.scoring.funnel import FunnelSettings, funnel_group, limit_curve

REFERRALS = "referral_count"
PER_REFERRALS = 1_000
RATE_MEASURE = "rate_total_per_10k"  # its funnel points hold each authority's 12-month count of concerns
NEIGHBOURS = 10


@dataclass(frozen=True)
class ContextMeasure:
    label: str
    numerator: str            # DfE indicator (column) name
    denominator: str          # another indicator, or '' for children aged 0-17 (ref_population)
    scale: float
    unit: str
    population_lag: int = 1   # DfE reporting year Y (April Y-1 to March Y) -> the mid-year Y-1 estimate


CONTEXT_MEASURES: dict[str, ContextMeasure] = {
    "children_in_need_per_10k": ContextMeasure(
        "Children in need at 31 March per 10,000 children", "At31_episodes", "", 10_000, "per 10,000 children aged 0 to 17"),
    "referrals_per_10k": ContextMeasure(
        "Referrals to children's social care per 10,000 children", REFERRALS, "", 10_000, "per 10,000 children aged 0 to 17"),
    "rereferral_share": ContextMeasure(
        "Re-referrals within 12 months, share of referrals", "rereferral_count", REFERRALS, 100, "% of referrals"),
}


@dataclass(frozen=True)
class Availability:
    """What context the database holds. Read once (`availability`) and passed down a call chain, or
    cached per database version by the caller (dashboard.context_panel): it changes only with the file."""

    tables: bool            # migration 006's tables exist
    imported: bool          # ... and at least one file has been imported
    priority_areas: bool    # the Prevent priority areas table exists

    @property
    def context(self) -> bool:
        return self.tables and self.imported


def availability(con: duckdb.DuckDBPyConnection) -> Availability:
    """Whether the database has context data: one read of the catalogue, one of the imports."""
    flags = frame(con, "context_available").row(0, named=True)
    tables = bool(flags["has_context"])
    imported = tables and not frame(con, "context_sources").is_empty()
    return Availability(tables, imported, bool(flags["has_priority_areas"]))


def available(con: duckdb.DuckDBPyConnection, known: Availability | None = None) -> bool:
    """Whether the database has any context data (tables from migration 006 and at least one import)."""
    return (known or availability(con)).context


def sources(con: duckdb.DuckDBPyConnection, known: Availability | None = None) -> pl.DataFrame:
    """publication, file_name, sha256, imported_at, latest_period of the current editions."""
    if not (known or availability(con)).tables:
        return pl.DataFrame(schema={"publication": pl.String, "file_name": pl.String, "sha256": pl.String,
                                    "imported_at": pl.Datetime, "latest_period": pl.String})
    return frame(con, "context_sources")


def indicators(con: duckdb.DuckDBPyConnection, known: Availability | None = None) -> list[str]:
    return frame(con, "context_indicators")["indicator"].unique().to_list() if available(con, known) else []


def measure_series(con: duckdb.DuckDBPyConnection, code: str, measure: str) -> pl.DataFrame:
    """series (authority | region | england | neighbours), year, time_period, period_label, numerator,
    numerator_symbol, denominator, denominator_symbol, value, units (neighbours with a value)."""
    spec = CONTEXT_MEASURES[measure]
    return frame(con, "context_ratio", {
        "code": code, "numerator": spec.numerator, "denominator": spec.denominator, "scale": spec.scale,
        "population_lag": spec.population_lag, "neighbours": NEIGHBOURS,
    })


def priority_areas(con: duckdb.DuckDBPyConnection, known: Availability | None = None) -> pl.DataFrame:
    """gss_code, name, financial_year, source_url of the Prevent priority areas (empty when not loaded)."""
    if not (known or availability(con)).priority_areas:
        return pl.DataFrame(schema={"gss_code": pl.String, "name": pl.String, "financial_year": pl.String, "source_url": pl.String})
    return frame(con, "context_priority_areas")


def reporting_year(period: date) -> int:
    """The DfE reporting year (ending 31 March) that holds the month: 2024-04..2025-03 -> 2025."""
    return period.year + 1 if period.month >= 4 else period.year


@dataclass
class ReferralFunnel:
    points: pl.DataFrame       # authority_code, name, region_code, region_name, observed, referrals, population (exposure), rate, limits, flag, is_priority
    limits: pl.DataFrame       # population, lower95, upper95, lower998, upper998
    target_rate: float | None
    referral_year: int | None  # the DfE reporting year whose referrals were used
    wanted_year: int
    excluded: pl.DataFrame     # authority_code, name, reason


def referral_funnel(con: duckdb.DuckDBPyConnection, period: date, settings: FunnelSettings | None = None,
                    limit_points: int = 100, known: Availability | None = None) -> ReferralFunnel:
    """Concerns per 1,000 referrals for every authority in the 12 months to `period`, as a funnel."""
    settings = settings or _settings()
    known = known or availability(con)
    wanted = reporting_year(period)
    concerns = frame(con, "context_concerns", {"period": period, "measure": RATE_MEASURE})
    referrals = frame(con, "context_referrals", {"indicator": REFERRALS}) if known.context else pl.DataFrame()
    empty_points = pl.DataFrame(schema={"authority_code": pl.String, "name": pl.String, "region_code": pl.String,
                                        "region_name": pl.String, "observed": pl.Float64, "referrals": pl.Float64,
                                        "population": pl.Float64, "rate": pl.Float64, "lower95": pl.Float64,
                                        "upper95": pl.Float64, "lower998": pl.Float64, "upper998": pl.Float64,
                                        "flag": pl.String, "is_priority": pl.Boolean})
    empty_limits = pl.DataFrame(schema={k: pl.Float64 for k in ("population", "lower95", "upper95", "lower998", "upper998")})
    no_exclusions = pl.DataFrame(schema={"authority_code": pl.String, "name": pl.String, "reason": pl.String})
    years = sorted(y for y in referrals["year"].unique().to_list() if y <= wanted) if referrals.height else []
    if concerns.is_empty() or not years:
        return ReferralFunnel(empty_points, empty_limits, None, None, wanted, no_exclusions)
    year = years[-1]
    used = referrals.filter(pl.col("year") == year).select("authority_code", "referrals", "symbol")
    joined = concerns.join(used, on="authority_code", how="left")
    usable = joined.filter(pl.col("referrals").is_not_null() & (pl.col("referrals") > 0) & (pl.col("months_reported") > 0))
    excluded = joined.join(usable.select("authority_code"), on="authority_code", how="anti").select(
        "authority_code", "name",
        pl.when(pl.col("symbol").is_not_null()).then(pl.lit("referrals published as '") + pl.col("symbol") + pl.lit("'"))
        .when(pl.col("referrals").is_null()).then(pl.lit(f"no referrals published for {year}"))
        .otherwise(pl.lit("no months reported")).alias("reason"),
    )
    if usable.is_empty():
        return ReferralFunnel(empty_points, empty_limits, None, year, wanted, excluded)
    exposure = (usable["referrals"] * usable["months_reported"] / 12).to_numpy().astype(float)
    observed = usable["observed"].to_numpy().astype(float)
    result = funnel_group(observed, exposure, settings)
    priority = set(priority_areas(con, known)["gss_code"].to_list())
    points = usable.select("authority_code", "name", "region_code", "region_name", "observed", "referrals").with_columns(
        pl.Series("population", exposure), pl.Series("rate", result["rate"]),
        *[pl.Series(k, np.asarray(result[k], dtype=float)) for k in ("lower95", "upper95", "lower998", "upper998")],
        pl.Series("flag", [str(f) for f in result["flag"]], dtype=pl.String),
        pl.col("authority_code").is_in(list(priority)).alias("is_priority"),
    )
    curve = limit_curve(exposure, result["target_rate"], result["phi"], settings, limit_points)
    limits = pl.DataFrame({k: np.asarray(v, dtype=float) for k, v in curve.items()})
    return ReferralFunnel(points, limits, float(result["target_rate"]), year, wanted, excluded)


def group_rates(points: pl.DataFrame, by: str) -> pl.DataFrame:
    """Pooled concerns per 1,000 referrals for each value of `by` (region_name, is_priority), with exact
    Poisson 95% intervals on the pooled count: group, concerns, referrals, rate, lower, upper."""
    if points.is_empty():
        return pl.DataFrame(schema={"group": pl.String, "authorities": pl.UInt32, "concerns": pl.Float64,
                                    "referrals": pl.Float64, "rate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64})
    pooled = points.group_by(by).agg(pl.len().alias("authorities"), pl.col("observed").sum().alias("concerns"),
                                     pl.col("population").sum().alias("referrals")).sort(by)
    bounds = [poisson_interval(o) for o in pooled["concerns"]]
    return pooled.with_columns(
        pl.col(by).cast(pl.String).alias("group"),
        (pl.col("concerns") / pl.col("referrals") * PER_REFERRALS).alias("rate"),
        pl.Series("lower", [lo / n * PER_REFERRALS for (lo, _), n in zip(bounds, pooled["referrals"])]),
        pl.Series("upper", [hi / n * PER_REFERRALS for (_, hi), n in zip(bounds, pooled["referrals"])]),
    ).select("group", "authorities", "concerns", "referrals", "rate", "lower", "upper")


def _settings() -> FunnelSettings:
    """The scoring's funnel settings (etl/scoring.toml), with rates per 1,000."""
    from etl.scoring.config import load_config

    funnel = load_config().raw["funnel"]
    levels = [float(x) for x in funnel["limits"]]
    return FunnelSettings(per=float(PER_REFERRALS), levels=(levels[0], levels[1]),
                          winsor_lower=float(funnel["winsor_lower"]), winsor_upper=float(funnel["winsor_upper"]),
                          overdispersion_above=float(funnel["overdispersion_above"]))
