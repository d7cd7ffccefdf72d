"""Scoring of recording quality: dimension scores, composite and band, statistical flags, explanations.

`rescore(con)` recomputes every mart from the current returns (the loader calls it inside its write
session); `rescore_database(db)` does the same on a database file in one transaction;
`explain_score(db, authority, period)` reads back why an authority scored what it did.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ..clock import utc_now
from ..settings import sql_text
from ..settings import today as settings_today
from .config import ScoringConfig, load_config
from .explain import Explanation, explain_score
from .funnel import FunnelSettings, funnel_against, funnel_group, limit_curve, main_effects_design, risk_adjusted_expected
from .evidence import write_practice_evidence, write_step_changes
from .groups import group_starts
from .marts import MARTS, MartWrites, stage_marts, staged, sync_marts
from .models import load_config_tables, model_paths, run_model, sql_parameters
from .summary import ScoreSummary

__all__ = ["MARTS", "Explanation", "ScoreSummary", "explain_score", "rescore", "rescore_database"]

_FLAG_WINDOW = "scoring/funnel_flag_window.sql"  # what the flag judges when its window is not 12 months
_RISK_COVARIATES = "scoring/risk_covariates.sql"  # region and priority-area status of each authority


def rescore(con: duckdb.DuckDBPyConnection, config: ScoringConfig | None = None, full: bool = False) -> ScoreSummary:
    """Recompute every score, flag and reconciliation from the current returns.

    Runs in the caller's transaction when there is one (it opens none): the loader's write session
    makes the whole load, rescore included, atomic. Everything is recomputed every time, so a change of
    configuration re-scores all periods; the stored marts are then changed only in the months whose rows
    differ (etl/scoring/marts.py), or replaced whole when `full` (`oversight score`).
    """
    started = time.perf_counter()
    config = config or load_config()
    parameters = sql_parameters(config, settings_today())
    _record_config(con, config)
    load_config_tables(con, config)
    for path in model_paths(prefix_below=27):
        run_model(con, path, parameters)
    write_practice_evidence(con, config)
    for path in model_paths(prefix_from=27, prefix_below=61):
        run_model(con, path, parameters)
    write_step_changes(con, config)
    for path in model_paths(prefix_from=61, prefix_below=90):
        run_model(con, path, parameters)
    stage_marts(con)
    for path in model_paths(prefix_from=90, prefix_below=94):
        run_model(con, path, parameters)
    _write_funnel(con, config)
    for path in model_paths(prefix_from=94):
        run_model(con, path, parameters)
    writes = sync_marts(con, full=full)
    summary = _summarise(con, config, time.perf_counter() - started, writes)
    _drop_temp_tables(con)
    return summary


def rescore_database(db_path: Path | str, config_path: Path | str | None = None) -> ScoreSummary:
    """Rescore a database file through the one write session (lock, private copy, swap: never the live
    file in place), in one transaction; the scored-state marker records what was scored.

    config_path: another scoring TOML (what-if runs, tests); default etl/scoring.toml.
    """
    from ..scored_state import rescore_database_file

    return rescore_database_file(Path(db_path), load_config(Path(config_path) if config_path else None))


def _record_config(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    con.execute(
        "insert into score_config (config_version, created_at, toml_text) values ($v, $t, $x) on conflict do nothing",
        {"v": config.config_version, "t": utc_now(), "x": config.toml_text},
    )


def _funnel_settings(config: ScoringConfig) -> FunnelSettings:
    funnel = config.raw["funnel"]
    levels = [float(x) for x in funnel["limits"]]
    return FunnelSettings(
        per=float(funnel["per"]),
        levels=(levels[0], levels[1]),
        winsor_lower=float(funnel["winsor_lower"]),
        winsor_upper=float(funnel["winsor_upper"]),
        overdispersion_above=float(funnel["overdispersion_above"]),
        overdispersion=str(funnel.get("overdispersion", "additive")),
        comparator=str(funnel.get("comparator", "england")),
        risk_min_others=int(funnel.get("risk_min_others", 3)),
        flag_measures=tuple(str(m) for m in funnel.get("flag_measures", FunnelSettings.flag_measures)),
        flag_window_months=int(funnel.get("flag_window_months", 12)),
    )


def _write_funnel(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    """Funnel points and curves per measure and period (rolling 12 months), vectorised per group, and
    the temp table scoring_funnel_basis: what each point's significantly low/high flag compares with
    (England's funnel, or the risk-adjusted expectation when [funnel] comparator = "risk_adjusted")."""
    settings = _funnel_settings(config)
    points_per_curve = int(config.raw["funnel"]["limit_points"])
    rows = con.execute(
        "select measure, period, authority_code, observed, exposure, months_reported from scoring_rate "
        "where \"window\" = 'rolling12' and exposure > 0 order by measure, period, authority_code"
    ).fetchnumpy()
    _create_basis(con)
    if len(rows["measure"]) == 0:
        return
    covariates = _risk_covariates(con) if settings.comparator == "risk_adjusted" else {}
    bounds = list(group_starts(rows["measure"], rows["period"])) + [len(rows["measure"])]  # ordered by measure, period
    point_parts: list[dict[str, np.ndarray]] = []
    curve_parts: list[dict[str, np.ndarray]] = []
    basis_parts: list[dict[str, np.ndarray]] = []
    for begin, end in zip(bounds[:-1], bounds[1:]):  # one group per measure and period, not per authority
        group = slice(begin, end)
        result = funnel_group(rows["observed"][group], rows["exposure"][group], settings)
        n = end - begin
        point_parts.append({
            "measure": rows["measure"][group], "period": rows["period"][group],
            "authority_code": rows["authority_code"][group], "observed": rows["observed"][group],
            "population": rows["exposure"][group], "rate": result["rate"],
            "target_rate": np.full(n, result["target_rate"]), "expected": result["expected"], "z": result["z"],
            "lower95": result["lower95"], "upper95": result["upper95"], "lower998": result["lower998"],
            "upper998": result["upper998"], "phi": np.full(n, result["phi"]), "tau2": np.full(n, result["tau2"]),
            "flag": result["flag"],
            "months_reported": rows["months_reported"][group],
        })
        if settings.flag_window_months == 12 or str(rows["measure"][begin]) not in settings.flag_measures:
            basis_parts.append(_basis(rows, group, result, covariates, settings))
        curve = limit_curve(rows["exposure"][group], result["target_rate"], result["phi"], settings, points_per_curve,
                            result["tau2"])
        m = len(curve["population"])
        curve_parts.append({"measure": np.repeat(rows["measure"][begin], m), "period": np.repeat(rows["period"][begin], m), **curve})
    if settings.flag_window_months != 12:
        basis_parts += _long_window_basis(con, covariates, settings)
    insert_arrow(con, staged("funnel_point"), point_parts)
    insert_arrow(con, staged("funnel_limit"), curve_parts)
    if basis_parts:
        insert_arrow(con, "scoring_funnel_basis", basis_parts)


def _long_window_basis(con: duckdb.DuckDBPyConnection, covariates: dict[str, tuple[str, bool]],
                       settings: FunnelSettings) -> list[dict[str, np.ndarray]]:
    """The flag measures judged over one pooled window of flag_window_months (funnel_flag_window.sql):
    England's funnel of that window, then the risk-adjusted comparison as for 12 months."""
    rows = con.execute(sql_text(_FLAG_WINDOW),
                       {"measures": list(settings.flag_measures), "months": settings.flag_window_months}).fetchnumpy()
    if len(rows["measure"]) == 0:
        return []
    bounds = list(group_starts(rows["measure"], rows["period"])) + [len(rows["measure"])]  # ordered by measure, period
    parts = []
    for begin, end in zip(bounds[:-1], bounds[1:]):
        group = slice(begin, end)
        england = funnel_group(rows["observed"][group], rows["exposure"][group], settings)
        parts.append(_basis(rows, group, england, covariates, settings, settings.flag_window_months))
    return parts


def _create_basis(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create or replace temp table scoring_funnel_basis (measure varchar, period date, authority_code varchar, "
        "window_months integer, comparator varchar, primary_measure boolean, rate double, england_rate double, "
        "expected_rate double, lower95 double, upper95 double, lower998 double, upper998 double, z double, "
        "tau2 double, flag varchar)"
    )


def _risk_covariates(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, bool]]:
    """Each authority's region and whether it is a Prevent priority area, from the reference tables the
    scores are computed against (ref_authority, ref_prevent_priority_area: both refilled by every load,
    and part of the scored-state digest)."""
    rows = con.execute(sql_text(_RISK_COVARIATES)).fetchall()
    return {code: (str(region), bool(priority)) for code, region, priority in rows}


def _basis(rows: dict[str, np.ndarray], group: slice, england: dict, covariates: dict[str, tuple[str, bool]],
           settings: FunnelSettings, window_months: int = 12) -> dict[str, np.ndarray]:
    """The comparison each point's flag rests on: England's funnel, or (comparator = risk_adjusted) the
    leave-one-out risk-adjusted expectation with its own Winsorised DerSimonian-Laird tau2; units the model
    cannot adjust keep England's."""
    codes = rows["authority_code"][group]
    n = len(codes)
    measure = str(rows["measure"][group.start])
    out = {
        "measure": rows["measure"][group], "period": rows["period"][group], "authority_code": codes,
        "window_months": np.full(n, window_months), "comparator": np.full(n, "england", dtype=object),
        "primary_measure": np.full(n, measure in settings.flag_measures), "rate": england["rate"],
        "england_rate": np.full(n, england["target_rate"]), "expected_rate": np.full(n, england["target_rate"]), "lower95": england["lower95"], "upper95": england["upper95"],
        "lower998": england["lower998"], "upper998": england["upper998"], "z": england["z"],
        "tau2": np.full(n, england["tau2"]), "flag": england["flag"],
    }
    if settings.comparator != "risk_adjusted" or measure not in settings.flag_measures:
        return out  # England's funnel of the window
    observed, exposure = rows["observed"][group], rows["exposure"][group]
    region = np.array([covariates.get(str(c), ("", False))[0] for c in codes])
    priority = np.array([covariates.get(str(c), ("", False))[1] for c in codes])
    expected, adjusted = risk_adjusted_expected(observed, exposure, main_effects_design(region, priority),
                                                min_others=settings.risk_min_others)
    if not adjusted.any():
        return out
    # tau2 from every adjusted unit's z against its own expectation; the unadjusted keep England's funnel.
    result = funnel_against(observed[adjusted], exposure[adjusted], expected[adjusted], settings)
    out["comparator"] = np.where(adjusted, "risk_adjusted", "england").astype(object)
    for key in ("expected_rate", "lower95", "upper95", "lower998", "upper998", "z"):
        values = np.array(out[key], dtype=float, copy=True)
        values[adjusted] = result[key]
        out[key] = values
    out["tau2"] = np.where(adjusted, result["tau2"], england["tau2"])
    flag = np.array(out["flag"], dtype=object, copy=True)
    flag[adjusted] = result["flag"]
    out["flag"] = flag
    return out


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, parts: list[dict[str, np.ndarray]]) -> None:
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    arrays = {}
    for name, values in columns.items():
        if values.dtype == object:
            arrays[name] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
        elif np.issubdtype(values.dtype, np.floating):
            arrays[name] = pa.array(np.where(np.isfinite(values), values, np.nan), from_pandas=True)
        else:
            arrays[name] = pa.array(values)
    frame = pa.table(arrays)
    con.register("scoring_arrow", frame)
    try:
        column_list = ", ".join(f'"{name}"' for name in columns)  # names from our own dicts
        con.execute(f"insert into {table} ({column_list}) select {column_list} from scoring_arrow")
    finally:
        con.unregister("scoring_arrow")


