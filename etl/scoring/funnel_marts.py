"""The funnel marts (funnel_point, funnel_limit) and the comparison each significantly low/high flag rests
on (temp table scoring_funnel_basis), written one (measure, period) group at a time.

A group's result is a pure function of its inputs, so the result of every group is kept (funnel_memo,
migration 009) under a digest of everything it depends on, and a rescore recomputes only the groups whose
digest changed: after a one-month refresh the new month's, not the other 66 months' (docs/architecture.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import scipy

from ..settings import sql_text
from . import distributions, funnel
from .config import ScoringConfig
from .funnel import FunnelSettings, funnel_against, funnel_group, limit_curve, main_effects_design, risk_adjusted_expected
from .groups import group_slices
from .marts import staged

_FLAG_WINDOW = "scoring/funnel_flag_window.sql"  # what the flag judges when its window is not 12 months
_RISK_COVARIATES = "scoring/risk_covariates.sql"  # region and priority-area status of each authority

Columns = dict[str, np.ndarray]
# the columns of scoring_rate a group's result is computed from
_INPUTS = ("measure", "period", "authority_code", "observed", "exposure", "months_reported")


@dataclass(frozen=True)
class GroupResult:
    """One (measure, period) group's rows of funnel_point, funnel_limit and scoring_funnel_basis."""

    point: pa.Table
    curve: pa.Table
    basis: pa.Table | None


@dataclass
class FunnelMemo:
    """Group results by key ("measure period"): `stored` as the last rescore kept them (key: (digest,
    result)), `used` those this rescore looked up or computed, which are kept for the next. rewrite: the
    stored ones are not read, and every kept result is replaced (a full rescore)."""

    stored: dict[str, tuple[str, GroupResult]] = field(default_factory=dict)
    used: dict[str, tuple[str, GroupResult]] = field(default_factory=dict)
    rewrite: bool = False

    def get(self, key: str, digest: str) -> GroupResult | None:
        """The kept result of the group when it was computed from the same inputs."""
        kept = self.stored.get(key)
        return kept[1] if kept is not None and kept[0] == digest else None

    def keep(self, key: str, digest: str, result: GroupResult) -> None:
        self.used[key] = (digest, result)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, reuse: bool = True) -> FunnelMemo:
        if not reuse:
            return cls(rewrite=True)
        rows = con.execute("select group_key, digest, point, curve, basis from funnel_memo").fetchall()
        return cls({key: (digest, GroupResult(_read(point), _read(curve), _read(basis) if basis is not None else None))
                    for key, digest, point, curve, basis in rows})

    def save(self, con: duckdb.DuckDBPyConnection) -> None:
        """funnel_memo := the groups this rescore used (changed digests replaced, groups no longer scored removed)."""
        stale = [key for key, (digest, _) in self.stored.items() if self.used.get(key, (None,))[0] != digest]
        new = [key for key, (digest, _) in self.used.items() if self.stored.get(key, (None,))[0] != digest]
        if self.rewrite:
            con.execute("delete from funnel_memo")
        elif stale:
            con.executemany("delete from funnel_memo where group_key = ?", [(key,) for key in stale])
        rows = []
        for key in new:
            digest, result = self.used[key]
            basis = _write(result.basis) if result.basis is not None else None
            rows.append((key, digest, _write(result.point), _write(result.curve), basis))
        if rows:
            con.executemany("insert into funnel_memo (group_key, digest, point, curve, basis) values (?, ?, ?, ?, ?)", rows)


def write_funnel(con: duckdb.DuckDBPyConnection, config: ScoringConfig, reuse: bool = True) -> None:
    """Funnel points and curves per measure and period (rolling 12 months), vectorised per group, and
    the temp table scoring_funnel_basis: what each point's significantly low/high flag compares with
    (England's funnel, or the risk-adjusted expectation when [funnel] comparator = "risk_adjusted").
    reuse: take unchanged groups from funnel_memo (False: compute every group, as `oversight score` does)."""
    settings = _funnel_settings(config)
    points_per_curve = int(config.raw["funnel"]["limit_points"])
    rows = con.execute(
        "select measure, period, authority_code, observed, exposure, months_reported from scoring_rate "
        "where \"window\" = 'rolling12' and exposure > 0 order by measure, period, authority_code"
    ).fetchnumpy()
    _create_basis(con)
    memo = FunnelMemo.load(con, reuse)
    if len(rows["measure"]) == 0:
        memo.save(con)
        return
    covariates = _risk_covariates(con) if settings.comparator == "risk_adjusted" else {}
    basis_here = settings.flag_window_months == 12  # otherwise the flag measures' basis has its own window
    results = []
    # one group per measure and period, not per authority (the rows are ordered by measure, period)
    for group in group_slices(rows["measure"], rows["period"]):
        key = f"{rows['measure'][group.start]} {np.datetime_as_string(rows['period'][group.start], unit='D')}"
        digest = _digest(settings, points_per_curve, [rows[name][group] for name in _INPUTS],
                         [covariates.get(str(code)) for code in rows["authority_code"][group]] if covariates else [])
        result = memo.get(key, digest)
        if result is None:
            result = _group_result(rows, group, settings, points_per_curve, covariates, basis_here)
        memo.keep(key, digest, result)
        results.append(result)
    bases = [r.basis for r in results if r.basis is not None]
    if not basis_here:
        bases += [_table(part) for part in _long_window_basis(con, covariates, settings)]
    insert_tables(con, staged("funnel_point"), [r.point for r in results])
    insert_tables(con, staged("funnel_limit"), [r.curve for r in results])
    if bases:
        insert_tables(con, "scoring_funnel_basis", bases)
    memo.save(con)


