"""What the data says, in words: flags named in plain English, the findings list, what changed since the
month before, and causes of lost points named by what they mean rather than their rule ids.

Pure functions of polars frames (no database, no Dash), tested on five-row frames. Flags are shown
generically by type: a flag type the scoring adds later appears with a label made from its name until
it is given one here.
"""

from __future__ import annotations

import re

import polars as pl

# flag_type -> (plain-English label, order: lower is listed first). Unknown types sort after these.
FLAG_LABELS: dict[str, tuple[str, int]] = {
    "significantly_low": ("Recording rate significantly low: possible under-recording", 0),
    "sudden_change": ("Sudden change in the number of concerns recorded", 1),
    "transfers_not_recorded": ("Transfers from other authorities not recorded", 2),
    "practice_contradiction": ("Declared recording practice contradicted by the data", 3),
    "practice_low": ("A recording practice used much less than elsewhere", 4),
    "practice_high": ("A recording practice used much more than elsewhere", 5),
    "nil_return_run": ("A run of nil returns (no concerns recorded for months)", 6),
    "rejected_return": ("The month's return was rejected", 7),
    "resubmitted": ("The return was resubmitted", 8),
    "significantly_high": ("Recording rate significantly high", 9),
    "warning_low": ("Recording rate low (outside the 95% limit only)", 10),
    "warning_high": ("Recording rate high (outside the 95% limit only)", 11),
}
UNKNOWN_ORDER = 50
# Flags that say recording may be incomplete: the ones an analyst should look at first.
CONCERNING = ("significantly_low", "sudden_change", "transfers_not_recorded", "practice_contradiction",
              "practice_low", "practice_high", "nil_return_run", "rejected_return")


def flag_label(flag_type: str) -> str:
    """'significantly_low' -> 'Recording rate significantly low: ...'; an unknown type from its name."""
    known = FLAG_LABELS.get(flag_type)
    return known[0] if known else flag_type.replace("_", " ").strip().capitalize()


def flag_order(flag_type: str) -> int:
    known = FLAG_LABELS.get(flag_type)
    return known[1] if known else UNKNOWN_ORDER


def findings(flags: pl.DataFrame) -> pl.DataFrame:
    """One row per authority and flag, most concerning first, then by name.

    `flags`: authority_code, name, region_name, flag_type, measure, value, detail (any extra columns kept).
    Adds `flag_label` and `order`. Rows with a null name use the code as the name.
    """
    if flags.is_empty():
        return flags.with_columns(pl.lit(None, pl.String).alias("flag_label"), pl.lit(None, pl.Int64).alias("order"))
    types = flags["flag_type"].unique().to_list()
    labels = {t: flag_label(t) for t in types}
    orders = {t: flag_order(t) for t in types}
    return (
        flags.with_columns(
            pl.col("name").fill_null(pl.col("authority_code")),
            pl.col("flag_type").replace_strict(labels, return_dtype=pl.String).alias("flag_label"),
            pl.col("flag_type").replace_strict(orders, return_dtype=pl.Int64).alias("order"),
        )
        .unique(["authority_code", "flag_type", "measure"], keep="first", maintain_order=True)
        .sort("order", "name")
    )


def concerning(flags: pl.DataFrame) -> pl.DataFrame:
    """Only the flags that say recording may be incomplete (see CONCERNING)."""
    return flags.filter(pl.col("flag_type").is_in(CONCERNING))