def _summarise(con: duckdb.DuckDBPyConnection, config: ScoringConfig, seconds: float, writes: MartWrites) -> ScoreSummary:
    counts = con.execute(
        """
        select
            (select count(distinct authority_code) from score),
            (select count(distinct period) from score),
            (select count(*) from score),
            (select count(*) from score_component),
            (select count(*) from flag),
            (select count(*) from flag where flag_type = 'significantly_low'),
            (select count(*) from transfer_reconciliation),
            (select count(*) from transfer_reconciliation where status <> 'matched' and not pending),
            (select strftime(max(period), '%Y-%m') from score)
        """
    ).fetchone()
    return ScoreSummary(
        config_version=config.config_version,
        authorities=counts[0], periods=counts[1], scores=counts[2], components=counts[3], flags=counts[4],
        significantly_low=counts[5], transfers=counts[6], transfers_unreconciled=counts[7],
        latest_period=counts[8], duration_s=round(seconds, 3),
        months_changed=writes.months_changed, marts_replaced=len(writes.replaced),
    )


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    names = [row[0] for row in con.execute(
        "select table_name from duckdb_tables() where temporary and table_name like 'scoring_%'"
    ).fetchall()]
    for name in names:
        con.execute(f'drop table if exists temp."{name}"')  # names listed from the catalogue just above
