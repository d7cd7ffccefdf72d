"""The independent benchmark dataset (benchmarks/independent_dataset.py): its files pass the loader's
validation and its ground truth describes what was really planted in them. No scoring run here: the
scoring's results on it are a benchmark (`python -m benchmarks.independent_dataset`)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from benchmarks.ground_truth_eval import DETECTORS, read_ground_truth
from benchmarks.independent_dataset import GROUND_TRUTH_COLUMNS, NOISE_COLUMNS, Settings, generate
from etl.periods import add_months, format_period, month_range, parse_period
from etl.validate import validate_file

SMALL = Settings(start="2025-05", end="2026-10", late_span_months=(6, 10), nil_run_months=(4, 6),
                 step_drop_months_before_end=(3, 6), missing_months=(3, 4))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("independent")
    generate(out, seed=11, settings=SMALL)
    return out


def _returns(root: Path) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
    """(authority, period) -> {(section, category): count}, read back from the written files."""
    found: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    for path in (root / "inbox").glob("SYNTHETIC_*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        found[(rows[0]["authority_code"], rows[0]["period"])] = {(r["section"], r["category"]): int(r["count"]) for r in rows}
    return found


def _truth(root: Path) -> dict[str, list[dict[str, str]]]:
    by_type: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_ground_truth(root / "ground_truth.csv"):
        by_type[row["problem_type"]].append(row)
    return by_type


def test_every_written_return_passes_the_loaders_validation(dataset: Path) -> None:
    files = sorted((dataset / "inbox").glob("SYNTHETIC_*.csv"))
    assert len(files) > 1500
    rejected = [(f.name, [i.rule for i in r.issues]) for f in files if (r := validate_file(f)).status == "rejected"]
    assert rejected == []


def test_ground_truth_has_the_evaluators_columns_and_problem_names(dataset: Path) -> None:
    header = (dataset / "ground_truth.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(GROUND_TRUTH_COLUMNS)
    assert (dataset / "clean_noise.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(NOISE_COLUMNS)
    truth = _truth(dataset)
    assert set(truth) == set(DETECTORS)
    owners = [row["authority_code"] for rows in truth.values() for row in rows]
    assert len(owners) == len(set(owners)), "each planted authority carries one problem"
    assert all(4 <= len(rows) <= 5 for name, rows in truth.items() if name != "step_drop")


def test_under_recorders_send_far_fewer_concerns_than_their_usual_level(dataset: Path) -> None:
    returns = _returns(dataset)
    for row in _truth(dataset)["under_recording"]:
        months = [format_period(p) for p in month_range(parse_period(SMALL.start), parse_period(SMALL.end))]
        sent = sum(returns[(row["authority_code"], m)][("total", "ALL")] for m in months)
        assert sent < 0.75 * float(row["usual_per_month"]) * len(months), row


def test_planted_absences_are_really_absent(dataset: Path) -> None:
    truth, sent = _truth(dataset), _returns(dataset)
    for row in truth["family_flag_unused"]:
        code = row["authority_code"]
        assert all(r.get(("flag", "FAMILY_MEMBER_KNOWN_TO_PREVENT"), 0) == 0 for (c, _), r in sent.items() if c == code)
        declared = {r[("practice", "SYSTEM_FLAGS_FAMILY_MEMBERS")] for (c, _), r in sent.items() if c == code}
        assert declared == {1 if row["false_declaration"] else 0}
    for row in truth["transfers_not_recorded"]:
        assert not any(k[0] == "transfer_in" for (c, _), r in sent.items() if c == row["authority_code"] for k in r)
    for row in truth["missing_months"]:
        months = [m.strip() for m in row["detail"].split(":")[1].split(",")]
        assert all((row["authority_code"], m) not in sent for m in months)
    for row in truth["nil_return_run"]:
        run = month_range(parse_period(row["period_from"]), parse_period(row["period_to"]))
        assert all(sent[(row["authority_code"], format_period(p))][("total", "ALL")] == 0 for p in run)


def test_step_drops_fall_and_late_returns_arrive_after_the_deadline(dataset: Path) -> None:
    truth, sent = _truth(dataset), _returns(dataset)
    for row in truth["step_drop"]:
        before = [sent[(row["authority_code"], format_period(add_months(parse_period(row["period_from"]), -k)))][("total", "ALL")]
                  for k in range(1, 7)]
        after = [r[("total", "ALL")] for (c, m), r in sent.items() if c == row["authority_code"] and m >= row["period_from"]]
        assert sum(after) / len(after) < sum(before) / len(before), row
    for row in truth["late_submissions"]:
        path = dataset / "inbox" / f"SYNTHETIC_{row['authority_code']}_{row['period_from']}.csv"
        due = add_months(parse_period(row["period_from"]), 1)
        assert datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) > datetime(due.year, due.month, 15, tzinfo=timezone.utc)