def changes(now: pl.DataFrame, before: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(raised, cleared): flags present now and not the month before, and the other way round, matched
    on authority_code and flag_type."""
    keys = ["authority_code", "flag_type"]
    raised = now.join(before.select(keys).unique(), on=keys, how="anti")
    cleared = before.join(now.select(keys).unique(), on=keys, how="anti")
    return raised, cleared


def name_list(names: list[str], shown: int = 5) -> str:
    """['A', 'B', 'C'] -> 'A, B and C'; more than `shown` -> 'A, B, C, D, E and 3 more'."""
    unique = list(dict.fromkeys(n for n in names if n))
    if not unique:
        return ""
    if len(unique) > shown:
        return ", ".join(unique[:shown]) + f" and {len(unique) - shown} more"
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def changes_sentence(raised: pl.DataFrame, cleared: pl.DataFrame, previous_label: str) -> str:
    """'Since September 2026: 3 flags raised (Leeds, ...); 2 cleared (...).' or no change."""
    if raised.is_empty() and cleared.is_empty():
        return f"No flag was raised or cleared since {previous_label}."
    parts = []
    if raised.height:
        parts.append(f"{raised.height} raised ({name_list(raised['name'].to_list())})")
    if cleared.height:
        parts.append(f"{cleared.height} cleared ({name_list(cleared['name'].to_list())})")
    return f"Since {previous_label}: " + "; ".join(parts) + "."


# Rule ids in score components: dotted names ('not_recorded.action'), validation rules ('Q204', 'E106').
_RULE_WORDS = {
    "not_recorded": "recorded as 'not recorded'",
    "sum_mismatch": "breakdown does not add up to the total",
    "missing_return": "return missing",
    "late": "return sent after the deadline",
    "rejected": "return rejected",
    "nil_return": "nil return",
    "section_missing": "section missing from the return",
    "practice": "declared recording practice not in place",
    "transfer_unmatched": "transfer not reported by the other authority",
    "transfer_disputed": "transfer counts differ from the other authority's",
}


def cause_label(rule_id: str, rule_titles: dict[str, str] | None = None) -> str:
    """A cause of lost points in words, never the bare id alone: a validation rule by its title in the
    standard ('Q204' -> 'Label repaired (Q204)'), a scoring rule from its parts ('not_recorded.action'
    -> "Action: recorded as 'not recorded'")."""
    if rule_titles and rule_id in rule_titles:
        return f"{rule_titles[rule_id]} ({rule_id})"
    head, _, tail = rule_id.partition(".")
    words = _RULE_WORDS.get(head)
    if words and tail:
        return f"{tail.replace('_', ' ').capitalize()}: {words}"
    if words:
        return words[:1].upper() + words[1:]
    if re.fullmatch(r"[A-Z]\d{3}", rule_id):
        return f"Validation rule {rule_id}"
    return rule_id.replace("_", " ").replace(".", ": ").capitalize()


# ---- the benchmark table (Fingertips style) ---------------------------------------------------------

PER = 10_000.0
SIGNIFICANCE = {
    "higher": "▲ Higher (significant)",
    "lower": "▼ Lower (significant)",
    "similar": "● Similar",
    "none": "Not tested",
}


def poisson_interval(count: float, denominator: float, per: float = PER, level: float = 0.95) -> tuple[float, float]:
    """Exact Poisson interval of a rate `count / denominator * per` (Garwood; as the funnel limits).

    chi2(a/2, 2O)/2 to chi2(1-a/2, 2(O+1))/2 on the count, scaled to the rate; lower is 0 for a count of 0.
    """
    from etl.scoring.distributions import poisson_count_interval  # the scoring's, imported only when used

    lower, upper = poisson_count_interval(max(count, 0.0), level)
    return float(lower / denominator * per), float(upper / denominator * per)


def compare(lower: float | None, upper: float | None, comparator: float | None) -> str:
    """Fingertips' comparison: 'higher' or 'lower' when the comparator's value lies outside the
    authority's 95% interval, 'similar' when inside, 'none' without an interval or comparator."""
    if lower is None or upper is None or comparator is None:
        return "none"
    if comparator < lower:
        return "higher"
    if comparator > upper:
        return "lower"
    return "similar"


def benchmark_table(spine: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """Per measure: the authority's value, its 95% interval, England, region and neighbours' values, and
    whether the authority differs significantly from each, marked in words and a shape.

    `spine`: measure, label, authority, region, neighbours, england, and optionally lower and upper (an
    interval stored with the measure: the observed-practice shares' Wilson interval). `counts`: measure,
    numerator, denominator of the rates, whose interval is the exact Poisson one. An interval is given
    only where the spine shows the authority's value (a value withheld by disclosure control keeps its
    interval withheld too), and carries the spine's `disclosure` mark so a table prints what was withheld
    as `c`. Scores are not counts: no interval, 'Not tested'.
    """
    by_measure = {row["measure"]: row for row in counts.iter_rows(named=True)}
    rows = []
    for row in spine.iter_rows(named=True):
        count = by_measure.get(row["measure"])
        lower, upper = row.get("lower"), row.get("upper")
        if row["authority"] is None or lower is None or upper is None:
            lower = upper = None
        if (count and row["authority"] is not None and count["numerator"] is not None
                and count["denominator"] not in (None, 0)):
            lower, upper = poisson_interval(count["numerator"], count["denominator"])
        rows.append({
            "label": row["label"], "authority": row["authority"], "lower": lower, "upper": upper,
            "england": row["england"], "vs_england": SIGNIFICANCE[compare(lower, upper, row["england"])],
            "region": row["region"], "vs_region": SIGNIFICANCE[compare(lower, upper, row["region"])],
            "neighbours": row["neighbours"], "vs_neighbours": SIGNIFICANCE[compare(lower, upper, row["neighbours"])],
            "disclosure": row.get("disclosure"),
        })
    schema = {"label": pl.String, "authority": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
              "england": pl.Float64, "vs_england": pl.String, "region": pl.Float64, "vs_region": pl.String,
              "neighbours": pl.Float64, "vs_neighbours": pl.String, "disclosure": pl.String}
    return pl.DataFrame(rows, schema=schema)


def flags_for_window(flags: pl.DataFrame) -> pl.DataFrame:
    """One row per flag type and measure over the window: the label, the months raised (newest first)
    and the latest detail. `flags`: period, flag_type, measure, value, detail (newest first)."""
    if flags.is_empty():
        return pl.DataFrame(schema={"flag_type": pl.String, "measure": pl.String, "flag_label": pl.String,
                                    "months": pl.Int64, "latest": pl.Date, "detail": pl.String})
    grouped = (
        flags.sort("period", descending=True)
        .group_by("flag_type", "measure", maintain_order=True)
        .agg(pl.len().alias("months"), pl.col("period").first().alias("latest"), pl.col("detail").first())
    )
    return grouped.with_columns(
        pl.col("flag_type").map_elements(flag_label, return_dtype=pl.String).alias("flag_label"),
        pl.col("flag_type").map_elements(flag_order, return_dtype=pl.Int64).alias("_order"),
    ).sort("_order", "latest", descending=[False, True]).drop("_order").select(
        "flag_type", "measure", "flag_label", "months", "latest", "detail")
