"""Running the scoring SQL models (etl/sql/scoring/NN_*.sql) in order, with their parameters."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from ..errors import DatabaseError
from ..settings import SQL_DIR
from .config import DIMENSIONS, ScoringConfig

MODELS_DIR = SQL_DIR / "scoring"
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_MODEL_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.sql$")


def model_paths(prefix_below: int | None = None, prefix_from: int = 0) -> list[Path]:
    """The model files in order, optionally only those numbered in [prefix_from, prefix_below)."""
    paths = sorted(p for p in MODELS_DIR.glob("*.sql") if _MODEL_NAME.match(p.name))
    return [p for p in paths if int(p.name[:2]) >= prefix_from and (prefix_below is None or int(p.name[:2]) < prefix_below)]


def sql_parameters(config: ScoringConfig, today: date) -> dict[str, Any]:
    """Scalar parameters of the models, named as they appear ($name) in the SQL."""
    raw = config.raw
    return {
        "config_version": config.config_version,
        "today": today,
        "deadline_day": int(raw["timeliness"]["deadline_day"]),
        "deadline_months_after": int(raw["timeliness"]["deadline_months_after"]),
        "zero_at_days_late": float(raw["timeliness"]["zero_at_days_late"]),
        "not_recorded": str(raw["completeness"]["not_recorded"]),
        "under18": [str(c) for c in raw["funnel"]["under18_categories"]],
        "per": float(raw["funnel"]["per"]),
        "evidence_months": int(raw["practice"]["evidence_months"]),
        "long_evidence_months": int(raw["practice"]["long_evidence_months"]),
        "min_run": int(raw["nil_returns"]["min_run"]),
        "max_probability": float(raw["nil_returns"]["max_probability"]),
        "min_other_returns": int(raw["nil_returns"].get("min_other_returns", 12)),
        "distribution": str(raw["nil_returns"].get("distribution", "negative_binomial")),
        "neighbours": int(raw["neighbours"]["count"]),
    }


def load_config_tables(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    """The list-valued settings as small temp tables the models join to."""
    raw = config.raw
    weights = config.weights
    labels = raw["completeness"].get("labels", {})
    rules = raw["validity"].get("rules", [])
    practice = raw["practice"]["weights"]
    evidence = raw["practice"].get("evidence_weights", {})
    contradicted = raw["practice"].get("contradicted_by", {})
    consistency = raw["internal_consistency"]["sections"]
    splits = [str(c) for c in raw["practice"].get("mixed_splits", [])]
    tables = {
        "scoring_cfg_weight": (
            "select unnest($a) as dimension, unnest($b) as weight",
            {"a": list(DIMENSIONS), "b": [weights[d] for d in DIMENSIONS]},
        ),
        "scoring_cfg_band": (
            "select unnest($a) as name, unnest($b) as min_score",
            {"a": [b[0] for b in config.bands], "b": [b[1] for b in config.bands]},
        ),
        "scoring_cfg_section": (
            "select unnest($a) as section, unnest($b) as label",
            {"a": list(raw["completeness"]["sections"]),
             "b": [labels.get(s, s.replace("_", " ")) for s in raw["completeness"]["sections"]]},
        ),
        "scoring_consistency_section": (
            "select unnest($a) as section, unnest($b) as label",
            {"a": list(consistency), "b": [labels.get(s, s.replace("_", " ")) for s in consistency]},
        ),
        "scoring_cfg_validity_rule": (
            "select unnest($a) as rule_id, unnest($b) as points, unnest($c) as scope, unnest($d) as what, unnest($e) as fix",
            {"a": [r["rule_id"] for r in rules], "b": [float(r["points"]) for r in rules],
             "c": [r["scope"] for r in rules], "d": [r.get("what", r["rule_id"]) for r in rules],
             "e": [r.get("fix", "") for r in rules]},
        ),
        "scoring_cfg_practice": (
            "select unnest($a) as category, unnest($b) as weight, unnest($c) as contradicted_by",
            {"a": list(practice), "b": [float(w) for w in practice.values()],
             "c": [contradicted.get(c) for c in practice]},
        ),
        "scoring_cfg_mixed_split": (
            "select cast(unnest($a) as varchar) as category, cast(unnest($b) as integer) as position",
            {"a": splits, "b": list(range(1, len(splits) + 1))},
        ),
        "scoring_cfg_practice_evidence": (
            "select unnest($a) as measure, unnest($b) as weight",
            {"a": list(evidence), "b": [float(w) for w in evidence.values()]},
        ),
    }
    for name, (select, params) in tables.items():
        # name comes from the fixed dict above, never from input
        con.execute(f"create or replace temp table {name} as {select}", params)


def run_model(con: duckdb.DuckDBPyConnection, path: Path, parameters: dict[str, Any]) -> None:
    sql = path.read_text(encoding="utf-8")
    used = {name: parameters[name] for name in set(_PARAMETER.findall(_strip_comments(sql)))}
    try:
        con.execute(sql, used) if used else con.execute(sql)
    except duckdb.Error as exc:
        raise DatabaseError(f"scoring model {path.name} failed: {exc}. Is the database migrated (oversight refresh)?") from exc


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
