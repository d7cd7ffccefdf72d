"""What the scores were computed from: a digest kept in `meta('scored_state')`, and the synthetic marker.

Whether a database needs rescoring is decided from the database, never from what a run did: the digest
covers the stored returns (ids, SHA-256, version chains, statuses), the reference tables, the schema
version, the scoring configuration version, the scoring SQL models and the "as of" date (coverage and
timeliness depend on which deadlines have passed). Every write session compares it with the marker
and rescores when they differ, so a run killed during rescoring, a disk-full failure or a what-if
`score --config` is repaired by the next writer. `meta('contains_synthetic_data')` is recomputed from
`submission.is_synthetic` the same way, and removed when no synthetic submission remains.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from .db import meta_value
from .settings import sql_text, today
from .faults import fault_point

SCORED_STATE_KEY = "scored_state"
SCORED_CONFIG_KEY = "scored_config_version"
SYNTHETIC_KEY = "contains_synthetic_data"


def scored_state(con: duckdb.DuckDBPyConnection, config_version: str) -> str:
    """The digest the scores must have been computed from to be current for this database now."""
    from .scoring.models import MODELS_DIR

    submissions, reference, schema_version = con.execute(
        sql_text("scored_state_inputs.sql")
    ).fetchone()
    inputs = {
        "submissions": submissions,
        "reference": reference,
        "schema_version": schema_version,
        "config_version": config_version,
        # the SQL models and the queries the Python steps between them read (etl/sql/scoring/*.sql), and those
        # steps (etl/scoring/*.py: the CUSUM, the practice tests)
        "models": _models_digest(tuple(sorted(MODELS_DIR.glob("*.sql"))) + tuple(sorted((Path(__file__).parent / "scoring").glob("*.py")))),
        "as_of": today().isoformat(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _models_digest(paths: tuple) -> str:
    """The digest of the scoring SQL models, read once per process for as long as no file changes (each
    file's name, size and modification time are checked on every call)."""
    key = tuple((path.name, stat.st_size, stat.st_mtime_ns) for path, stat in ((p, p.stat()) for p in paths))
    digest = _MODELS_DIGESTS.get(key)
    if digest is None:
        models = hashlib.sha256()
        for path in paths:
            models.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        digest = _MODELS_DIGESTS[key] = models.hexdigest()
    return digest


_MODELS_DIGESTS: dict[tuple, str] = {}


def recorded_state(con: duckdb.DuckDBPyConnection) -> str | None:
    return meta_value(con, SCORED_STATE_KEY)


def contains_synthetic_data(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any stored submission is synthetic, as the last write session recorded (`mark_synthetic`)."""
    return meta_value(con, SYNTHETIC_KEY) == "true"


def ensure_scored(con: duckdb.DuckDBPyConnection, *, config=None, force: bool = False):
    """Rescore when the scores do not match the stored returns and configuration (or when forced).

    Runs in the caller's transaction (opens none), so the marts and the marker change together.
    Returns the ScoreSummary when it rescored, else None.
    """
    from .scoring import rescore
    from .scoring.config import load_config

    config = config or load_config()
    wanted = scored_state(con, config.config_version)
    if not force and recorded_state(con) == wanted:
        return None
    summary = rescore(con, config, full=force)  # forced (`oversight score`): every mart rewritten whole
    fault_point("rescore")  # test-only: a kill here is a kill during rescoring (etl/faults.py)
    con.execute(
        "insert or replace into meta (key, value) values (?, ?), (?, ?)",
        [SCORED_STATE_KEY, wanted, SCORED_CONFIG_KEY, config.config_version],
    )
    return summary


def recorded_config(con: duckdb.DuckDBPyConnection):
    """The configuration the stored scores were computed with (a what-if `rescore_database(db, config)`
    stays in force until the next load or refresh), else the shipped etl/scoring.toml."""
    from .scoring.config import load_config, parse_config

    row = con.execute(
        "select c.toml_text from meta as m join score_config as c on c.config_version = m.value"
        " where m.key = ? limit 1",
        [SCORED_CONFIG_KEY],
    ).fetchone()
    return parse_config(row[0]) if row else load_config()


def sync_synthetic_marker(con: duckdb.DuckDBPyConnection) -> bool:
    """Set or remove `meta('contains_synthetic_data')` from the stored submissions; True if set."""
    synthetic = con.execute("select exists (select 1 from submission where is_synthetic)").fetchone()[0]
    if synthetic:
        con.execute("insert or replace into meta (key, value) values (?, 'true')", [SYNTHETIC_KEY])
    else:
        con.execute("delete from meta where key = ?", [SYNTHETIC_KEY])
    return bool(synthetic)


def rescore_database_file(db_path, config):
    """`oversight score`: rescore in a write session (lock, private copy, swap), whatever the marker says."""
    from .db import rollback_quietly
    from .write_session import write_session

    with write_session(db_path, "score") as con:
        con.execute("begin transaction")
        try:
            summary = ensure_scored(con, config=config, force=True)
            con.execute("commit")
        except BaseException:
            rollback_quietly(con)
            raise
    return summary
