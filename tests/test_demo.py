"""The synthetic demo: deterministic, one return per authority and month, realistic timing, planted
problems confined to the authorities in the ground truth, clean noise confined to clean_noise.csv,
and every other file clean. (Distribution properties over the full range: test_demo_pipeline.py.)"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from etl.demo import GROUND_TRUTH_COLUMNS, NOISE_COLUMNS, PROBLEM_TYPES, generate_demo
from etl.errors import InvalidInputError
from etl.periods import add_months, month_range, parse_period
from etl.reference import load_reference
from etl.validate import validate_file

SEED = 7
START, END = "2023-02", "2023-05"  # spans the Cumbria reorganisation (April 2023)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate_demo(root / "inbox", seed=SEED, start=START, end=END)
    return root


def _ground_truth(root: Path) -> list[dict[str, str]]:
    with (root / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _noise(root: Path) -> list[dict[str, str]]:
    with (root / "clean_noise.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _noise_at(root: Path, kind: str) -> set[tuple[str, str]]:
    return {(row["authority_code"], row["period"]) for row in _noise(root) if row["noise"] == kind}


def _planted(root: Path, problem_type: str) -> set[str]:
    return {row["authority_code"] for row in _ground_truth(root) if row["problem_type"] == problem_type}


def _returns(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.iterdir() if p.suffix in {".csv", ".xlsx"})


def _name_parts(path: Path) -> tuple[str, date, int]:
    parts = path.stem.split("_")
    version = int(parts[3][1:]) if len(parts) > 3 else 1
    return parts[1], parse_period(parts[2]), version


def _rejected_names(root: Path) -> set[str]:
    names = set()
    for row in _ground_truth(root):
        if row["problem_type"] == "rejected_files":
            names.add(row["detail"].split()[1])
    return names


def _canonical_rows(path: Path) -> list[tuple[str, str, str, str, int]]:
    """Rows of a canonical CSV or XLSX demo file (the variant files of alias_labels are not read here)."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True)["return"]
        table = [tuple(str(v) for v in row) for row in sheet.iter_rows(values_only=True)]
    else:
        table = [tuple(line.split(",")) for line in path.read_text(encoding="utf-8").splitlines()]
    assert table[0] == ("authority_code", "period", "section", "category", "count")
    return [(a, p, s, c, int(n)) for a, p, s, c, n in table[1:]]


