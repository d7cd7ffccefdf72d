"""Data access for the authority benchmark: its profile, every measure against comparators, trends,
its score explained, its returns and issues, transfers with counterparts, and flags.

Disclosure control for the viewer of the request (`dashboard.queries.disclosure`): rates on hidden
counts, neighbours' averages that include one, small transfer counts between authorities the viewer is
not entitled to both of, and texts that quote counts of an authority the viewer is not entitled to
come back null or withheld, with `disclosure` = 'c' on the row.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from dashboard import disclosure as rules
from dashboard.queries import disclosure
from dashboard.queries.common import MEASURE_LABELS, authorities, frame, run
from dashboard.viewer import current_viewer
from etl.periods import add_months
from etl.scoring.explain import explain_sql

DIMENSION_ORDER = ("composite", "completeness", "validity", "internal_consistency", "cross_authority",
                   "timeliness", "coverage", "practice")
# Dimensions whose points per cause are 100 x a count / a denominator the viewer can work out: concerns
# with a field not recorded over sections x the window's concerns (published through the rate and the
# population), transfer records over the records judged.
COUNTED_DIMENSIONS = ("completeness", "cross_authority")


def profile(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    """gss_code, dfe_code, name, region_code, region_name, valid_from, valid_to of one authority."""
    rows = authorities(con).filter(pl.col("gss_code") == code)
    return rows.row(0, named=True) if rows.height else {}


def neighbours(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """rank, authority_code, name, closeness of its statistical neighbours."""
    return frame(con, "authority_neighbours", {"code": code})


def spine(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """One row per measure (known measures first, in display order): measure, label, authority, lower, upper
    (its stored 95% interval, where there is one), region, neighbours, england, minimum, q1, median, q3,
    maximum, authority_rank, authorities."""
    data = _disclosed_spine(con, frame(con, "authority_spine", {"code": code, "period": period, "window": window}),
                            code, period, window)
    order = {measure: index for index, measure in enumerate(MEASURE_LABELS)}
    return (
        data.with_columns(
            pl.col("measure").replace_strict(MEASURE_LABELS, default=pl.col("measure")).alias("label"),
            pl.col("measure").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_order"),
        )
        .sort("_order", "measure")
        .drop("_order")
        .select("measure", "label", "authority", "lower", "upper", "region", "neighbours", "england", "minimum", "q1",
                "median", "q3", "maximum", "authority_rank", "authorities", "disclosure")
    )


def _disclosed_spine(con: duckdb.DuckDBPyConnection, data: pl.DataFrame, code: str, period: date,
                     window: str) -> pl.DataFrame:
    """The spine as the viewer may see it. For a rate or a share, the authority's value, its region's and
    its neighbours' are masked where hidden. For a rate, England's distribution and the authority's rank
    are taken over the values the viewer can see (an extreme or a median could otherwise be a hidden
    rate); for a share, a viewer not entitled to every authority sees none of its spread."""
    sees_everything = current_viewer().sees_everything
    series = disclosure.series_expr(pl.col("measure"))
    own_region = profile(con, code).get("region_code")
    masked = disclosure.mask_cells(con, data, ["authority", "lower", "upper", "authority_rank"], level="authority",
                                   code=pl.lit(code), period=pl.lit(period), window=pl.lit(window), series=series)
    masked = masked.rename({"disclosure": "_own"})
    masked = disclosure.mask_cells(con, masked, ["region"], level="region", code=pl.lit(own_region),
                                   period=pl.lit(period), window=pl.lit(window), series=series).rename({"disclosure": "_region"})
    masked = disclosure.mask_neighbours(con, masked, ["neighbours"], code=pl.lit(code), period=pl.lit(period),
                                        window=pl.lit(window), series=series)
    if not sees_everything:
        # England's spread of a share is made of authorities' shares, none of which this viewer may see
        # (dashboard.disclosure, "Observed-practice shares"): no range, quartiles or rank.
        share = pl.col("measure").is_in(list(rules.SHARE_MEASURES))
        masked = rules.mask_columns(masked, share, ["minimum", "q1", "median", "q3", "maximum", "authority_rank"])
        # A share the authority does not have (nothing to judge) is not available rather than withheld:
        # the row's mark would print its missing value as `c` (a row carries one mark, dashboard.disclosure).
        masked = masked.with_columns(pl.when(share & pl.col("_own").is_null() & pl.col("authority").is_null())
                                     .then(None).otherwise(pl.col("disclosure")).alias("disclosure"))
    masked = masked.with_columns(pl.coalesce("_own", "_region", "disclosure").alias("disclosure")).drop("_own", "_region")
    if sees_everything:
        return masked
    for measure in rules.COUNT_MEASURES:
        if measure not in masked["measure"].to_list():
            continue
        from dashboard.queries.overview import authority_values  # the same values the map shows this viewer

        seen = authority_values(con, period, window, measure).filter(pl.col("value").is_not_null())
        values = seen["value"]
        own = seen.filter(pl.col("authority_code") == code)["value"]
        rank = int((values > own[0]).sum()) + 1 if own.len() else None
        stats = {
            "minimum": values.min(), "q1": values.quantile(0.25, "linear"), "median": values.quantile(0.5, "linear"),
            "q3": values.quantile(0.75, "linear"), "maximum": values.max(),
        } if values.len() else dict.fromkeys(("minimum", "q1", "median", "q3", "maximum"))
        is_measure = pl.col("measure") == measure
        masked = masked.with_columns(
            *(pl.when(is_measure).then(pl.lit(value, dtype=pl.Float64)).otherwise(pl.col(name)).alias(name)
              for name, value in stats.items()),
            pl.when(is_measure).then(pl.lit(rank, dtype=pl.Int32)).otherwise(pl.col("authority_rank")).alias("authority_rank"),
            pl.when(is_measure).then(pl.lit(values.len(), dtype=pl.Int32)).otherwise(pl.col("authorities")).alias("authorities"),
        )
    return masked


def trend(con: duckdb.DuckDBPyConnection, code: str, window: str, measure: str) -> pl.DataFrame:
    """series (authority | region | neighbours | england), period, value, disclosure."""
    data = frame(con, "authority_trend", {"code": code, "window": window, "measure": measure})
    series = disclosure.series_expr(measure)
    own_region = profile(con, code).get("region_code")
    level = pl.col("series").replace_strict({"authority": "authority", "region": "region", "england": "england"},
                                            default="neighbours")
    area = pl.when(pl.col("series") == "region").then(pl.lit(own_region)).when(pl.col("series") == "england") \
        .then(pl.lit(rules.ENGLAND)).otherwise(pl.lit(code))
    masked = disclosure.mask_cells(con, data, ["value"], level=level, code=area, period=pl.col("period"),
                                   window=pl.lit(window), series=series).rename({"disclosure": "_cell"})
    neighbours = masked.filter(pl.col("series") == "neighbours")
    neighbours = disclosure.mask_neighbours(con, neighbours, ["value"], code=pl.lit(code), period=pl.col("period"),
                                            window=pl.lit(window), series=series)
    others = masked.filter(pl.col("series") != "neighbours").with_columns(pl.lit(None, dtype=pl.String).alias("disclosure"))
    return (pl.concat([others, neighbours]).with_columns(pl.coalesce("_cell", "disclosure").alias("disclosure"))
            .drop("_cell").sort("series", "period"))


def scores(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """dimension, score, band: composite first, then the dimensions in the standard's order."""
    data = run(con, explain_sql("scores"), {"code": code, "period": period, "window": window}).select(
        "dimension", "score", "band")
    order = {d: i for i, d in enumerate(DIMENSION_ORDER)}
    return (
        data.with_columns(pl.col("dimension").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_o"))
        .sort("_o", "dimension").drop("_o")
    )


def components(con: duckdb.DuckDBPyConnection, code: str, period: date, window: str) -> pl.DataFrame:
    """Why points were lost, largest first: dimension, rule_id, points_lost, composite_points, detail, fix,
    source_period, file_name, row_number, disclosure. The detail quotes the return's counts ('1 of 6
    concerns ...'): withheld from a viewer not entitled to the authority. So are the points of the
    COUNTED_DIMENSIONS (`c`): with the published count of concerns they give the counts back (0.588
    points x 5 sections x 34 concerns / 100 = 1 concern in one month). Other points are scores and stay."""
    data = run(con, explain_sql("components"), {"code": code, "period": period, "window": window}).select(
        "dimension", "rule_id", "points_lost", "composite_points", "detail", "fix", "source_period", "file_name",
        "row_number")
    hidden = not current_viewer().entitled_to(code)
    counted = pl.col("dimension").is_in(COUNTED_DIMENSIONS) & pl.lit(hidden)
    return rules.mask_columns(_withhold(data, code, ["detail"]), counted, ["points_lost", "composite_points"])


def _withhold(data: pl.DataFrame, code: str, columns: list[str]) -> pl.DataFrame:
    viewer = current_viewer()
    return rules.withhold_text(data.with_columns(pl.lit(code).alias("_code")), "_code", columns, viewer).drop("_code")


def returns_history(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """Every return file from the authority: submission_id, period, file_name, received_at, version,
    status, is_current, errors, queries (newest first)."""
    return frame(con, "authority_returns", {"code": code})


def issues(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """Every validation issue in its files: period, file_name, file_status, rule_id, severity, row_number,
    column_name, value, message, hint. The value and message quote the return's counts: withheld from a
    viewer not entitled to the authority."""
    return _withhold(frame(con, "authority_issues", {"code": code}), code, ["value", "message"])


def transfers(con: duckdb.DuckDBPyConnection, code: str, period: date, months: int = 12) -> pl.DataFrame:
    """Transfers with each counterpart in the `months` months to `period`: direction, counterpart_code,
    counterpart_name, period, sent, received, difference, status, pending, disclosure.

    A transfer is two authorities' counts of one family's records: "received 1 record from X in 2026-03"
    is disclosive to anyone not entitled to both sides, so only national viewers see small transfers;
    for everyone else both sides and the difference of a transfer with a count of 1-4 are withheld."""
    data = frame(con, "authority_transfers", {"code": code, "period": period, "start": add_months(period, -(months - 1))})
    return rules.mask_transfers(data, current_viewer())


def flags(con: duckdb.DuckDBPyConnection, code: str, period: date) -> pl.DataFrame:
    """flag_type, measure, value, detail, disclosure of the authority's flags in the period (see
    `dashboard.queries.disclosure.mask_flags` for what a viewer not entitled to it gets)."""
    data = run(con, explain_sql("flags"), {"code": code, "period": period}).with_columns(pl.lit(code).alias("_code"))
    return disclosure.mask_flags(con, data, "_code", pl.lit(period)).drop("_code")
