"""The scoring's two statistical steps written in Python between the SQL models: observed practice judged
against England (etl/scoring/proportion.py) and step changes in monthly totals (etl/scoring/cusum.py).
Each reads a staging table the models wrote and writes a temp table the later models read."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa

from ..settings import sql_text
from .config import ScoringConfig
from .cusum import CusumSettings, Thresholds, baseline_lengths, calibrate, national_index, nb_shape, statistic
from .groups import group_starts
from .proportion import FitCache, ZeroInflatedFit, judge_absent_groups, judge_groups, wilson_interval

# Bump when calibrate() changes, so thresholds stored by an older version are not reused.
CALIBRATION_VERSION = 3
_PRACTICE_INPUT = "scoring/practice_evidence_input.sql"  # what write_practice_evidence judges
# Shapes are rounded down to this grid (more dispersion = wider thresholds) so calibrations are reused.
SHAPE_GRID = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 13.0, 16.0, 20.0, 25.0, 30.0, 40.0, 50.0, 70.0, 100.0)


# The columns of scoring_sudden_change, in order, with their Arrow types.
_SUDDEN_CHANGE_TYPES = {
    "authority_code": pa.string(), "period": pa.date32(), "total": pa.float64(), "direction": pa.string(),
    "statistic": pa.float64(), "threshold": pa.float64(), "level": pa.float64(), "months": pa.int64(),
    "first_period": pa.date32(), "observed": pa.float64(), "expected": pa.float64(), "shape": pa.float64(),
}


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, pa.Array]) -> None:
    con.register("scoring_evidence_arrow", pa.table(columns))
    try:
        con.execute(f"create or replace temp table {name} as select * from scoring_evidence_arrow")  # fixed names
    finally:
        con.unregister("scoring_evidence_arrow")


def _floats(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=float)
    return pa.array(np.where(np.isfinite(values), values, np.nan), from_pandas=True)


# Appended to the flag and lost-points texts of share_other_mixed (94_write_flag.sql, 28_loss_practice.sql)
# where the comparison folded split categories into MIXED_UNCLEAR_UNSTABLE.
_FOLDED_NOTE = ("; its returns show no {} concerns in the window, which the standard allows to be recorded in the older "
                "combined category MIXED_UNCLEAR_UNSTABLE, so England's share counts them with OTHER and "
                "MIXED_UNCLEAR_UNSTABLE")


def _folded_note(codes: str | None) -> str | None:
    """The note for the split categories folded in a window ("CONFLICTED, INCEL" -> "... no CONFLICTED and
    INCEL concerns ..."), None when none was folded."""
    if not codes:
        return None
    *first, last = codes.split(", ")
    return _FOLDED_NOTE.format(f"{', '.join(first)} and {last}" if first else last)


def _judge(x: np.ndarray, n: np.ndarray, starts: np.ndarray, adverse: np.ndarray, level: float,
           winsor: tuple[float, float], overdispersion: str, fdr: float | None,
           offset: np.ndarray | None = None, consistent: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(target, flag, is_adverse, limit) per row, judging each (measure, period) group against England
    (each row's target England's pooled share plus its `offset`: harmonised categories)."""
    target, _, is_adverse, limit = judge_groups(x, n, starts, adverse == "low", level, winsor, overdispersion, fdr=fdr,
                                                offset=offset, consistent=consistent)
    flag = np.where(is_adverse, np.where(adverse == "low", "low_998", "high_998"), np.where(n > 0, "in_control", "none"))
    return target, flag.astype(object), is_adverse, limit


def write_practice_evidence(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    """scoring_practice_evidence: each observed-practice measure per authority and month, its 12-month
    share with a Wilson interval, and its verdict against England over the evidence windows (the shorter
    window's numbers unless only the longer one is adverse). Adverse: beyond England's limit on the
    adverse side, or, for the [practice] absent_measures, never used in the long window with the
    posterior probability that the practice is absent (zero-inflated beta-binomial) at least
    1 - absent_lfdr (columns absent, absent_probability; reported with the long window's numbers).

    Harmonised categories ([practice] mixed_splits): share_other_mixed's target for an authority is England's
    share of OTHER + MIXED_UNCLEAR_UNSTABLE plus England's share of the split categories the authority did
    not use at all in the window (26_stg_practice_observed.sql computes that addition, fold*;
    and names the categories, folded*; column `folded_note` here is the sentence the texts append, for the
    window reported; null when none)."""
    practice = config.raw["practice"]
    level = float(practice.get("level", 0.998))
    overdispersion = str(practice.get("overdispersion", "additive"))
    fdr = float(practice["false_discovery_rate"]) if practice.get("false_discovery_rate") else None
    short_months, long_months = int(practice["evidence_months"]), int(practice["long_evidence_months"])
    winsor = (float(config.raw["funnel"]["winsor_lower"]), float(config.raw["funnel"]["winsor_upper"]))
    consistent = bool(practice.get("winsor_consistent", False))
    absent_measures = [str(m) for m in practice.get("absent_measures", [])]
    absent_lfdr = float(practice.get("absent_lfdr", 0.2))
    absent_min = int(practice.get("absent_min_authorities", 30))
    absent_class_min = int(practice.get("absent_min_class_authorities", 10))
    by_declaration = bool(practice.get("absent_by_declaration", False))
    # declared: the declaration linked to the measure ([practice] contradicted_by), the latest declared up to
    # the month, is 1 (the zero state's covariate when absent_by_declaration is set)
    rows = con.execute(sql_text(_PRACTICE_INPUT)).fetchnumpy()
    size = len(rows["measure"])
    x12, n12 = rows["numerator12"].astype(float), rows["denominator12"].astype(float)
    xs, ns = rows["numerator_evidence"].astype(float), rows["denominator_evidence"].astype(float)
    xl, nl = rows["numerator_long"].astype(float), rows["denominator_long"].astype(float)
    adverse = np.asarray(rows["adverse"], dtype=object)
    # harmonised categories: England's share of the split categories each authority did not use (0 elsewhere)
    fold12, fold_s, fold_l = (np.asarray(rows[c], dtype=float) for c in ("fold12", "fold_evidence", "fold_long"))
    note_s, note_l = (np.array([_folded_note(codes) for codes in np.ma.asarray(rows[c]).tolist()], dtype=object) for c in ("folded_evidence", "folded_long"))
    target12 = np.full(size, np.nan)
    if size:
        starts = group_starts(rows["measure"], rows["period"])  # the input is ordered by measure, period
        for begin, end in zip(starts, list(starts[1:]) + [size]):
            total = n12[begin:end].sum()
            target12[begin:end] = x12[begin:end].sum() / total + fold12[begin:end] if total > 0 else np.nan
        t_short, f_short, a_short, l_short = _judge(xs, ns, starts, adverse, level, winsor, overdispersion, fdr, fold_s,
                                                    consistent)
        t_long, f_long, a_long, l_long = _judge(xl, nl, starts, adverse, level, winsor, overdispersion, fdr, fold_l,
                                                consistent)
        # practice absent: no use at all in the window, judged by a zero-inflated beta-binomial (proportion.py)
        measures = np.asarray(rows["measure"], dtype=str)
        eligible = np.isin(measures, absent_measures)
        group = np.asarray(rows["declared"], dtype=np.int64) if by_declaration else None
        # judged on the long window only: "never used" is a statement about the authority's record, so an
        # authority that used the practice within it is a user (a recent stop after use is a change, which the
        # share test over the shorter window judges); and only from `short_months` months of history on, so
        # the absent share is never fitted to the first months' handful of concerns
        months = np.asarray(rows["period"], dtype="datetime64[M]")
        history = (months - months.min()).astype(np.int64) + 1
        fits = _stored_fits(con)
        p_long, z_long = judge_absent_groups(xl, nl, starts, eligible & (history >= short_months), absent_lfdr,
                                             absent_min, group, absent_class_min, fits)
        _keep_fits(con, fits)
        f_long = np.where(z_long & ~a_long, "absent", f_long).astype(object)
        a_long = a_long | z_long
        # the months a text reports: the window, or fewer where the authority's rows (its months owed, from
        # the first of the collection or from its creation) begin inside it
        _, authority = np.unique(np.asarray(rows["authority_code"], dtype=str), return_inverse=True)
        first = np.full(authority.max() + 1, months.max())
        np.minimum.at(first, authority, months)
        own = (months - first[authority]).astype(np.int64) + 1
        short_span, long_span = np.minimum(own, short_months), np.minimum(own, long_months)
    else:
        empty = np.array([])
        t_short = f_short = l_short = t_long = f_long = l_long = p_long = empty
        a_short = a_long = z_long = np.array([], dtype=bool)
        short_span = long_span = np.array([], dtype=np.int64)
    use_long = (a_long & ~a_short) | z_long   # an absent practice is reported with the long window it was judged on
    pick = lambda short, long: np.where(use_long, long, short)  # noqa: E731
    x_e, n_e = pick(xs, xl), pick(ns, nl)
    lower12, upper12 = wilson_interval(x12, n12) if size else (np.array([]), np.array([]))
    with np.errstate(divide="ignore", invalid="ignore"):
        share12 = np.where(n12 > 0, x12 / n12, np.nan)
        share_e = np.where(n_e > 0, x_e / n_e, np.nan)
    _temp_table(con, "scoring_practice_evidence", {
        "authority_code": pa.array(rows["authority_code"].astype(str) if size else [], type=pa.string()),
        "period": pa.array(rows["period"].astype("datetime64[D]") if size else [], type=pa.date32()),
        "measure": pa.array(rows["measure"].astype(str) if size else [], type=pa.string()),
        "adverse": pa.array(adverse.astype(str) if size else [], type=pa.string()),
        "numerator12": pa.array(x12.astype(np.int64)), "denominator12": pa.array(n12.astype(np.int64)),
        "share12": _floats(share12), "lower95_12": _floats(lower12), "upper95_12": _floats(upper12),
        "target12": _floats(target12),
        "evidence_months": pa.array(np.where(use_long, long_span, short_span).astype(np.int64)),
        "numerator_evidence": pa.array(x_e.astype(np.int64)), "denominator_evidence": pa.array(n_e.astype(np.int64)),
        "share_evidence": _floats(share_e), "target_evidence": _floats(pick(t_short, t_long)),
        "flag_evidence": pa.array(pick(f_short, f_long).astype(str) if size else [], type=pa.string()),
        "is_adverse": pa.array((a_short | a_long) if size else np.array([], dtype=bool)),
        "limit_evidence": _floats(pick(l_short, l_long)),
        "absent": pa.array(z_long),  # judged on the long window only, so always reported with it (use_long)
        "absent_probability": _floats(np.where(use_long, p_long, np.nan)),
        "folded_note": pa.array(pick(note_s, note_l) if size else [], type=pa.string()),
    })
    sustain = int(practice.get("sustained_months", 0))
    if sustain > 0:
        # sustained evidence: beyond the limit now and `sustain` months earlier (two evaluations apart), so a
        # share crossing the limit for a month or two is not reported as a practice failing
        con.execute(
            "create or replace temp table scoring_practice_evidence as "
            "select e.* replace (e.is_adverse and coalesce(q.is_adverse, false) as is_adverse) "
            "from scoring_practice_evidence as e left join scoring_practice_evidence as q "
            "on q.authority_code = e.authority_code and q.measure = e.measure "
            "and q.period = e.period - to_months(cast($s as integer))",
            {"s": sustain},
        )


def _stored_fits(con: duckdb.DuckDBPyConnection) -> FitCache:
    """The zero-inflated fits the last rescore used (practice_fit), for this one to reuse where its windows'
    counts are unchanged (a one-month refresh refits only the new month's windows)."""
    rows = con.execute("select fit_key, pi, a, b, log_likelihood from practice_fit").fetchall()
    return FitCache({key: ZeroInflatedFit(tuple(pi), a, b, log_likelihood) for key, pi, a, b, log_likelihood in rows})


def _keep_fits(con: duckdb.DuckDBPyConnection, fits: FitCache) -> None:
    """practice_fit := the fits this rescore used (the stored ones no window needs any more are removed)."""
    if fits.used.keys() == fits.stored.keys():
        return
    con.execute("delete from practice_fit")
    con.executemany("insert into practice_fit (fit_key, pi, a, b, log_likelihood) values (?, ?, ?, ?, ?)",
                    [(key, list(fit.pi), fit.a, fit.b, fit.log_likelihood) for key, fit in fits.used.items()])


def cusum_settings(config: ScoringConfig) -> CusumSettings:
    raw = config.raw["sudden_change"]
    return CusumSettings(
        drop_ratio=float(raw["drop_ratio"]), rise_ratio=float(raw["rise_ratio"]),
        baseline_months=int(raw["baseline_months"]), min_baseline_returns=int(raw["min_baseline_returns"]),
        window_months=int(raw["window_months"]), min_level=float(raw["min_level"]),
        long_window_months=int(raw.get("long_window_months", 0)), long_window_share=float(raw.get("long_window_share", 0.1)),
        false_alarms_per_year=float(raw["false_alarms_per_year"]), authorities=int(raw["authorities"]),
        simulations=int(raw["simulations"]), seed=int(raw["seed"]), min_threshold=float(raw["min_threshold"]),
    )


@lru_cache(maxsize=32)
def _simulated(ratio: float, shape: float, settings: CusumSettings, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    return calibrate(ratio, shape, settings, length)


def _calibration(con: duckdb.DuckDBPyConnection, ratio: float, shape: float,
                 settings: CusumSettings) -> tuple[Thresholds, Thresholds | None]:
    """The thresholds for (ratio, shape, settings) at each baseline length, for recent change points and
    (None unless the long window is on) older ones: from cusum_threshold when a rescore has simulated
    them before (they are deterministic), else simulated now and kept there."""
    lengths, long = baseline_lengths(settings), settings.long_window_months > settings.window_months
    tables: list[list[np.ndarray]] = [[], []]
    levels = np.array([])
    for length in lengths:
        keys = [hashlib.sha256(repr((CALIBRATION_VERSION, ratio, shape, settings, int(length)) + group).encode("utf-8")).hexdigest()[:16]
                for group in ((), ("long",))[:1 + long]]
        stored = [con.execute("select level, h from cusum_threshold where calibration_key = $k order by level", {"k": key}).fetchall()
                  for key in keys]
        if all(stored):
            levels = np.array([r[0] for r in stored[0]])
            found = [np.array([r[1] for r in rows]) for rows in stored]
        else:
            levels, h, h_long = _simulated(ratio, shape, settings, int(length))
            found = [h, h_long][:1 + long]
            for key, values in zip(keys, found):
                con.execute("delete from cusum_threshold where calibration_key = $k", {"k": key})
                con.executemany("insert into cusum_threshold (calibration_key, level, h) values (?, ?, ?)",
                                [(key, float(level), float(value)) for level, value in zip(levels, values)])
        for group, values in enumerate(found):
            tables[group].append(values)
    recent = Thresholds(lengths, levels, np.array(tables[0]))
    return recent, (Thresholds(lengths, levels, np.array(tables[1])) if long else None)


def rounded_shape(shape: float) -> float:
    """The largest grid shape not above `shape` (infinite stays infinite: Poisson)."""
    if not np.isfinite(shape):
        return float("inf")
    below = [s for s in SHAPE_GRID if s <= shape]
    return below[-1] if below else SHAPE_GRID[0]


def write_step_changes(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    """scoring_sudden_change: the months where the drop or rise CUSUM is above its threshold; and
    scoring_count_shape: the national negative-binomial shape it estimated (before rounding down to the
    calibration grid; null: Poisson), which the nil-run model (61_nil_run.sql) reads."""
    settings = cusum_settings(config)
    rows = con.execute("select authority_code, period, total from scoring_monthly_total").fetchnumpy()
    columns: dict[str, list] = {name: [] for name in _SUDDEN_CHANGE_TYPES}
    estimated_shape = float("inf")
    if len(rows["authority_code"]):
        codes, code_index = np.unique(rows["authority_code"].astype(str), return_inverse=True)
        periods_raw = rows["period"].astype("datetime64[M]")
        periods, period_index = np.unique(periods_raw, return_inverse=True)
        totals = np.asarray(rows["total"], dtype=float)
        if hasattr(rows["total"], "mask"):
            totals = np.where(np.ma.getmaskarray(rows["total"]), np.nan, np.ma.getdata(rows["total"]).astype(float))
        x = np.full((len(periods), len(codes)), np.nan)
        x[period_index, code_index] = totals
        # England's monthly index (season and trend), each authority judged against the index without itself
        england, index = national_index(x)
        estimated_shape = nb_shape(x / england[:, None])
        shape = rounded_shape(estimated_shape)
        for direction, ratio in (("drop", settings.drop_ratio), ("rise", settings.rise_ratio)):
            recent_h, older_h = _calibration(con, ratio, shape, settings)
            stat, level, span, limit = statistic(x, index, ratio, shape, settings, with_span=True,
                                                 thresholds=recent_h, long_thresholds=older_h)
            # flagged in months with a return: a month without one is coverage's business
            alarm = np.isfinite(stat) & (stat > limit) & np.isfinite(x)
            for t, a in zip(*np.nonzero(alarm)):
                k = int(span[t, a])
                recent = slice(t - k + 1, t + 1)
                present = np.isfinite(x[recent, a])
                columns["authority_code"].append(codes[a])
                columns["period"].append(periods[t].astype("datetime64[D]").astype(object))
                columns["total"].append(float(x[t, a]) if np.isfinite(x[t, a]) else None)
                columns["direction"].append(direction)
                columns["statistic"].append(float(stat[t, a]))
                columns["threshold"].append(float(limit[t, a]))
                columns["level"].append(float(level[t, a]))
                columns["months"].append(k)
                columns["first_period"].append(periods[t - k + 1].astype("datetime64[D]").astype(object))
                columns["observed"].append(float(np.nansum(x[recent, a])))
                columns["expected"].append(float((level[t, a] * index[recent, a])[present].sum()))
                columns["shape"].append(shape if np.isfinite(shape) else None)
    _temp_table(con, "scoring_sudden_change",
                {name: pa.array(columns[name], type=kind) for name, kind in _SUDDEN_CHANGE_TYPES.items()})
    # the same national shape, unrounded (the grid only serves reusing calibrations), for the nil-run model
    _temp_table(con, "scoring_count_shape",
                {"shape": pa.array([estimated_shape if np.isfinite(estimated_shape) else None], type=pa.float64())})