def _funnel_settings(config: ScoringConfig) -> FunnelSettings:
    raw = config.raw["funnel"]
    levels = [float(x) for x in raw["limits"]]
    return FunnelSettings(
        per=float(raw["per"]),
        levels=(levels[0], levels[1]),
        winsor_lower=float(raw["winsor_lower"]),
        winsor_upper=float(raw["winsor_upper"]),
        overdispersion_above=float(raw["overdispersion_above"]),
        overdispersion=str(raw.get("overdispersion", "additive")),
        comparator=str(raw.get("comparator", "england")),
        risk_min_others=int(raw.get("risk_min_others", 3)),
        flag_measures=tuple(str(m) for m in raw.get("flag_measures", FunnelSettings.flag_measures)),
        flag_window_months=int(raw.get("flag_window_months", 12)),
    )


def _group_result(rows: Columns, group: slice, settings: FunnelSettings, points_per_curve: int,
                  covariates: dict[str, tuple[str, bool]], basis_here: bool) -> GroupResult:
    begin, n = group.start, group.stop - group.start
    result = funnel_group(rows["observed"][group], rows["exposure"][group], settings)
    point = {
        "measure": rows["measure"][group], "period": rows["period"][group],
        "authority_code": rows["authority_code"][group], "observed": rows["observed"][group],
        "population": rows["exposure"][group], "rate": result["rate"],
        "target_rate": np.full(n, result["target_rate"]), "expected": result["expected"], "z": result["z"],
        "lower95": result["lower95"], "upper95": result["upper95"], "lower998": result["lower998"],
        "upper998": result["upper998"], "phi": np.full(n, result["phi"]), "tau2": np.full(n, result["tau2"]),
        "flag": result["flag"],
        "months_reported": rows["months_reported"][group],
    }
    basis = None
    if basis_here or str(rows["measure"][begin]) not in settings.flag_measures:
        basis = _table(_basis(rows, group, result, covariates, settings))
    curve = limit_curve(rows["exposure"][group], result["target_rate"], result["phi"], settings, points_per_curve,
                        result["tau2"])
    m = len(curve["population"])
    return GroupResult(
        _table(point),
        _table({"measure": np.repeat(rows["measure"][begin], m), "period": np.repeat(rows["period"][begin], m), **curve}),
        basis,
    )


@cache
def _code_digest() -> str:
    """The funnel code's own digest: a change to how a group is computed invalidates every kept result."""
    digest = hashlib.sha256(repr((np.__version__, scipy.__version__)).encode("utf-8"))
    for module in (funnel, distributions):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _digest(settings: FunnelSettings, points_per_curve: int, arrays: list[np.ndarray], covariates: list) -> str:
    """sha256 of everything a group's result depends on: the code, the settings, the group's columns and the
    covariates of its authorities."""
    digest = hashlib.sha256(repr((_code_digest(), settings, points_per_curve, covariates)).encode("utf-8"))
    for column in arrays:
        values = np.ma.getdata(column)
        digest.update(repr((values.dtype.str, len(values))).encode("utf-8"))
        digest.update(np.ma.getmaskarray(column).tobytes())  # which values are null (fetchnumpy masks them)
        digest.update(values.tobytes() if values.dtype != object else repr(values.tolist()).encode("utf-8"))
    return digest.hexdigest()


def _long_window_basis(con: duckdb.DuckDBPyConnection, covariates: dict[str, tuple[str, bool]],
                       settings: FunnelSettings) -> list[Columns]:
    """The flag measures judged over one pooled window of flag_window_months (funnel_flag_window.sql):
    England's funnel of that window, then the risk-adjusted comparison as for 12 months."""
    rows = con.execute(sql_text(_FLAG_WINDOW),
                       {"measures": list(settings.flag_measures), "months": settings.flag_window_months}).fetchnumpy()
    if len(rows["measure"]) == 0:
        return []
    parts = []
    for group in group_slices(rows["measure"], rows["period"]):  # ordered by measure, period
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


def _basis(rows: Columns, group: slice, england: dict, covariates: dict[str, tuple[str, bool]],
           settings: FunnelSettings, window_months: int = 12) -> Columns:
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


def _table(columns: Columns) -> pa.Table:
    """Arrow columns for the database: text as strings (None stays null), non-finite floats as null."""
    arrays = {}
    for name, values in columns.items():
        if values.dtype == object:
            arrays[name] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
        elif np.issubdtype(values.dtype, np.floating):
            arrays[name] = pa.array(np.where(np.isfinite(values), values, np.nan), from_pandas=True)
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def insert_tables(con: duckdb.DuckDBPyConnection, table: str, tables: list[pa.Table]) -> None:
    """Append the rows of `tables` (same column names; numeric types promoted as NumPy would) to `table`."""
    frame = pa.concat_tables(tables, promote_options="permissive")
    con.register("scoring_arrow", frame)
    try:
        column_list = ", ".join(f'"{name}"' for name in frame.column_names)  # names from our own dicts
        con.execute(f"insert into {table} ({column_list}) select {column_list} from scoring_arrow")
    finally:
        con.unregister("scoring_arrow")


def _write(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _read(blob: bytes) -> pa.Table:
    return pa.ipc.open_stream(blob).read_all()