def _digest(folder: Path) -> dict[str, tuple[str, float | None]]:
    """SHA-256 of every file, and the modification time (the received moment) of every return."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime if p.suffix in {".csv", ".xlsx"} and p.name.startswith("SYNTHETIC_") else None)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_writes_byte_identical_files_with_identical_received_times(tmp_path: Path) -> None:
    runs = []
    for name in ("first", "second"):
        generate_demo(tmp_path / name / "inbox", seed=11, start="2024-01", end="2024-03")
        runs.append(_digest(tmp_path / name))
    assert runs[0] == runs[1]
    assert any(name.endswith(".xlsx") for name in runs[0]), "the check must cover XLSX bytes too"
    generate_demo(tmp_path / "other" / "inbox", seed=12, start="2024-01", end="2024-03")
    assert _digest(tmp_path / "other") != runs[0]


def test_every_expected_authority_sends_one_return_a_month_except_planted_and_noise_missing_months(demo: Path) -> None:
    reference = load_reference()
    missing = {(r["authority_code"], r["period_from"]) for r in _ground_truth(demo) if r["problem_type"] == "missing_months"}
    missing |= _noise_at(demo, "missing_month")
    rejected = _rejected_names(demo)
    received: dict[date, set[str]] = defaultdict(set)
    for path in _returns(demo / "inbox"):
        if path.name in rejected:
            continue
        code, period, _ = _name_parts(path)
        received[period].add(code)
    for period in month_range(parse_period(START), parse_period(END)):
        expected = {a.gss_code for a in reference.expected_authorities(period)}
        expected -= {code for code, month in missing if parse_period(month) == period}
        assert received[period] == expected, period


def test_returns_follow_the_reorganisation_of_cumbria(demo: Path) -> None:
    rejected = _rejected_names(demo)
    periods_by_code: dict[str, set[str]] = defaultdict(set)
    for path in _returns(demo / "inbox"):
        if path.name not in rejected:
            code, period, _ = _name_parts(path)
            periods_by_code[code].add(f"{period:%Y-%m}")
    assert periods_by_code["E10000006"] == {"2023-02", "2023-03"}
    assert periods_by_code["E06000063"] == {"2023-04", "2023-05"}
    assert periods_by_code["E06000064"] == {"2023-04", "2023-05"}


def test_ground_truth_sits_beside_the_inbox_with_known_types_and_real_authorities(demo: Path) -> None:
    reference = load_reference()
    header = (demo / "ground_truth.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(GROUND_TRUTH_COLUMNS)
    rows = _ground_truth(demo)
    assert {row["problem_type"] for row in rows} == set(PROBLEM_TYPES)
    for row in rows:
        assert row["authority_code"] in reference.authorities
        assert START <= row["period_from"] <= row["period_to"] <= END
        assert row["detail"]
    assert (demo / "ground_truth.md").exists()
    assert not list((demo / "inbox").glob("ground_truth*")) and not list((demo / "inbox").glob("clean_noise*"))
    assert (demo / "clean_noise.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(NOISE_COLUMNS)
    assert "SYNTHETIC" in (demo / "inbox" / "SYNTHETIC_DATA.txt").read_text(encoding="utf-8")


def test_planted_authorities_are_disjoint_across_problem_types(demo: Path) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in _ground_truth(demo):
        owners[row["authority_code"]].add(row["problem_type"])
    assert all(len(types) == 1 for types in owners.values()), {c: t for c, t in owners.items() if len(t) > 1}
    noisy = {row["authority_code"] for row in _noise(demo)}
    assert noisy and not noisy & set(owners), "clean noise goes to clean authorities only"


def test_every_file_is_named_and_marked_synthetic(demo: Path) -> None:
    files = _returns(demo / "inbox")
    assert files and all(p.name.startswith("SYNTHETIC_") for p in files)
    for path in (p for p in files if p.suffix == ".xlsx"):
        workbook = openpyxl.load_workbook(path, read_only=True)
        assert workbook.sheetnames == ["return", "about"]
        assert workbook["about"]["A1"].value == "SYNTHETIC DEMONSTRATION DATA"


def test_returns_arrive_before_the_deadline_except_planted_late_ones_and_resubmissions_come_later(demo: Path) -> None:
    late = _planted(demo, "late_submissions")
    late_noise = {(code, parse_period(p)) for code, p in _noise_at(demo, "late_return")}
    seen_late = 0
    first_received: dict[tuple[str, date], float] = {}
    for path in _returns(demo / "inbox"):
        code, period, version = _name_parts(path)
        received = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        following = add_months(period, 1)
        assert (received.year, received.month) >= (following.year, following.month)
        if code in late or (code, period) in late_noise:
            seen_late += received.date() > date(following.year, following.month, 15)
            assert (code, period) not in late_noise or received.date() > date(following.year, following.month, 15)
        else:
            assert received.date() < date(following.year, following.month, 15), path.name
        if version == 1:
            first_received[(code, period)] = path.stat().st_mtime
    for path in _returns(demo / "inbox"):
        code, period, version = _name_parts(path)
        if version > 1:
            assert path.stat().st_mtime > first_received[(code, period)]
    assert seen_late >= len(late), "planted late authorities send most of their returns late"


def test_honest_transfers_are_booked_by_the_receiver_and_planted_receivers_book_none(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    generate_demo(root / "inbox", seed=SEED, start="2024-01", end="2024-12")
    never = _planted(root, "transfers_not_recorded")
    # Skipped: council variants (not canonical), and authorities with a missing month (a transfer booked
    # in a month without a return is lost on that side, as in a real collection).
    skipped = _planted(root, "alias_labels") | _planted(root, "missing_months") | {c for c, _ in _noise_at(root, "missing_month")}
    sent: dict[tuple[str, str], int] = defaultdict(int)
    received: dict[tuple[str, str], int] = defaultdict(int)
    received_by: dict[str, int] = defaultdict(int)
    rejected = _rejected_names(root)
    current = {}
    for path in _returns(root / "inbox"):
        code, period, version = _name_parts(path)
        if path.name not in rejected and version >= current.get((code, period), (0, None))[0]:
            current[(code, period)] = (version, path)
    for (code, _), (_, path) in sorted(current.items()):
        if code in _planted(root, "alias_labels"):
            continue
        for _, _, section, counterparty, count in _canonical_rows(path):
            if section == "transfer_out":
                sent[(code, counterparty)] += count
            elif section == "transfer_in":
                received[(counterparty, code)] += count
                received_by[code] += count
    honest = {pair for pair in set(sent) | set(received) if not set(pair) & (skipped | never)}
    assert len(honest) > 100, "a year of the demo has hundreds of honest transfers"
    assert all(sent[pair] == received[pair] for pair in honest)
    assert never and all(received_by[code] == 0 for code in never)
    assert sum(count for (_, to), count in sent.items() if to in never) > 0, "planted receivers are sent records"


def test_breakdowns_of_clean_returns_add_up_and_flags_stay_within_bounds(demo: Path) -> None:
    planted = {row["authority_code"] for row in _ground_truth(demo)}
    mismatches = {(code, parse_period(p)) for code, p in _noise_at(demo, "small_mismatch")}
    checked = 0
    for path in _returns(demo / "inbox"):
        code, period, _ = _name_parts(path)
        if code in planted:
            continue
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for _, _, section, category, count in _canonical_rows(path):
            counts[section][category] = count
        total = counts["total"]["ALL"]
        sums = [sum(counts[section].values()) - total for section in ("concern_type", "age_band", "sex", "referral_source", "action")]
        if (code, period) in mismatches:
            assert sorted(sums) == [0, 0, 0, 0, 1], path.name
        else:
            assert sums == [0, 0, 0, 0, 0], path.name
        assert all(value <= total for value in counts["flag"].values())
        assert counts["flag"]["PREVIOUS_AUTHORITY_RECORDS_RECEIVED"] <= counts["flag"]["MOVED_IN_LAST_12_MONTHS"]
        assert set(counts["practice"].values()) <= {0, 1}
        checked += 1
    assert checked > 100


def test_national_monthly_total_is_in_the_realistic_range(demo: Path) -> None:
    totals: dict[date, int] = defaultdict(int)
    for path in _returns(demo / "inbox"):
        if path.name in _rejected_names(demo) or path.stem.endswith("_v2") or _name_parts(path)[0] in _planted(demo, "alias_labels"):
            continue
        rows = _canonical_rows(path)
        totals[_name_parts(path)[1]] += next(n for _, _, s, _, n in rows if s == "total")
    # Four months of 2023 (no August): England records several hundred to about a thousand a month.
    assert all(500 <= value <= 1200 for value in totals.values()), totals


def test_an_inbox_that_already_holds_returns_is_refused(demo: Path) -> None:
    with pytest.raises(InvalidInputError, match="already holds"):
        generate_demo(demo / "inbox", seed=SEED, start=START, end=END)


def test_a_range_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="after"):
        generate_demo(tmp_path / "inbox", seed=SEED, start="2024-05", end="2024-01")


def test_every_file_is_clean_or_carries_exactly_its_planted_problem(demo: Path) -> None:
    rejected = _rejected_names(demo)
    alias = _planted(demo, "alias_labels")
    allowed_queries = {"totals_not_adding_up": {"Q201"}}
    owner = {row["authority_code"]: row["problem_type"] for row in _ground_truth(demo)}
    mismatches = {(code, parse_period(p)) for code, p in _noise_at(demo, "small_mismatch")}
    for path in _returns(demo / "inbox"):
        result = validate_file(path)
        rules = {issue.rule for issue in result.issues}
        code = _name_parts(path)[0]
        if path.name in rejected:
            assert result.status == "rejected", path.name
        elif code in alias:
            assert result.status == "queried" and rules <= {"Q203", "Q204", "Q205", "Q206", "Q207", "Q208"}, (path.name, rules)
        elif owner.get(code) in allowed_queries:
            assert result.status in {"accepted", "queried"} and rules <= allowed_queries[owner[code]], (path.name, rules)
        elif (code, _name_parts(path)[1]) in mismatches:
            assert result.status == "queried" and rules == {"Q201"}, (path.name, rules)
        else:
            assert result.status == "accepted" and not result.issues, (path.name, [i.message for i in result.issues])
