"""The scoring configuration (etl/scoring.toml): parsed, checked, and versioned by a hash of its content."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import SCORING_CONFIG

DIMENSIONS = (
    "completeness",
    "validity",
    "internal_consistency",
    "cross_authority",
    "timeliness",
    "coverage",
    "practice",
)

# Observed-practice measures (etl/sql/scoring/26_stg_practice_observed.sql), each a count out of a count.
EVIDENCE_MEASURES = (
    "share_family_member_known",
    "share_shared_with_ct_police",
    "share_other_mixed",
    "share_concern_type_not_recorded",
    "share_previous_records_received",
    "share_transfers_in_recorded",
    "share_transfers_out_recorded",
)


@dataclass(frozen=True)
class ScoringConfig:
    """The parsed TOML plus its version; `raw` keeps every value for the SQL parameters."""

    raw: dict[str, Any]
    toml_text: str
    config_version: str

    @property
    def weights(self) -> dict[str, float]:
        return {d: float(self.raw["composite"]["weights"].get(d, 0.0)) for d in DIMENSIONS}

    @property
    def bands(self) -> list[tuple[str, float]]:
        return sorted(((b["name"], float(b["min_score"])) for b in self.raw["bands"]), key=lambda b: -b[1])

    def section(self, name: str) -> dict[str, Any]:
        return self.raw[name]


def config_version_of(raw: dict[str, Any]) -> str:
    """Hash of the normalised content: key order, spacing and comments do not change the version."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def parse_config(text: str, source: str = "scoring configuration") -> ScoringConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}. Fix the syntax and rescore") from exc
    _check(raw, source)
    return ScoringConfig(raw=raw, toml_text=text, config_version=config_version_of(raw))


def load_config(path: Path | None = None) -> ScoringConfig:
    """Read etl/scoring.toml (or another file, for tests and what-if runs)."""
    path = Path(path) if path else SCORING_CONFIG
    if not path.exists():
        raise ConfigError(f"scoring configuration {path} is missing: restore etl/scoring.toml from git")
    return parse_config(path.read_text(encoding="utf-8"), str(path))


def _check(raw: dict[str, Any], source: str) -> None:
    required = ("composite", "bands", "completeness", "validity", "internal_consistency", "timeliness",
                "practice", "funnel", "sudden_change", "nil_returns", "neighbours")
    missing = [name for name in required if name not in raw]
    if missing:
        raise ConfigError(f"{source} lacks the table(s) {', '.join(missing)}: copy them from the shipped etl/scoring.toml")
    weights = raw["composite"].get("weights", {})
    unknown = sorted(set(weights) - set(DIMENSIONS))
    if unknown:
        raise ConfigError(f"{source}: unknown dimension(s) {unknown} in [composite] weights; allowed: {', '.join(DIMENSIONS)}")
    if any(float(w) < 0 for w in weights.values()) or sum(float(w) for w in weights.values()) <= 0:
        raise ConfigError(f"{source}: [composite] weights must be >= 0 and not all zero")
    if not raw["bands"] or min(float(b["min_score"]) for b in raw["bands"]) > 0:
        raise ConfigError(f"{source}: [[bands]] must include a band with min_score = 0 so every score gets one")
    if int(raw["timeliness"]["zero_at_days_late"]) <= 0:
        raise ConfigError(f"{source}: [timeliness] zero_at_days_late must be a positive number of days")
    if not 1 <= int(raw["timeliness"]["deadline_day"]) <= 28:
        raise ConfigError(f"{source}: [timeliness] deadline_day must be between 1 and 28")
    if raw["funnel"].get("overdispersion", "additive") not in ("additive", "multiplicative", "none"):
        raise ConfigError(f"{source}: [funnel] overdispersion must be \"additive\", \"multiplicative\" or \"none\"")
    if raw["funnel"].get("comparator", "england") not in ("england", "risk_adjusted"):
        raise ConfigError(f"{source}: [funnel] comparator must be \"england\" or \"risk_adjusted\"")
    flag_measures = raw["funnel"].get("flag_measures", ["rate_total_per_10k", "rate_under18_per_10k"])
    if not isinstance(flag_measures, list) or set(map(str, flag_measures)) - {"rate_total_per_10k", "rate_under18_per_10k"}:
        raise ConfigError(f"{source}: [funnel] flag_measures must be a list of rate_total_per_10k and/or "
                          f"rate_under18_per_10k; got {flag_measures!r}")
    if int(raw["funnel"].get("risk_min_others", 3)) < 1:
        raise ConfigError(f"{source}: [funnel] risk_min_others must be at least 1")
    if int(raw["funnel"].get("flag_window_months", 12)) < 12:
        raise ConfigError(f"{source}: [funnel] flag_window_months must be 12 (the rolling-12 funnel) or more")
    if raw["nil_returns"].get("distribution", "negative_binomial") not in ("negative_binomial", "poisson"):
        raise ConfigError(f"{source}: [nil_returns] distribution must be \"negative_binomial\" or \"poisson\"")
    change = raw["sudden_change"]
    if 0 < int(change.get("long_window_months", 0)) <= int(change["window_months"]):
        raise ConfigError(f"{source}: [sudden_change] long_window_months must be 0 (off) or more than window_months")
    if not 0 < float(change.get("long_window_share", 0.1)) < 1:
        raise ConfigError(f"{source}: [sudden_change] long_window_share must be between 0 and 1 (the share of the false-alarm rate)")
    if raw["practice"].get("overdispersion", "additive") not in ("additive", "none"):
        raise ConfigError(f"{source}: [practice] overdispersion must be \"additive\" or \"none\"")
    unknown_evidence = sorted(set(raw["practice"].get("evidence_weights", {})) - set(EVIDENCE_MEASURES))
    linked = set(raw["practice"].get("contradicted_by", {}).values())
    if unknown_evidence or linked - set(EVIDENCE_MEASURES):
        raise ConfigError(f"{source}: [practice] names unknown evidence measure(s) {sorted(set(unknown_evidence) | (linked - set(EVIDENCE_MEASURES)))}; "
                          f"allowed: {', '.join(EVIDENCE_MEASURES)}")
    absent = raw["practice"].get("absent_measures", [])
    low_side = ("share_family_member_known", "share_shared_with_ct_police", "share_previous_records_received",
                "share_transfers_in_recorded", "share_transfers_out_recorded")
    if not isinstance(absent, list) or set(map(str, absent)) - set(low_side):
        raise ConfigError(f"{source}: [practice] absent_measures must be a list of adverse-low measures "
                          f"({', '.join(low_side)}); got {absent!r}")
    if not 0 < float(raw["practice"].get("absent_lfdr", 0.2)) < 1:
        raise ConfigError(f"{source}: [practice] absent_lfdr must be between 0 and 1 (a local false discovery rate)")
    splits = raw["practice"].get("mixed_splits", [])
    if not isinstance(splits, list) or not all(isinstance(c, str) and c for c in splits):
        raise ConfigError(f"{source}: [practice] mixed_splits must be a list of concern-type codes (the split categories "
                          f"of MIXED_UNCLEAR_UNSTABLE, e.g. [\"CONFLICTED\", \"INCEL\"]); got {splits!r}")
    if int(raw["practice"].get("absent_min_authorities", 30)) < 3:
        raise ConfigError(f"{source}: [practice] absent_min_authorities must be at least 3 (three parameters are fitted)")
    for rule in raw["validity"].get("rules", []):
        if rule.get("scope") not in ("file", "row"):
            raise ConfigError(f"{source}: validity rule {rule.get('rule_id')} needs scope \"file\" or \"row\"")
