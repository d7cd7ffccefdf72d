"""Data access for regional variation: a measure by region with 95% intervals, the funnel plot, the
authorities of a region.

Intervals, and why each method:
- rates (concerns per 10,000 children a year): exact Poisson interval on the region's count of
  concerns, divided by its children-years (FIELD-NOTES, "Statistics");
- scores (0-100): a region's score is the mean of its authorities' scores, so the interval is the
  t interval of that mean (it reflects how much the authorities differ, not sampling of records).

Disclosure control for the viewer of the request (`dashboard.queries.disclosure`): a rate, its
interval, its count and its funnel position are null (with `disclosure` = 'c') where the count
behind it is hidden from the viewer.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from dashboard.queries import disclosure
from dashboard.queries.common import frame, is_rate, is_share
from etl.scoring.distributions import poisson_count_interval, t_quantile
from etl.scoring.proportion import wilson_interval

CONFIDENCE = 0.95
RATE_SCALE = 10_000  # rates are per 10,000 children a year


def poisson_interval(observed: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count: chi-squared quantiles, 0 at the bottom for O = 0."""
    lower, upper = poisson_count_interval(max(observed, 0.0), confidence)
    return float(lower), float(upper)


def mean_interval(mean: float, sd: float | None, n: int | None, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """t interval of a mean of n values; None when there are fewer than 2 values. Scores stay in 0-100."""
    if mean is None or sd is None or n is None or n < 2:
        return None, None
    half = t_quantile(1 - (1 - confidence) / 2, n - 1) * sd / n**0.5
    return max(0.0, mean - half), min(100.0, mean + half)


def region_intervals(con: duckdb.DuckDBPyConnection, period: date, window: str, measure: str) -> pl.DataFrame:
    """region_code, region_name, value, lower, upper, basis (one row per region; value null if unscored)."""
    params = {"period": period, "window": window, "measure": measure}
    if is_rate(measure):
        data = frame(con, "regional_rate_intervals", params)
        bounds = [
            poisson_interval(num) if num is not None and den else (None, None)
            for num, den in zip(data["numerator"], data["denominator"])
        ]
        scaled = [
            (lo * RATE_SCALE / den, hi * RATE_SCALE / den) if lo is not None else (None, None)
            for (lo, hi), den in zip(bounds, data["denominator"])
        ]
        basis = [f"{num:,.0f} concerns" if num is not None else "no data" for num in data["numerator"]]
    elif is_share(measure):
        # The region's share pools its authorities' counts: a Wilson interval on them (as the authority's own).
        data = frame(con, "regional_rate_intervals", params)
        lower, upper = wilson_interval(data["numerator"].fill_null(0).to_numpy(),
                                       data["denominator"].fill_null(0).to_numpy())
        scaled = [(100.0 * lo, 100.0 * hi) if value is not None and hi == hi else (None, None)
                  for value, lo, hi in zip(data["value"], lower, upper)]
        basis = [f"{num:,.0f} of {den:,.0f}" if value is not None else "no data"
                 for value, num, den in zip(data["value"], data["numerator"], data["denominator"])]
    else:
        data = frame(con, "regional_score_intervals", params)
        scaled = [mean_interval(v, sd, n) for v, sd, n in zip(data["value"], data["sd"], data["authorities"])]
        basis = [f"{n} authorities" if n else "no data" for n in data["authorities"]]
    result = data.select("region_code", "region_name", "value").with_columns(
        pl.Series("lower", [lo for lo, _ in scaled], dtype=pl.Float64),
        pl.Series("upper", [hi for _, hi in scaled], dtype=pl.Float64),
        pl.Series("basis", basis, dtype=pl.String),
    )
    return disclosure.mask_cells(con, result, ["value", "lower", "upper", "basis"], level="region",
                                 code=pl.col("region_code"), period=pl.lit(period), window=pl.lit(window),
                                 series=disclosure.series_expr(measure))


def england_value(con: duckdb.DuckDBPyConnection, period: date, window: str, measure: str) -> float | None:
    data = frame(con, "regional_england_value", {"period": period, "window": window, "measure": measure})
    values = disclosure.mask_cells(con, data, ["value"], level="england", code=pl.lit(disclosure.disclosure.ENGLAND),
                                   period=pl.lit(period), window=pl.lit(window),
                                   series=disclosure.series_expr(measure))["value"]
    return values.item() if values.len() == 1 else None


def funnel_points(con: duckdb.DuckDBPyConnection, period: date, measure: str) -> pl.DataFrame:
    """Each authority's funnel point: observed, population, rate, limits at its size, flag, disclosure.

    Where the rolling 12-month count is hidden from the viewer, observed, rate, z and flag are null (the
    limits at its population and the expected count do not depend on the count and stay)."""
    data = frame(con, "regional_funnel_points", {"period": period, "measure": measure})
    return disclosure.mask_cells(con, data, ["observed", "rate", "z", "flag"], level="authority",
                                 code=pl.col("authority_code"), period=pl.lit(period), window=pl.lit("rolling12"),
                                 series=disclosure.series_expr(measure))


def funnel_limits(con: duckdb.DuckDBPyConnection, period: date, measure: str) -> pl.DataFrame:
    """The 95% and 99.8% limit curves against population."""
    return frame(con, "regional_funnel_limits", {"period": period, "measure": measure})


def region_table(con: duckdb.DuckDBPyConnection, period: date, window: str, region: str,
                 measures: list[str]) -> pl.DataFrame:
    """One row per authority of the region: authority_code, name, band, funnel_flag, then one column
    per measure in `measures` (an allow-list: columns come only from it), then disclosure ('c' where a
    rate or the funnel flag is withheld from the viewer)."""
    long = frame(con, "regional_region_table", {"period": period, "window": window, "region": region})
    long = disclosure.mask_cells(con, long, ["value", "rank"], level="authority", code=pl.col("authority_code"),
                                 period=pl.lit(period), window=pl.lit(window),
                                 series=disclosure.series_expr(pl.col("measure")))
    withheld = long.filter(pl.col("disclosure").is_not_null())["authority_code"].unique().to_list()
    bands = frame(con, "regional_bands", {"period": period, "window": window, "region": region})
    if long.is_empty():
        return pl.DataFrame(schema={"authority_code": pl.String, "name": pl.String, "band": pl.String,
                                    "funnel_flag": pl.String, **{m: pl.Float64 for m in measures},
                                    "disclosure": pl.String})
    wide = long.filter(pl.col("measure").is_in(measures)).pivot(
        on="measure", index=["authority_code", "name"], values="value", aggregate_function="first"
    )
    for measure in measures:
        if measure not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(measure))
    # The funnel flag is about the rolling 12-month total: withheld where that count is hidden.
    bands = disclosure.mask_cells(con, bands, ["funnel_flag"], level="authority", code=pl.col("authority_code"),
                                  period=pl.lit(period), window=pl.lit("rolling12"),
                                  series=disclosure.series_expr(disclosure.disclosure.TOTAL_MEASURE))
    withheld = set(withheld) | set(bands.filter(pl.col("disclosure").is_not_null())["authority_code"].to_list())
    return (
        wide.join(bands.drop("disclosure"), on="authority_code", how="left")
        .with_columns(pl.when(pl.col("authority_code").is_in(sorted(withheld))).then(pl.lit("c"))
                      .otherwise(pl.lit(None, dtype=pl.String)).alias("disclosure"))
        .select("authority_code", "name", "band", "funnel_flag", *measures, "disclosure")
        .sort("name")
    )
