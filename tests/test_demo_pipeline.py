"""The synthetic demo end to end: generated, refreshed into DuckDB, archived and quarantined."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from etl.periods import add_months, format_period, month_range, parse_period
from etl.reference import load_reference

from conftest import DEMO_END, DEMO_START

pytestmark = pytest.mark.slow


def _ground_truth(demo_dir: Path) -> list[dict[str, str]]:
    with (demo_dir / "ground_truth.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_owed_return_is_loaded_except_the_planted_gaps(demo_dir: Path, demo_db: Path) -> None:
    reference = load_reference()
    truth = _ground_truth(demo_dir)
    planted_missing = {(row["authority_code"], row["period_from"]) for row in truth if row["problem_type"] == "missing_months"}
    planted_missing |= {(row["authority_code"], row["period"]) for row in _noise(demo_dir) if row["noise"] == "missing_month"}
    owed = {
        (authority.gss_code, format_period(period))
        for period in month_range(parse_period(DEMO_START), parse_period(DEMO_END))
        for authority in reference.expected_authorities(period)
    }
    current = {
        (code, format_period(period))
        for code, period in _query(demo_db, "select authority_code, period from submission where is_current")
    }
    assert current <= owed, "a current return exists for an authority that owed none that month"
    gaps = owed - current
    assert planted_missing <= gaps
    # Anything else missing is a planted late return, for the last months, that has not arrived yet.
    late = {row["authority_code"] for row in truth if row["problem_type"] == "late_submissions"}
    not_yet = gaps - planted_missing
    assert {code for code, _ in not_yet} <= late
    last = parse_period(DEMO_END)
    assert {period for _, period in not_yet} <= {format_period(last), format_period(add_months(last, -1))}


def test_each_authority_and_month_has_exactly_one_current_return(demo_db: Path) -> None:
    duplicated = _query(
        demo_db,
        "select authority_code, period, count(*) from submission where is_current group by all having count(*) > 1",
    )
    assert duplicated == []


def test_planted_rejections_are_rejected_and_quarantined_with_their_reasons(demo_dir: Path, demo_db: Path) -> None:
    planted = [row for row in _ground_truth(demo_dir) if row["problem_type"] == "rejected_files"]
    rejected = _query(demo_db, "select file_name from submission where status = 'rejected'")
    assert len(rejected) == len(planted) > 0
    quarantined = sorted((demo_dir / "quarantine").rglob("*.errors.txt"))
    assert len(quarantined) == len(planted)
    for errors in quarantined:
        returned = errors.with_name(errors.name.removesuffix(".errors.txt"))
        assert returned.exists(), f"{returned.name} should sit beside its errors"
        assert "E1" in errors.read_text(), "the errors list should name the rule that rejected the file"


def test_resubmissions_keep_the_earlier_version_as_superseded(demo_dir: Path, demo_db: Path) -> None:
    planted = {(row["authority_code"], row["period_from"]) for row in _ground_truth(demo_dir) if row["problem_type"] == "resubmissions"}
    superseded = {
        (code, format_period(period))
        for code, period in _query(demo_db, "select authority_code, period from submission where status = 'superseded'")
    }
    assert planted and planted <= superseded
    versions = _query(
        demo_db,
        "select max(version) from submission where status <> 'rejected' and authority_code = ? and period = ?",
        [next(iter(planted))[0], parse_period(next(iter(planted))[1])],
    )
    assert versions == [(2,)]


def test_the_refresh_empties_the_inbox_into_archive_and_quarantine(demo_dir: Path, demo_db: Path) -> None:
    left = [p.name for p in (demo_dir / "inbox").iterdir() if p.suffix in {".csv", ".xlsx"}]
    assert left == []
    archived = sum(1 for p in (demo_dir / "archive").rglob("*") if p.suffix in {".csv", ".xlsx"})
    (stored,) = _query(demo_db, "select count(*) from submission where status <> 'rejected'")[0]
    assert archived == stored


def test_the_demo_database_says_it_holds_synthetic_data(demo_db: Path) -> None:
    assert _query(demo_db, "select value from meta where key = 'contains_synthetic_data'") == [("true",)]
    assert _query(demo_db, "select count(*) from submission where not is_synthetic") == [(0,)]


def test_alias_files_are_loaded_as_queried_not_rejected(demo_dir: Path, demo_db: Path) -> None:
    authorities = {row["authority_code"] for row in _ground_truth(demo_dir) if row["problem_type"] == "alias_labels"}
    statuses = _query(
        demo_db,
        "select distinct s.status from submission s join validation_issue v using (submission_id)"
        " where s.authority_code in (select unnest(?::varchar[])) and v.rule_id in ('Q203','Q204','Q205','Q206','Q207','Q208')",
        [sorted(authorities)],
    )
    assert statuses and {status for (status,) in statuses} <= {"queried", "superseded"}


# --- the full national demo, as loaded: distribution properties and the ground truth in the returns ---

def _totals(db: Path) -> dict[str, dict[str, int]]:
    """authority -> period (YYYY-MM) -> total of its current return."""
    rows = _query(
        db,
        "select s.authority_code, strftime(s.period, '%Y-%m'), c.count from submission as s join return_count as c using (submission_id)"
        " where s.is_current and c.section = 'total'",
    )
    out: dict[str, dict[str, int]] = {}
    for code, period, total in rows:
        out.setdefault(code, {})[period] = int(total)
    return out


def _section(db: Path, section: str) -> dict[tuple[str, str], dict[str, int]]:
    """(authority, period) -> category -> count of one section in the current returns."""
    rows = _query(
        db,
        "select s.authority_code, strftime(s.period, '%Y-%m'), c.category, c.count from submission as s"
        " join return_count as c using (submission_id) where s.is_current and c.section = ?",
        [section],
    )
    out: dict[tuple[str, str], dict[str, int]] = {}
    for code, period, category, count in rows:
        out.setdefault((code, period), {})[category] = int(count)
    return out


def _median(values: list[int]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _by_type(demo_dir: Path) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in _ground_truth(demo_dir):
        out.setdefault(row["problem_type"], []).append(row)
    return out


def _noise(demo_dir: Path) -> list[dict[str, str]]:
    with (demo_dir / "clean_noise.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_most_authorities_record_zero_to_five_concerns_in_a_typical_month(demo_db: Path) -> None:
    totals = _totals(demo_db)
    medians = [_median(list(months.values())) for months in totals.values()]
    assert sum(m <= 5 for m in medians) / len(medians) >= 0.6
    national: dict[str, int] = {}
    for months in totals.values():
        for period, total in months.items():
            national[period] = national.get(period, 0) + total
    # England: several hundred concerns a month (fewer in August); the last month is partly in.
    assert all(300 <= value <= 1200 for period, value in national.items() if period < DEMO_END), national


def test_monthly_counts_are_overdispersed_around_the_authority_level(demo_dir: Path, demo_db: Path) -> None:
    planted = {row["authority_code"] for row in _ground_truth(demo_dir)}
    ratios = []
    for code, months in _totals(demo_db).items():
        values = list(months.values())
        mean = sum(values) / len(values)
        if code not in planted and mean >= 2:
            ratios.append(sum((v - mean) ** 2 for v in values) / (len(values) - 1) / mean)
    assert _median(ratios) > 1.2, "negative-binomial counts: variance clearly above the mean"


def test_education_referrals_and_the_total_drop_in_august(demo_db: Path) -> None:
    referrals = _section(demo_db, "referral_source")
    education: dict[str, int] = {}
    total: dict[str, int] = {}
    for (_, period), counts in referrals.items():
        education[period] = education.get(period, 0) + counts.get("EDUCATION", 0)
        total[period] = total.get(period, 0) + sum(counts.values())
    for year in range(2021, 2027):
        august = f"{year}-08"
        others = [p for p in total if p.startswith(str(year)) and p != august and p < DEMO_END]
        if august not in total or len(others) < 3:
            continue
        assert total[august] < 0.8 * sum(total[p] for p in others) / len(others), year
        assert education[august] < 0.3 * sum(education[p] for p in others) / len(others), year


def test_every_recording_problem_is_planted_in_small_medium_and_large_authorities(demo_dir: Path) -> None:
    from etl.demo import RECORDING_TYPES

    by_type = _by_type(demo_dir)
    for name in RECORDING_TYPES:
        bands = {row["size_band"] for row in by_type[name]}
        assert bands == {"small", "medium", "large"}, (name, bands)
        assert all(row["category"] == "recording" for row in by_type[name])
    usual: dict[str, dict[str, float]] = {}
    for row in _ground_truth(demo_dir):
        if row["usual_per_month"]:
            usual.setdefault(row["size_band"], {})[row["authority_code"]] = float(row["usual_per_month"])
    assert max(usual["small"].values()) <= min(usual["medium"].values())
    assert max(usual["medium"].values()) <= min(usual["large"].values())
    assert all(float(row["usual_per_month"]) >= 3 for row in by_type["step_drop"])


def test_ordinary_noise_goes_to_15_to_20_percent_of_the_clean_authorities(demo_dir: Path) -> None:
    reference = load_reference()
    owing = {
        a.gss_code for period in month_range(parse_period(DEMO_START), parse_period(DEMO_END)) for a in reference.expected_authorities(period)
    }
    clean = owing - {row["authority_code"] for row in _ground_truth(demo_dir)}
    noisy = {row["authority_code"] for row in _noise(demo_dir)}
    assert noisy <= clean
    assert 0.15 <= len(noisy) / len(clean) <= 0.20
    assert {row["noise"] for row in _noise(demo_dir)} == {"missing_month", "late_return", "small_mismatch"}


def test_clean_noise_shows_in_the_loaded_returns_and_nowhere_else(demo_dir: Path, demo_db: Path) -> None:
    totals = _totals(demo_db)
    received = {
        (code, period): (received_at, deadline)
        for code, period, received_at, deadline in _query(
            demo_db,
            "select authority_code, strftime(period, '%Y-%m'), min(received_at),"
            " period + interval 1 month + interval 15 day from submission where status <> 'rejected' group by all",
        )
    }
    sums = {section: _section(demo_db, section) for section in ("concern_type", "age_band", "sex", "referral_source", "action")}
    for row in _noise(demo_dir):
        code, period = row["authority_code"], row["period"]
        if row["noise"] == "missing_month":
            assert period not in totals[code]
        elif row["noise"] == "late_return":
            received_at, deadline = received[(code, period)]
            assert received_at >= deadline
        else:
            over = [s for s, rows in sums.items() if sum(rows[(code, period)].values()) != totals[code][period]]
            assert len(over) == 1 and sum(sums[over[0]][(code, period)].values()) == totals[code][period] + 1


def test_the_planted_recording_problems_show_in_the_loaded_returns(demo_dir: Path, demo_db: Path) -> None:
    by_type = _by_type(demo_dir)
    totals = _totals(demo_db)
    flags = _section(demo_db, "flag")
    practice = _section(demo_db, "practice")
    concern = _section(demo_db, "concern_type")
    for row in by_type["under_recording"]:
        months = totals[row["authority_code"]]
        assert sum(months.values()) / len(months) < 0.6 * float(row["usual_per_month"]), row
    for row in by_type["step_drop"]:
        months = totals[row["authority_code"]]
        before = [v for p, v in months.items() if add_months(parse_period(row["period_from"]), -12) <= parse_period(p) < parse_period(row["period_from"])]
        after = [v for p, v in months.items() if p >= row["period_from"]]
        assert sum(after) / len(after) < 0.5 * sum(before) / len(before), row
    for row in by_type["nil_return_run"]:
        months = totals[row["authority_code"]]
        inside = [v for p, v in months.items() if row["period_from"] <= p <= row["period_to"]]
        outside = [v for p, v in months.items() if not row["period_from"] <= p <= row["period_to"]]
        assert inside and set(inside) == {0} and sum(outside) > 0, row
    for row in by_type["family_flag_unused"]:
        code = row["authority_code"]
        assert all(counts["FAMILY_MEMBER_KNOWN_TO_PREVENT"] == 0 for (c, _), counts in flags.items() if c == code)
        declared = {counts["SYSTEM_FLAGS_FAMILY_MEMBERS"] for (c, _), counts in practice.items() if c == code}
        assert declared == {1 if row["false_declaration"] == "yes" else 0}, row
    for row in by_type["coding_drift"]:
        code = row["authority_code"]
        recent = [counts for (c, p), counts in concern.items() if c == code and p >= format_period(add_months(parse_period(DEMO_END), -11))]
        uncoded = sum(c["OTHER"] + c["MIXED_UNCLEAR_UNSTABLE"] for c in recent)
        assert uncoded >= 0.6 * sum(sum(c.values()) for c in recent), row
        declared = {counts["USES_NATIONAL_CATEGORIES"] for (c, _), counts in practice.items() if c == code}
        assert declared == {1 if row["false_declaration"] == "yes" else 0}, row
    for row in by_type["breakdowns_not_recorded"]:
        stretch = [c for (code, p), c in concern.items() if code == row["authority_code"] and row["period_from"] <= p <= row["period_to"]]
        assert sum(c["NOT_RECORDED"] for c in stretch) >= 0.4 * sum(sum(c.values()) for c in stretch), row
    queried = {
        (code, period)
        for code, period in _query(
            demo_db,
            "select distinct s.authority_code, strftime(s.period, '%Y-%m') from submission as s join validation_issue as v"
            " using (submission_id) where s.is_current and v.rule_id = 'Q201'",
        )
    }
    for row in by_type["totals_not_adding_up"]:
        code = row["authority_code"]
        stretch = [p for p in totals[code] if row["period_from"] <= p <= row["period_to"]]
        assert stretch and all((code, p) in queried for p in stretch), row
    late = {
        code: (sum(r >= d for r, d in pairs), len(pairs))
        for code, pairs in _late_pairs(demo_db).items()
    }
    for row in by_type["late_submissions"]:
        after, of = late[row["authority_code"]]
        assert after >= 0.4 * of, row
    transfers_in = {code for (code,) in _query(demo_db, "select distinct s.authority_code from submission as s join return_count as c"
                                                        " using (submission_id) where s.is_current and c.section = 'transfer_in'")}
    sent_to = {code for (code,) in _query(demo_db, "select distinct c.category from submission as s join return_count as c"
                                                   " using (submission_id) where s.is_current and c.section = 'transfer_out'")}
    for row in by_type["transfers_not_recorded"]:
        assert row["authority_code"] not in transfers_in and row["authority_code"] in sent_to, row


def _late_pairs(db: Path) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for code, received_at, deadline in _query(
        db,
        "select authority_code, min(received_at), period + interval 1 month + interval 15 day from submission"
        " where status <> 'rejected' and authority_code is not null group by authority_code, period",
    ):
        out.setdefault(code, []).append((received_at, deadline))
    return out


def test_the_ground_truth_evaluation_writes_only_untracked_results_unless_asked_to_record(demo_dir: Path, tmp_path: Path) -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "ground_truth_eval.py"
    spec = importlib.util.spec_from_file_location("ground_truth_eval", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tracked = [module.RESULTS / "ground_truth.md", module.RESULTS / "ground_truth.json"]
    before = [(p.stat().st_mtime_ns, p.read_bytes()) if p.exists() else None for p in tracked]
    report = module.main(["--db", str(demo_dir / "oversight.duckdb"), "--ground-truth", str(demo_dir / "ground_truth.csv"), "--out", str(tmp_path)])
    assert [(p.stat().st_mtime_ns, p.read_bytes()) if p.exists() else None for p in tracked] == before
    text = (tmp_path / "ground_truth.md").read_text(encoding="utf-8")
    from etl.demo import RECORDING_TYPES

    assert all(f"| {name} |" in text for name in RECORDING_TYPES)
    assert "overall recall >= 0.95" in text and ("PASS" in text or "FAIL" in text)
    assert set(report["verdict"]) == {"overall_recall", "every_type_recall", "precision"}
    assert report["pooled_summary"]["planted"] == sum(1 for _ in {(r["problem_type"], r["authority_code"]) for r in _ground_truth(demo_dir) if r["category"] == "recording"})
