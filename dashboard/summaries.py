"""The plain-language summary under each chart (its accessible description), as pure functions of the
frame the chart draws: no database, no Dash. Tested on five-row frames (tests/test_summaries.py)."""

from __future__ import annotations

from datetime import date

import polars as pl


def _month(period: date) -> str:
    return period.strftime("%B %Y")


def extremes(scored: pl.DataFrame) -> str:
    """Authorities' values (name, value): how many, the median, the lowest and the highest."""
    scored = scored.filter(pl.col("value").is_not_null())
    if scored.is_empty():
        return "No authority has a value for this choice."
    ordered = scored.sort("value")
    low, high = ordered.row(0, named=True), ordered.row(-1, named=True)
    return (f"{scored.height} authorities have a value. The median is {scored['value'].median():.1f}; the lowest is "
            f"{low['name']} ({low['value']:.1f}) and the highest {high['name']} ({high['value']:.1f}).")


def region_medians(values: pl.DataFrame) -> pl.DataFrame:
    """region_name, median of the authorities' values, lowest median first."""
    return (values.filter(pl.col("value").is_not_null()).group_by("region_name")
            .agg(pl.col("value").median().alias("median")).sort("median", "region_name"))


def spread(values: pl.DataFrame) -> str:
    """Authorities' values by region (region_name, value): the range of the regions' medians."""
    medians = region_medians(values)
    if medians.is_empty():
        return "No values for this choice."
    return (f"Median by region runs from {medians['median'][0]:.1f} in {medians['region_name'][0]} to "
            f"{medians['median'][-1]:.1f} in {medians['region_name'][-1]}.")


def regions_against_england(regions: pl.DataFrame, england: pl.DataFrame) -> str:
    """Trends (region_name, period, value) and England's (period, value): the latest month's picture."""
    if regions.is_empty():
        return "No trend data for this choice."
    latest = regions["period"].max()
    now = regions.filter(pl.col("period") == latest).drop_nulls("value").sort("value")
    if now.is_empty():
        return "No trend data for this choice."
    england_now = england.filter(pl.col("period") == latest)["value"].drop_nulls()
    opening = (f"In {_month(latest)} England was at {england_now[0]:.1f}; " if england_now.len()
               else f"In {_month(latest)} ")
    return opening + (f"the lowest region was {now['region_name'][0]} ({now['value'][0]:.1f}) and the highest "
                      f"{now['region_name'][-1]} ({now['value'][-1]:.1f}).")


def intervals_against_england(regions: pl.DataFrame, england: float | None) -> str:
    """Regions' values with 95% intervals (region_name, value, lower, upper) against England's value."""
    scored = regions.drop_nulls("value").sort("value")
    if scored.is_empty():
        return "No region has a value for this choice."
    text = (f"{scored['region_name'][-1]} is highest ({scored['value'][-1]:.1f}) and "
            f"{scored['region_name'][0]} lowest ({scored['value'][0]:.1f})"
            + (f"; England is {england:.1f}." if england is not None else "."))
    if england is None:
        return text
    apart = scored.filter((pl.col("lower") > england) | (pl.col("upper") < england))["region_name"].to_list()
    return text + (" The interval of " + ", ".join(apart) + " does not include England's value."
                   if apart else " Every region's interval includes England's value.")
