"""Audit retention: OVERSIGHT_AUDIT_RETENTION_DAYS, `oversight audit prune [--before DATE] [--dry-run]`,
and the pruning's own audit record. Events are written with the times they claim, into a real
service store (SQLite) file; the command runs through the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl import audit
from etl.cli import app
from etl.errors import ConfigError, InvalidInputError
from etl.clock import utc_now
from etl.service_store import store_path

RUNNER = CliRunner()
WHO = audit.Actor("ana@homeoffice.gov.uk", "national", None, "10.0.0.7")


def seed(store: Path, ages_days: list[float], now: datetime) -> None:
    for age in ages_days:
        audit.record(store, WHO, "sign_in", target=f"age {age}", detail=f"marker-{age}-days-old", at=now - timedelta(days=age))


def ages_left(store: Path) -> list[str]:
    return sorted(e["target"] for e in audit.events(store, limit=10_000) if e["event"] == "sign_in")


def prune_cli(db: Path, *args: str, retention: str | None = None) -> tuple[int, str]:
    env = {"OVERSIGHT_AUDIT_RETENTION_DAYS": retention} if retention else {}
    result = RUNNER.invoke(app, ["audit", "prune", "--db", str(db), *args], env=env)
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_the_retention_period_is_two_years_unless_configured_and_never_under_six_months():
    assert audit.retention_days({}) == 730
    assert audit.retention_days({"OVERSIGHT_AUDIT_RETENTION_DAYS": "400"}) == 400
    for bad in ("a year", "-5", "30"):
        with pytest.raises(ConfigError, match="OVERSIGHT_AUDIT_RETENTION_DAYS"):
            audit.retention_days({"OVERSIGHT_AUDIT_RETENTION_DAYS": bad})


def test_prune_deletes_only_events_older_than_the_retention_period_and_records_itself(tmp_path):
    db = tmp_path / "oversight.duckdb"
    store = store_path(db)
    now = utc_now()
    seed(store, [900, 800, 731.5, 700, 10], now)
    code, output = prune_cli(db, "--json", retention="730")
    assert code == 0, output
    report = json.loads(output)
    assert report["deleted"] == 3 and report["dry_run"] is False
    assert datetime.fromisoformat(report["cutoff"]) == datetime.combine((now - timedelta(days=730)).date(), datetime.min.time())
    assert ages_left(store) == ["age 10", "age 700"]
    pruned = audit.events(store, event="audit_pruned")
    assert len(pruned) == 1 and pruned[0]["role"] == "operator" and pruned[0]["address"] == "command line"
    assert pruned[0]["detail"].startswith(f"deleted 3 events before {report['cutoff']} (retention 730 days)")
    # Run again: nothing more to delete, and that run is on the record too (with the first one kept).
    code, output = prune_cli(db, retention="730")
    assert code == 0 and "Deleted 0 audit events" in output
    assert len(audit.events(store, event="audit_pruned")) == 2


def test_a_dry_run_counts_and_changes_nothing(tmp_path):
    db = tmp_path / "oversight.duckdb"
    store = store_path(db)
    seed(store, [1000, 900, 5], utc_now())
    before = audit.events(store, limit=100)
    code, output = prune_cli(db, "--dry-run")
    assert code == 0 and "Would delete 2 audit events" in output
    assert audit.events(store, limit=100) == before


def test_before_an_earlier_date_deletes_less_and_a_later_one_than_the_policy_allows_is_refused(tmp_path):
    db = tmp_path / "oversight.duckdb"
    store = store_path(db)
    now = utc_now()
    seed(store, [1200, 1000, 800, 100], now)
    earlier = (now - timedelta(days=1100)).date().isoformat()
    code, output = prune_cli(db, "--before", earlier)
    assert code == 0 and "Deleted 1 audit events" in output
    assert ages_left(store) == ["age 100", "age 1000", "age 800"]
    too_late = (now - timedelta(days=30)).date().isoformat()
    code, output = prune_cli(db, "--before", too_late)
    assert code == 2 and "younger than the retention period of 730 days" in output
    code, output = prune_cli(db, "--before", "last tuesday")
    assert code == 2 and "is not a date" in output
    assert ages_left(store) == ["age 100", "age 1000", "age 800"]
    assert len(audit.events(store, event="audit_pruned")) == 1


def test_pruned_events_are_gone_from_the_file_on_disk_not_just_unlinked(tmp_path):
    db = tmp_path / "oversight.duckdb"
    store = store_path(db)
    seed(store, [1000, 1], utc_now())
    code, _ = prune_cli(db)
    assert code == 0
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(store.name))
    assert b"marker-1-days-old" in on_disk and b"marker-1000-days-old" not in on_disk


def test_prune_without_an_audit_store_says_so(tmp_path):
    code, output = prune_cli(tmp_path / "oversight.duckdb")
    assert code == 2 and "no audit yet" in output
    assert not store_path(tmp_path / "oversight.duckdb").exists()


def test_the_library_refuses_a_cutoff_inside_the_retention_period(tmp_path):
    store = tmp_path / "s.sqlite"
    with pytest.raises(InvalidInputError, match="retention period"):
        audit.prune(store, WHO, retention=730, before=utc_now().date())
