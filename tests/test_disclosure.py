"""Disclosure control rules on five-row frames, with the expected output worked out by hand, including
attempts to recover a suppressed count by subtraction."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard import disclosure
from dashboard.viewer import Viewer


def _cells(rows: list[tuple[str, str | None, float]], priority: dict[str, int] | None = None) -> pl.DataFrame:
    priority = priority or {}
    return pl.DataFrame(
        {
            "cell": [name for name, _, _ in rows],
            "owner": [owner for _, owner, _ in rows],
            "value": [float(value) for _, _, value in rows],
            "published": [True] * len(rows),
            "priority": [priority.get(name, 0) for name, _, _ in rows],
        },
        schema={"cell": pl.String, "owner": pl.String, "value": pl.Float64, "published": pl.Boolean, "priority": pl.Int32},
    )


def _relations(groups: dict[str, dict[str, int]]) -> pl.DataFrame:
    rows = [(relation, cell, coefficient) for relation, cells in groups.items() for cell, coefficient in cells.items()]
    return pl.DataFrame(rows, schema={"relation": pl.String, "cell": pl.String, "coefficient": pl.Int8}, orient="row")


def _reasons(pattern: pl.DataFrame) -> dict[str, str | None]:
    return dict(pattern.select("cell", "reason").iter_rows())


def test_primary_suppression_shows_counts_of_one_to_four_as_c_and_keeps_zero():
    frame = pl.DataFrame({"authority": ["A", "B", "C", "D", "E"], "count": [0, 1, 4, 5, 12]})
    shown = disclosure.primary(frame, ["count"])
    assert shown["count"].to_list() == ["0", "c", "c", "5", "12"]
    assert shown["authority"].to_list() == ["A", "B", "C", "D", "E"]


def test_a_region_total_cannot_be_differenced_by_the_public_or_by_a_council_that_knows_its_own_count():
    # Region total 33 = A 2 + B 7 + C 9 + D 15. A is primary. Suppressing B alone would let council B
    # compute A = 33 - 7 - 9 - 15, so a third cell (C, the next smallest not B's) goes too.
    cells = _cells([("A", "A", 2), ("B", "B", 7), ("C", "C", 9), ("D", "D", 15), ("region", None, 33)],
                   priority={"region": 1})
    relations = _relations({"region": {"A": 1, "B": 1, "C": 1, "D": 1, "region": -1}})
    pattern = disclosure.protect(cells, relations)
    assert _reasons(pattern) == {"A": "primary", "B": "secondary", "C": "secondary", "D": None, "region": None}
    # The attack, for every viewer: public knows no cell; council X knows its own.
    for viewer in (None, "A", "B", "C", "D"):
        unknown = {c for c, s, o in pattern.select("cell", "suppressed", "owner").iter_rows() if s and o != viewer}
        assert "A" not in disclosure.determined(relations, unknown) or viewer == "A"
        assert disclosure.unsafe_relations(pattern, relations, viewer).is_empty()


def test_two_councils_pooling_their_own_counts_cannot_difference_a_region_total():
    # The region above: with A, B and C hidden, councils B and C together know 7 + 9, so
    # A = 33 - 7 - 9 - 15 = 2. The rule for coalitions of two also hides D (the only cell owned by
    # neither), and then no two councils leave fewer than two unknown cells.
    cells = _cells([("A", "A", 2), ("B", "B", 7), ("C", "C", 9), ("D", "D", 15), ("region", None, 33)],
                   priority={"region": 1})
    relations = _relations({"region": {"A": 1, "B": 1, "C": 1, "D": 1, "region": -1}})

    def unknown_to(pattern: pl.DataFrame, pair: set[str]) -> set[str]:
        return {c for c, s, o in pattern.select("cell", "suppressed", "owner").iter_rows() if s and o not in pair}

    single = disclosure.protect(cells, relations)
    assert disclosure.determined(relations, unknown_to(single, {"B", "C"})) == {"A"}  # the leak
    pooled = disclosure.protect(cells, relations, coalition=2)
    assert _reasons(pooled) == {"A": "primary", "B": "secondary", "C": "secondary", "D": "secondary", "region": None}
    for pair in ({"B", "C"}, {"B", "D"}, {"C", "D"}, {"A", "B"}):
        assert "A" not in disclosure.determined(relations, unknown_to(pooled, pair)) or "A" in pair, pair
    assert disclosure.COALITION == 2  # the served pattern (dashboard.queries.disclosure.build_pattern)


def test_a_small_part_of_a_breakdown_hides_its_complement_not_the_published_total():
    # Authority X: total 12 = under-18s 3 + others 9; Y's total 20 = 15 + 5. The under-18s count 3 is
    # primary; "others" (never shown, priority -1) is the cheapest second cell; the totals stay.
    cells = _cells([("X.total", "X", 12), ("X.under18", "X", 3), ("X.other", "X", 9),
                    ("Y.total", "Y", 20), ("Y.under18", "Y", 15)], priority={"X.other": -1})
    relations = _relations({"X": {"X.total": -1, "X.under18": 1, "X.other": 1}, "Y": {"Y.total": -1, "Y.under18": 1}})
    pattern = disclosure.protect(cells, relations)
    assert _reasons(pattern) == {"X.total": None, "X.under18": "primary", "X.other": "secondary",
                                 "Y.total": None, "Y.under18": None}
    assert disclosure.determined(relations, {"X.under18", "X.other"}) == set()


def test_the_rule_alone_misses_a_difference_of_two_totals_and_the_exact_pass_closes_it():
    # T = a + b and T2 = a + b + c. a (3) and c (2) are primary; the rule suppresses b (each relation
    # then holds two or three unknowns), but T2 - T = c still gives c away. Solving the block exactly
    # finds that and suppresses T2, the only known cell of a relation holding c.
    cells = _cells([("a", "X", 3), ("b", "X", 8), ("c", "X", 2), ("T", "X", 11), ("T2", "X", 13)],
                   priority={"T": 1, "T2": 1})
    relations = _relations({"r1": {"a": 1, "b": 1, "T": -1}, "r2": {"a": 1, "b": 1, "c": 1, "T2": -1}})
    rule_only = disclosure.protect(cells, relations)
    assert _reasons(rule_only) == {"a": "primary", "b": "secondary", "c": "primary", "T": None, "T2": None}
    assert disclosure.determined(relations, {"a", "b", "c"}) == {"c"}  # the leak, found exactly

    blocks = pl.DataFrame({"block": ["X", "X"], "relation": ["r1", "r2"]})
    pattern = disclosure.protect(cells, relations, blocks)
    assert _reasons(pattern) == {"a": "primary", "b": "secondary", "c": "primary", "T": None, "T2": "secondary"}
    assert disclosure.determined(relations, {"a", "b", "c", "T2"}) == set()


def test_overlapping_rolling_windows_do_not_give_away_the_month_that_left():
    # Months m1..m3 = 2, 6, 7; windows W12 = m1 + m2 = 8 and W23 = m2 + m3 = 13 are published.
    # m1 is primary; the rule then takes m2 (the smaller known cell of W12) and m3 (of W23): with two
    # windows and three unknown months nothing is pinned down (W23 - W12 = m3 - m1 only).
    cells = _cells([("m1", "X", 2), ("m2", "X", 6), ("m3", "X", 7), ("W12", "X", 8), ("W23", "X", 13)],
                   priority={"W12": 1, "W23": 1})
    relations = _relations({"w12": {"m1": 1, "m2": 1, "W12": -1}, "w23": {"m2": 1, "m3": 1, "W23": -1}})
    blocks = pl.DataFrame({"block": ["X", "X"], "relation": ["w12", "w23"]})
    pattern = disclosure.protect(cells, relations, blocks)
    assert _reasons(pattern) == {"m1": "primary", "m2": "secondary", "m3": "secondary", "W12": None, "W23": None}
    assert disclosure.determined(relations, {"m1", "m2", "m3"}) == set()


def test_transfers_with_a_small_side_are_withheld_on_both_sides_for_anyone_not_national():
    transfers = pl.DataFrame({
        "direction": ["received from", "sent to", "received from", "sent to", "received from"],
        "counterpart_code": ["E06000036", "E06000036", "E08000025", "E09000001", "E10000015"],
        "period": [date(2026, 3, 1)] * 5,
        "sent": [1, 6, 5, 0, 12],
        "received": [1, 6, 3, 0, 12],
        "difference": [0, 0, 2, 0, 0],
        "status": ["matched", "matched", "disputed", "matched", "matched"],
    })
    council = disclosure.mask_transfers(transfers, Viewer.council("E06000037"))
    # Row 3: showing sent 5 and the difference 2 would give received 3, so both sides go.
    assert council["sent"].to_list() == [None, 6, None, 0, 12]
    assert council["received"].to_list() == [None, 6, None, 0, 12]
    assert council["difference"].to_list() == [None, 0, None, 0, 0]
    assert council["disclosure"].to_list() == ["c", None, "c", None, None]
    national = disclosure.mask_transfers(transfers, Viewer.national())
    assert national["sent"].to_list() == [1, 6, 5, 0, 12]


def test_free_text_quoting_counts_is_withheld_for_authorities_the_viewer_is_not_entitled_to():
    issues = pl.DataFrame({
        "authority_code": ["E06000001", "E06000002", "E06000001", None, "E06000003"],
        "message": ["sum to 6 but total is 4", "1 of 3 concerns", "late", "unreadable file", None],
    })
    council = disclosure.withhold_text(issues, "authority_code", ["message"], Viewer.council("E06000001"))
    assert council["message"].to_list() == [
        "sum to 6 but total is 4", disclosure.withhold_text.__defaults__[0], "late",
        disclosure.withhold_text.__defaults__[0], None,
    ]
    assert disclosure.withhold_text(issues, "authority_code", ["message"], Viewer.national()).equals(issues)


def test_a_council_sees_its_own_cells_and_everyone_elses_as_published():
    pattern = pl.DataFrame({
        "level": ["authority", "authority", "authority", "region", "authority"],
        "code": ["A", "A", "B", "R", "C"],
        "period": [date(2026, 1, 1)] * 5,
        "window": ["month"] * 5,
        "series": ["total", "under18", "total", "total", "other"],
        "owner": ["A", "A", "B", None, "C"],
        "published": [True] * 5,
        "suppressed": [True, False, True, True, True],
    })
    council = disclosure.hidden_cells(pattern, Viewer.council("A"))
    assert council.select("code", "series").rows() == [("B", "total"), ("R", "total"), ("C", "other")]
    assert disclosure.hidden_cells(pattern, Viewer.public()).height == 4
    assert disclosure.hidden_cells(pattern, Viewer.national()).is_empty()


@pytest.fixture
def empty_con(tmp_path):
    """A connection to a new installation's database: migrated, reference data in, no returns yet."""
    from etl.db import connect, migrate, sync_reference

    con = connect(tmp_path / "empty.duckdb")
    migrate(con)
    sync_reference(con)
    yield con
    con.close()


def test_a_database_with_no_returns_yet_has_an_empty_pattern_and_hides_nothing(empty_con):
    # A new installation before its first load: the pattern is built (ahead of requests too), not an error.
    from dashboard.queries.disclosure import build_pattern, hidden

    assert build_pattern(empty_con).is_empty()
    assert hidden(empty_con, Viewer.public()).is_empty()


def test_a_scripts_own_connection_gets_its_own_databases_pattern_while_the_dashboard_serves_another(empty_con, small_db):
    # The shared cache belongs to the served database: a connection to any other file (a script's, a
    # test's) must not be answered from it, even in a process that is serving a dashboard.
    from dashboard import database
    from dashboard.queries.disclosure import pattern

    database.configure(small_db)
    try:
        with database.connection() as served:
            assert pattern(served).filter(pl.col("suppressed")).height > 0  # the served small demo's pattern
        assert pattern(empty_con).is_empty()  # the other file has no returns yet
    finally:
        database.reset()
