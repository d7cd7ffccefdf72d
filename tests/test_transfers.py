"""Transfer reconciliation: A's transfer_out to B against B's transfer_in from A, same month or next."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from scoring_builder import clean_rows, load, query, score_of, write_return

JUL, AUG, SEP = "2026-07", "2026-08", "2026-09"
SENDER = "E06000001"
SAME_MONTH = "E06000002"   # receives 3 in August, as sent
NEXT_MONTH = "E06000003"   # receives 2 in September, sent in August
SILENT = "E06000004"       # reports nothing from the sender
DISPUTING = "E06000005"    # receives 3, sender says 5


def received(period: str) -> datetime:
    year, month = map(int, period.split("-"))
    return datetime(year + (month == 12), month % 12 + 1, 10)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("transfers")
    inbox = folder / "inbox"
    outs = ((SAME_MONTH, 3), (NEXT_MONTH, 2), (SILENT, 4), (DISPUTING, 5))
    files = [write_return(inbox, SENDER, AUG, clean_rows(20, transfers_out=outs), received=received(AUG))]
    incoming = {
        (SAME_MONTH, AUG): ((SENDER, 3),),
        (NEXT_MONTH, SEP): ((SENDER, 2),),
        (DISPUTING, AUG): ((SENDER, 3),),
    }
    for code in (SENDER, SAME_MONTH, NEXT_MONTH, SILENT, DISPUTING):
        for period in (JUL, AUG, SEP):
            if code == SENDER and period == AUG:
                continue
            rows = clean_rows(20, transfers_in=incoming.get((code, period), ()))
            files.append(write_return(inbox, code, period, rows, received=received(period)))
    database = folder / "oversight.duckdb"
    load(database, files)
    return database


def reconciliation(db: Path, to_code: str) -> list[tuple]:
    return query(db, "select strftime(period, '%Y-%m'), sent, received, strftime(matched_period, '%Y-%m'), status, difference "
                     "from transfer_reconciliation where from_code = $f and to_code = $t", {"f": SENDER, "t": to_code})


def test_equal_counts_in_the_same_month_match(db: Path) -> None:
    assert reconciliation(db, SAME_MONTH) == [(AUG, 3, 3, AUG, "matched", 0)]


def test_equal_counts_in_the_next_month_match(db: Path) -> None:
    assert reconciliation(db, NEXT_MONTH) == [(AUG, 2, 2, SEP, "matched", 0)]


def test_a_record_the_counterparty_never_reports_is_unmatched(db: Path) -> None:
    assert reconciliation(db, SILENT) == [(AUG, 4, None, None, "unmatched", None)]


def test_both_sides_reporting_different_counts_is_disputed(db: Path) -> None:
    assert reconciliation(db, DISPUTING) == [(AUG, 5, 3, AUG, "disputed", -2)]


def test_cross_authority_score_is_the_share_of_records_that_reconcile(db: Path) -> None:
    # the sender's four records in August: 2 matched, 1 unmatched, 1 disputed -> 50.0
    assert score_of(db, SENDER, AUG, "cross_authority") == pytest.approx(50.0)
    # the receiver's record is scored in its own month: matched in September -> 100; disputed -> 0
    assert score_of(db, NEXT_MONTH, SEP, "cross_authority") == pytest.approx(100.0)
    assert score_of(db, DISPUTING, AUG, "cross_authority") == pytest.approx(0.0)
    # no transfer records at all -> not applicable
    assert score_of(db, SILENT, AUG, "cross_authority") is None


def test_unreconciled_transfers_point_at_the_row_that_reported_them(db: Path) -> None:
    rows = query(db, "select c.rule_id, c.points_lost, c.row_number, r.source_row from score_component as c "
                     "join return_count as r on r.submission_id = c.submission_id and r.section = 'transfer_out' "
                     "and r.category = $t where c.authority_code = $a and c.\"window\" = 'month' and c.period = '2026-08-01' "
                     "and c.dimension = 'cross_authority' and c.rule_id = 'transfer_unmatched'",
                 {"a": SENDER, "t": SILENT})
    assert len(rows) == 1
    rule, points, row_number, source_row = rows[0]
    assert points == pytest.approx(25.0) and row_number == source_row
