"""Transfer reconciliation: A's transfer_out to B against B's transfer_in from A, same month or next, and
who is at fault for a record that does not reconcile (issue 8)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from scoring_builder import clean_rows, load, query, score_of, write_return

JUL, AUG, SEP, OCT = "2026-07", "2026-08", "2026-09", "2026-10"
SENDER = "E06000001"
SAME_MONTH = "E06000002"   # receives 3 in August, as sent
NEXT_MONTH = "E06000003"   # receives 2 in September, sent in August
SILENT = "E06000004"       # its August and September returns show nothing from the sender: receiver at fault
DISPUTING = "E06000005"    # receives 3, sender says 5: disputed
NO_NEXT = "E06000006"      # sent 2 in August, has no September return: coverage, not transfers
QUIET_SENDER = "E06000007"  # SAME_MONTH records 2 from it in September; its returns show no sending: sender at fault


def received(period: str) -> datetime:
    year, month = map(int, period.split("-"))
    return datetime(year + (month == 12), month % 12 + 1, 10)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("transfers")
    inbox = folder / "inbox"
    outs = ((SAME_MONTH, 3), (NEXT_MONTH, 2), (SILENT, 4), (DISPUTING, 5), (NO_NEXT, 2))
    sent = {(SENDER, AUG): outs, (SENDER, OCT): ((SAME_MONTH, 1),)}
    incoming = {
        (SAME_MONTH, AUG): ((SENDER, 3),),
        (NEXT_MONTH, SEP): ((SENDER, 2),),
        (DISPUTING, AUG): ((SENDER, 3),),
        (SAME_MONTH, SEP): ((QUIET_SENDER, 2),),
    }
    files = []
    for code in (SENDER, SAME_MONTH, NEXT_MONTH, SILENT, DISPUTING, NO_NEXT, QUIET_SENDER):
        for period in (JUL, AUG, SEP, OCT):
            if code == NO_NEXT and period in (SEP, OCT):
                continue
            rows = clean_rows(20, transfers_out=sent.get((code, period), ()), transfers_in=incoming.get((code, period), ()))
            files.append(write_return(inbox, code, period, rows, received=received(period)))
    database = folder / "oversight.duckdb"
    load(database, files)
    return database


def reconciliation(db: Path, from_code: str, to_code: str) -> list[tuple]:
    return query(db, "select strftime(period, '%Y-%m'), sent, received, strftime(matched_period, '%Y-%m'), status, difference, fault "
                     "from transfer_reconciliation where from_code = $f and to_code = $t order by period",
                 {"f": from_code, "t": to_code})


def test_equal_counts_in_the_same_month_match(db: Path) -> None:
    assert reconciliation(db, SENDER, SAME_MONTH)[0] == (AUG, 3, 3, AUG, "matched", 0, "none")


def test_equal_counts_in_the_next_month_match(db: Path) -> None:
    assert reconciliation(db, SENDER, NEXT_MONTH) == [(AUG, 2, 2, SEP, "matched", 0, "none")]


def test_a_receipt_the_receiver_never_records_is_the_receivers_fault(db: Path) -> None:
    # SILENT's returns for August and September are in and show nothing from the sender
    assert reconciliation(db, SENDER, SILENT) == [(AUG, 4, None, None, "unmatched", None, "receiver")]


def test_a_receipt_the_sender_never_reported_is_the_senders_fault(db: Path) -> None:
    # QUIET_SENDER's returns for August and September are in and show no transfer to SAME_MONTH
    assert reconciliation(db, QUIET_SENDER, SAME_MONTH) == [(SEP, None, 2, SEP, "unmatched", None, "sender")]


def test_both_sides_reporting_different_counts_is_disputed(db: Path) -> None:
    assert reconciliation(db, SENDER, DISPUTING) == [(AUG, 5, 3, AUG, "disputed", -2, "disputed")]


def test_a_receiver_without_the_next_return_loses_under_coverage_not_here(db: Path) -> None:
    assert reconciliation(db, SENDER, NO_NEXT) == [(AUG, 2, None, None, "unmatched", None, "no_return")]
    assert score_of(db, NO_NEXT, AUG, "cross_authority") is None


def test_a_record_sent_in_the_latest_month_is_pending(db: Path) -> None:
    rows = query(db, "select fault, pending from transfer_reconciliation where from_code = $f and to_code = $t and period = '2026-10-01'",
                 {"f": SENDER, "t": SAME_MONTH})
    assert rows == [("pending", True)]
    assert score_of(db, SENDER, OCT, "cross_authority") is None


def test_cross_authority_score_charges_only_the_side_at_fault(db: Path) -> None:
    # the sender's five August records: 2 matched (1 each), SILENT's fault (1), disputed (0.5), NO_NEXT not judged
    assert score_of(db, SENDER, AUG, "cross_authority") == pytest.approx(100 * 3.5 / 4)
    # the receiver that never recorded the receipt scores 0 in the month it was sent, though it reported nothing
    assert score_of(db, SILENT, AUG, "cross_authority") == pytest.approx(0.0)
    assert score_of(db, DISPUTING, AUG, "cross_authority") == pytest.approx(50.0)
    assert score_of(db, NEXT_MONTH, SEP, "cross_authority") == pytest.approx(100.0)
    # the receiver of an unreported sending is not at fault; the sender is
    assert score_of(db, SAME_MONTH, SEP, "cross_authority") == pytest.approx(100.0)
    assert score_of(db, QUIET_SENDER, SEP, "cross_authority") == pytest.approx(0.0)


def test_the_explanation_names_the_sender_month_and_the_senders_row(db: Path) -> None:
    rows = query(db, "select c.rule_id, c.points_lost, c.detail, c.submission_id, c.row_number, r.source_row, s.authority_code "
                     "from score_component as c join submission as s using (submission_id) "
                     "join return_count as r on r.submission_id = c.submission_id and r.section = 'transfer_out' and r.category = $t "
                     "where c.authority_code = $t and c.\"window\" = 'month' and c.period = '2026-08-01' and c.dimension = 'cross_authority'",
                 {"t": SILENT})
    assert len(rows) == 1
    rule, points, detail, _, row_number, source_row, owner = rows[0]
    assert rule == "transfer_receipt_not_recorded" and points == pytest.approx(100.0)
    assert owner == SENDER and row_number == source_row
    assert detail.startswith("4 records sent to you by Hartlepool (E06000001) in 2026-08 that your returns for 2026-08 and 2026-09 do not show")


def test_records_followed_the_family_counts_what_the_receiver_recorded_of_what_was_sent_to_it(db: Path) -> None:
    measure = query(db, "select value, numerator, denominator from measure_value where level = 'authority' and code = $a "
                        "and measure = 'share_transfers_in_recorded' and \"window\" = 'rolling12' and period = '2026-09-01'",
                    {"a": SILENT})
    assert measure == [(0.0, 0.0, 4.0)]
    # DISPUTING recorded 3 of the 5 sent to it
    assert query(db, "select numerator, denominator from measure_value where level = 'authority' and code = $a "
                     "and measure = 'share_transfers_in_recorded' and period = '2026-09-01'", {"a": DISPUTING}) == [(3.0, 5.0)]
