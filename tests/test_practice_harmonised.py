"""Harmonised categories for the OTHER / MIXED_UNCLEAR_UNSTABLE share: an authority that records the split
categories (CONFLICTED, INCEL, ...) in the older combined MIXED_UNCLEAR_UNSTABLE, as the return standard
allows, is compared with England's share of the same categories (docs/methodology.md, "Harmonised
categories"): judge_groups' per-row offset against hand-computed values, and the flag text end to end."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from etl.scoring import explain_score
from etl.scoring.proportion import judge_groups
from scoring_builder import clean_rows, load, query, set_section, write_return


def _binomial_upper_tail(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k, n + 1))


def test_an_offset_raises_that_rows_target_and_nothing_else() -> None:
    # England pools 100 of 400 = 25%; the first row's authority folds categories England has 10% of: 35%
    x, n = np.array([45.0, 15.0, 15.0, 25.0]), np.full(4, 100.0)
    target, tau2, _, _ = judge_groups(x, n, np.array([0]), np.zeros(4, dtype=bool), 0.998,
                                      overdispersion="none", offset=np.array([0.10, 0.0, 0.0, 0.0]))
    assert target == pytest.approx([0.35, 0.25, 0.25, 0.25])
    assert tau2 == pytest.approx([0.0] * 4)


def test_folded_categories_keep_a_like_for_like_share_in_control() -> None:
    # 45 of 100: against 25% P(X >= 45) = 1.6e-5 < 0.001, significantly high; against England's 35% for the
    # same categories P(X >= 45) = 0.022, in control (binomial: overdispersion off)
    x, n = np.array([45.0, 15.0, 15.0, 25.0]), np.full(4, 100.0)
    starts, high = np.array([0]), np.zeros(4, dtype=bool)
    assert _binomial_upper_tail(45, 100, 0.25) < 0.001 < _binomial_upper_tail(45, 100, 0.35)
    _, _, plain, limit = judge_groups(x, n, starts, high, 0.998, overdispersion="none")
    assert plain.tolist() == [True, False, False, False]
    assert limit[0] == pytest.approx(0.39)       # the 0.999 quantile of Binomial(100, 0.25), over 100
    _, _, harmonised, _ = judge_groups(x, n, starts, high, 0.998, overdispersion="none",
                                       offset=np.array([0.10, 0.0, 0.0, 0.0]))
    assert not harmonised.any()


def test_the_between_authority_variance_is_estimated_against_each_rows_own_target() -> None:
    # targets 25%, 25%, 35%, 25% (England 100 of 400, the third row +10%); no Winsorising (0th/100th percentile)
    # z = (x/n - t) / sqrt(t (1 - t) / n): -1.1547, 1.1547, -5.2414, 3.4641; phi = mean z^2 = 10.5348
    # w = n / (t (1 - t)): 533.33, 533.33, 439.56, 533.33; sum w = 2039.56, sum w^2 / sum w = 513.12
    # tau2 = (4 phi - 3) / (2039.56 - 513.12) = 39.139 / 1526.44 = 0.025641
    x, n = np.array([20.0, 30.0, 10.0, 40.0]), np.full(4, 100.0)
    _, tau2, _, _ = judge_groups(x, n, np.array([0]), np.zeros(4, dtype=bool), 0.998, winsor=(0.0, 1.0),
                                 offset=np.array([0.0, 0.0, 0.10, 0.0]))
    assert tau2[0] == pytest.approx(0.025641, abs=2e-6)
    # without the offset the third row's z is -3.4641 and tau2 = (4 x 6.6667 - 3) / (2133.33 - 533.33) = 0.014792
    _, plain, _, _ = judge_groups(x, n, np.array([0]), np.zeros(4, dtype=bool), 0.998, winsor=(0.0, 1.0))
    assert plain[0] == pytest.approx(0.014792, abs=2e-6)


REGULAR = {"ISLAMIST": 6, "EXTREME_RIGHT_WING": 9, "LEFT_WING_ANARCHIST_SINGLE_ISSUE": 1, "MIXED_UNCLEAR_UNSTABLE": 4,
           "CONFLICTED": 2, "SCHOOL_MASSACRE": 2, "INCEL": 1, "NO_IDEOLOGY_VULNERABILITY": 11, "OTHER": 4}
# the older combined category: conflicted and incel concerns recorded as MIXED_UNCLEAR_UNSTABLE (standard-conforming)
LEGACY = {**REGULAR, "CONFLICTED": 0, "INCEL": 0, "MIXED_UNCLEAR_UNSTABLE": 7}
# the same older coding, and most specific ideologies coded OTHER (coding drift)
LEGACY_DRIFT = {**LEGACY, "ISLAMIST": 1, "EXTREME_RIGHT_WING": 1, "LEFT_WING_ANARCHIST_SINGLE_ISSUE": 0, "OTHER": 18}
MONTHS = (("2026-06", datetime(2026, 7, 10)), ("2026-07", datetime(2026, 8, 10)),
          ("2026-08", datetime(2026, 9, 10)), ("2026-09", datetime(2026, 10, 10)))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("harmonised")
    assert sum(REGULAR.values()) == sum(LEGACY.values()) == sum(LEGACY_DRIFT.values()) == 40
    files = []
    for period, received in MONTHS:
        for index in range(1, 13):
            code = f"E060000{index:02d}"
            mix = {1: LEGACY, 2: LEGACY_DRIFT}.get(index, REGULAR)
            rows = set_section(clean_rows(40), "concern_type", mix)
            files.append(write_return(folder / "inbox", code, period, rows, received=received))
    database = folder / "oversight.duckdb"
    load(database, files)
    return database


def _coding_flags(db: Path, code: str) -> list[tuple]:
    return query(db, "select strftime(period, '%Y-%m'), flag_type, detail from flag where authority_code = $a and "
                     "(measure = 'share_other_mixed' or measure = 'USES_NATIONAL_CATEGORIES') order by period, flag_type",
                 {"a": code})


def test_an_authority_using_the_older_combined_category_is_not_flagged(db: Path) -> None:
    # 11 of 40 a month in OTHER + MIXED (27.5%) where England's share of OTHER, MIXED, CONFLICTED and INCEL
    # is (116 + 30) / 480 = 30.4%
    assert _coding_flags(db, "E06000001") == []


def test_coding_drift_still_shows_with_both_numbers_and_the_categories_compared(db: Path) -> None:
    # England per month: OTHER + MIXED 10 x 8 + 11 + 25 = 116, CONFLICTED 20, INCEL 10, of 12 x 40 = 480; the
    # drifting authority uses neither CONFLICTED nor INCEL, so its target is 146 / 480 = 30.4%; 100 of 160
    # (62.5%) over the four months; June alone, 25 of 40, is beyond the limit too (sustained three months on)
    flags = {flag_type: detail for period, flag_type, detail in _coding_flags(db, "E06000002") if period == "2026-09"}
    assert set(flags) == {"practice_contradiction", "practice_high"}
    for detail in flags.values():
        assert "100 of 160 (62.5%) over the 4 months to 2026-09, against England's 30.4% for the same categories" in detail
        assert ("its returns show no CONFLICTED and INCEL concerns in the window, which the standard allows to be "
                "recorded in the older combined category MIXED_UNCLEAR_UNSTABLE") in detail
    assert flags["practice_contradiction"].startswith("Declares USES_NATIONAL_CATEGORIES = 1")
    # where people look: `oversight explain` (and the authority page, which reads the same queries)
    explanation = explain_score(db, "E06000002", "2026-09")
    shown = {(f.flag_type, f.measure): f.detail for f in explanation.flags}
    assert shown[("practice_contradiction", "USES_NATIONAL_CATEGORIES")] == flags["practice_contradiction"]
    lost = [c.detail for c in explanation.components if c.rule_id == "practice_contradiction.USES_NATIONAL_CATEGORIES"]
    assert lost and "30.4% for the same categories" in lost[0] and "older combined category" in lost[0]


def test_an_authority_using_every_split_category_is_compared_as_before(db: Path) -> None:
    assert _coding_flags(db, "E06000003") == []
    assert not query(db, "select detail from flag where detail like '%same categories%' and authority_code <> 'E06000002'")


def test_the_winsorised_mean_square_keeps_0_6787_of_a_normal_variance() -> None:
    # a = -1.28155, b = 1.28155, pdf(b) = 0.175498: 0.8 - 2 x 1.28155 x 0.175498 + 0.2 x 1.642373 = 0.678655
    from etl.scoring.proportion import winsor_consistency

    assert winsor_consistency((0.10, 0.90)) == pytest.approx(0.678655, abs=1e-5)
    assert winsor_consistency((0.0, 1.0)) == 1.0


def test_the_consistent_option_divides_the_winsorised_phi_by_that_share() -> None:
    # z = -2, -1, 0, 1, 2 Winsorised at the 10th/90th percentiles (-1.6, 1.6): mean square (2 x 2.56 + 2) / 5 = 1.424;
    # consistent: 1.424 / 0.678655 = 2.098; equal weights 10: tau2 = (5 x 2.098 - 4) / (50 - 10) = 0.16227
    from etl.scoring.proportion import additive_tau2

    z, w = np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), np.full(5, 10.0)
    phi, tau2 = additive_tau2(z, w, (0.10, 0.90))
    assert phi == pytest.approx(1.424) and tau2 == pytest.approx((5 * 1.424 - 4) / 40)
    phi_c, tau2_c = additive_tau2(z, w, (0.10, 0.90), consistent=True)
    assert phi_c == pytest.approx(1.424 / 0.678655, rel=1e-5)
    assert tau2_c == pytest.approx(0.16227, abs=1e-4)
