"""Scoring of recording quality: dimension scores, composite and band, statistical flags, explanations.

`rescore(con)` recomputes every mart from the current returns (the loader calls it inside its write
session); `rescore_database(db)` does the same on a database file in one transaction;
`explain_score(db, authority, period)` reads back why an authority scored what it did.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from ..clock import utc_now
from ..settings import today as settings_today
from .config import ScoringConfig, load_config
from .explain import Explanation, explain_score
from .evidence import write_practice_evidence, write_step_changes
from .funnel_marts import write_funnel
from .marts import MARTS, MartWrites, stage_marts, sync_marts
from .models import load_config_tables, model_paths, run_model, sql_parameters
from .summary import ScoreSummary

__all__ = ["MARTS", "Explanation", "ScoreSummary", "explain_score", "rescore", "rescore_database"]


def rescore(con: duckdb.DuckDBPyConnection, config: ScoringConfig | None = None, full: bool = False) -> ScoreSummary:
    """Recompute every score, flag and reconciliation from the current returns.

    Runs in the caller's transaction when there is one (it opens none): the loader's write session
    makes the whole load, rescore included, atomic. Everything is recomputed every time, so a change of
    configuration re-scores all periods, except the funnel of a month whose inputs are unchanged, which is
    taken from the last rescore (etl/scoring/funnel_marts.py); the stored marts are then changed only in
    the months whose rows differ (etl/scoring/marts.py). `full` (`oversight score`): every funnel computed
    again and every mart replaced whole.
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
    write_funnel(con, config, reuse=not full)
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
