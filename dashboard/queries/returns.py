"""Data access for the Returns page: the returns grid, load runs, validation issues and the chase list.

Every function takes an open (read-only) DuckDB connection and returns a polars frame; the SQL lives
in `dashboard/queries/sql/returns_*.sql` and takes only bound parameters. Values that arrive from a
browser are checked against allow-lists first (`check_region`, `check_rule`, `check_severity` here,
the month by `dashboard.state.check_period`), so a crafted request gets an `InvalidInputError` whose
message says what is allowed, never a traceback.

Disclosure control: the values and messages of validation issues quote a return's counts ("sum to 6
but total is 4"), so for authorities the viewer of the request is not entitled to they are withheld
(the rule, severity, row and column stay), and so are the error messages of a rejected return on the
chase list.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from dashboard import disclosure
from dashboard.queries.common import frame
from dashboard.viewer import current_viewer
from etl.errors import InvalidInputError, quoted
from etl.periods import add_months, format_period
from etl.settings import SCORING_CONFIG, today

DEFAULT_DEADLINE_DAY = 15
DEFAULT_DEADLINE_MONTHS = 1
GRID_MONTHS = 12
ISSUE_LIST_LIMIT = 100
ISSUE_DOWNLOAD_LIMIT = 100_000
SEVERITIES = ("error", "query")

# A month's return can be: accepted, queried, late, rejected, missing or not_due (see returns_grid.sql).
CHASE_STATES = ("missing", "late", "rejected")


def deadline_rule(config_path: Path = SCORING_CONFIG) -> tuple[int, int]:
    """(months after the period, day of that month) by which a return is due, from scoring.toml's
    [timeliness] deadline_months_after and deadline_day, the same settings the timeliness score uses."""
    try:
        timeliness = tomllib.loads(config_path.read_text(encoding="utf-8")).get("timeliness", {})
    except (OSError, tomllib.TOMLDecodeError):
        timeliness = {}
    day = timeliness.get("deadline_day", DEFAULT_DEADLINE_DAY)
    months = timeliness.get("deadline_months_after", DEFAULT_DEADLINE_MONTHS)
    day = day if isinstance(day, int) and 1 <= day <= 28 else DEFAULT_DEADLINE_DAY
    months = months if isinstance(months, int) and 0 <= months <= 12 else DEFAULT_DEADLINE_MONTHS
    return months, day


# ---- input checks (allow-lists) ----------------------------------------------------------------
# The month is checked by `dashboard.state.check_period` against `available_periods`.

def available_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every period with at least one return file, oldest first."""
    return frame(con, "returns_periods")["period"].to_list()


def known_rules(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rule ids that have fired in any loaded or rejected return, sorted."""
    return frame(con, "returns_rules")["rule_id"].to_list()


def check_region(code: object, regions: Iterable[str]) -> str | None:
    """None (all of England) or one of the region codes `regions` (from `common.regions`)."""
    if code in (None, "", "all", "E92000001"):
        return None
    if not isinstance(code, str) or code not in set(regions):
        raise InvalidInputError(f"region {quoted(code)} is not an English region code (E12000001 to E12000009)")
    return code


def check_rule(rule: object, rules: Iterable[str]) -> str | None:
    """None (every rule) or one of the rule ids `rules` (from `known_rules`)."""
    if rule in (None, "", "all"):
        return None
    if not isinstance(rule, str) or rule not in set(rules):
        raise InvalidInputError(
            f"rule {quoted(rule)} has no validation issues in this database; choose a rule from the list"
        )
    return rule


def check_severity(severity: object) -> str | None:
    if severity in (None, "", "all"):
        return None
    if severity not in SEVERITIES:
        raise InvalidInputError(f"severity {quoted(severity)} must be 'error' or 'query'")
    return str(severity)


# ---- the page's data ---------------------------------------------------------------------------

def returns_grid(
    con: duckdb.DuckDBPyConnection,
    end: date,
    months: int = GRID_MONTHS,
    region: str | None = None,
    as_of: date | None = None,
) -> pl.DataFrame:
    """One row per return owed (authority x month) in the `months` months ending at `end`, with its state.

    Columns: authority_code, authority_name, region_code, region_name, period, deadline,
    return_status, version, first_received_at, rejected_files, days_late, state.
    An authority appears only for months it was valid in (reorganised authorities stop and start).
    The months owed, their deadlines and states come from `return_owed`, written by the scoring.
    """
    params = {
        "start": add_months(end, -(months - 1)),
        "end": end,
        "region": region,
        "today": as_of or today(),
    }
    return frame(con, "returns_grid", params)


def load_runs(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pl.DataFrame:
    """The latest load runs, newest first."""
    return frame(con, "returns_load_runs", {"limit": limit})


def issue_counts(
    con: duckdb.DuckDBPyConnection, start: date, end: date, region: str | None = None
) -> pl.DataFrame:
    """How often each rule fired in start..end: rule_id, severity, issues, files, authorities."""
    return frame(con, "returns_issue_counts", {"start": start, "end": end, "region": region})


def validation_issues(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    rule: str | None = None,
    severity: str | None = None,
    region: str | None = None,
    limit: int = ISSUE_LIST_LIMIT,
) -> pl.DataFrame:
    """Validation issues of returns for start..end, newest period first, at most `limit` rows."""
    params = {"start": start, "end": end, "rule": rule, "severity": severity, "region": region, "limit": limit}
    return disclosure.withhold_text(frame(con, "returns_issues", params), "authority_code", ["value", "message"],
                                    current_viewer())


def chase_list(
    con: duckdb.DuckDBPyConnection, period: date, region: str | None = None, as_of: date | None = None
) -> pl.DataFrame:
    """Authorities to chase for one month: missing, late or rejected returns, each with the reason.

    Columns: region_name, authority_code, authority_name, period, state, deadline, reason.
    """
    grid = returns_grid(con, period, months=1, region=region, as_of=as_of)
    reasons = frame(con, "returns_rejection_reasons", {"period": period})
    reasons = disclosure.withhold_text(reasons, "authority_code", ["reasons"], current_viewer(),
                                       note="the errors are shown to the authority and the national team")
    chase = grid.filter(pl.col("state").is_in(CHASE_STATES)).join(reasons, on="authority_code", how="left")
    return chase.select(
        "region_name",
        "authority_code",
        "authority_name",
        pl.col("period").map_elements(format_period, return_dtype=pl.String).alias("period"),
        "state",
        "deadline",
        pl.struct("state", "deadline", "first_received_at", "days_late", "reasons")
        .map_elements(_chase_reason, return_dtype=pl.String)
        .alias("reason"),
    ).sort("region_name", "authority_name")


def _chase_reason(row: dict) -> str:
    """Why an authority is on the chase list, in words an officer can act on."""
    deadline = row["deadline"].strftime("%-d %B %Y")
    if row["state"] == "missing":
        return f"No return received; it was due by {deadline}."
    if row["state"] == "late":
        received = row["first_received_at"].strftime("%-d %B %Y")
        return f"Received {received}, {row['days_late']} days after the deadline of {deadline}."
    reasons = row["reasons"] or "see the validation report for the rejected file"
    return f"Rejected, nothing loaded; send a corrected file. Errors: {reasons}"
