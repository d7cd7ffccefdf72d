"""Practice absent: the zero-inflated beta-binomial (etl/scoring/proportion.py) against hand-computed values,
and write_practice_evidence marking an authority that never uses a practice (etl/scoring/evidence.py)."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pytest

from etl.db import available_migrations
from etl.scoring.config import load_config
from etl.scoring.evidence import write_practice_evidence
from etl.scoring.proportion import (
    FitCache, ZeroInflatedFit, absent_posterior, fit_zibb, judge_absent_groups, zibb_log_likelihood,
)


def test_zibb_likelihood_matches_a_hand_computation_with_uniform_users() -> None:
    # a = b = 1: the users' count is uniform on 0..n, BB(x | 2) = 1/3. With pi = 0.5:
    # x = 0: 0.5 + 0.5 / 3 = 2/3; x = 1: 0.5 / 3 = 1/6; log-likelihood ln(2/3 x 1/6) = ln(1/9)
    assert zibb_log_likelihood(0.5, 1.0, 1.0, np.array([0, 1]), np.array([2, 2])) == pytest.approx(math.log(1 / 9), abs=1e-12)


def test_zibb_likelihood_without_inflation_is_the_beta_binomial() -> None:
    # BB(0 | 4, 2, 3) = B(2, 7) / B(2, 3) = (1/56) / (1/12) = 3/14
    assert zibb_log_likelihood(0.0, 2.0, 3.0, np.array([0]), np.array([4])) == pytest.approx(math.log(3 / 14), abs=1e-12)


def test_posterior_of_absence_matches_a_hand_computation() -> None:
    # pi = 0.1, BB(0 | 4, 2, 3) = 3/14: P(absent | 0 of 4) = 0.1 / (0.1 + 0.9 x 3/14) = 14/41
    fit = ZeroInflatedFit((0.1,), 2.0, 3.0, 0.0)
    posterior = absent_posterior(np.array([0, 2, 0]), np.array([4, 4, 0]), fit)
    assert posterior[0] == pytest.approx(14 / 41, abs=1e-12)
    assert posterior[1] == 0.0                 # the practice was used: not absent
    assert np.isnan(posterior[2])              # no concerns: no evidence either way


def test_posterior_uses_the_pi_of_the_authoritys_declaration_class() -> None:
    # class 1 (pi = 0.5): 0.5 / (0.5 + 0.5 x 3/14) = 14/17; class 0 (pi = 0.1): 14/41
    fit = ZeroInflatedFit((0.1, 0.5), 2.0, 3.0, 0.0)
    posterior = absent_posterior(np.array([0, 0]), np.array([4, 4]), fit, np.array([0, 1]))
    assert posterior == pytest.approx([14 / 41, 14 / 17], abs=1e-12)


def test_more_concerns_without_use_make_absence_more_probable() -> None:
    fit = ZeroInflatedFit((0.03,), 2.4, 27.6, 0.0)
    posterior = absent_posterior(np.zeros(3), np.array([20, 100, 500]), fit)
    assert posterior[0] < posterior[1] < posterior[2]


def _national(seed: int, absent: int, units: int = 150) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 400, units).astype(float)
    x = rng.binomial(n.astype(int), rng.beta(4.0, 40.0, units)).astype(float)
    x[:absent] = 0
    return x, n


def test_the_fit_is_a_maximum_of_the_likelihood_it_reports() -> None:
    x, n = _national(1, absent=6)
    fit = fit_zibb(x, n)
    assert fit is not None
    assert fit.log_likelihood == pytest.approx(zibb_log_likelihood(fit.pi[0], fit.a, fit.b, x, n), abs=1e-8)
    # not below the likelihood at the values the data were drawn from, nor at nearby values
    assert fit.log_likelihood >= zibb_log_likelihood(6 / 150, 4.0, 40.0, x, n) - 1e-6
    for pi, a, b in ((fit.pi[0] * 1.2, fit.a, fit.b), (fit.pi[0], fit.a * 1.1, fit.b), (fit.pi[0], fit.a, fit.b * 0.9)):
        assert fit.log_likelihood >= zibb_log_likelihood(pi, a, b, x, n)
    assert 0.01 < fit.pi[0] < 0.1
    assert fit.a / (fit.a + fit.b) == pytest.approx(4 / 44, abs=0.02)


def test_no_zeros_or_too_few_authorities_fit_no_absent_state() -> None:
    x, n = _national(2, absent=0)
    x = np.maximum(x, 1)
    assert fit_zibb(x, n) is None                              # nobody at zero
    x, n = _national(3, absent=2, units=20)
    assert fit_zibb(x, n, min_units=30) is None                # 20 authorities < 30
    assert fit_zibb(np.zeros(40), np.full(40, 10.0)) is None   # nobody uses it: no users to fit


def test_authorities_never_using_the_practice_are_flagged_at_the_stated_lfdr_only() -> None:
    x, n = _national(4, absent=5)
    n[:5] = [300, 250, 200, 40, 10]      # absent authorities of several sizes
    starts = np.array([0])
    posterior, absent = judge_absent_groups(x, n, starts, np.ones(len(x), dtype=bool), lfdr=0.2)
    assert np.array_equal(absent, (x == 0) & (1 - np.nan_to_num(posterior) <= 0.2))
    assert absent[:3].all()              # 0 of 200-300 where users flag about 9%: absent
    assert not absent[4]                 # 0 of 10 is ordinary for a user
    assert not absent[5:][x[5:] > 0].any()
    _, none = judge_absent_groups(x, n, starts, np.zeros(len(x), dtype=bool), lfdr=0.2)
    assert not none.any()                # a measure not listed in absent_measures


def test_a_declaration_class_too_small_falls_back_to_one_pi() -> None:
    x, n = _national(5, absent=4)
    group = np.zeros(len(x), dtype=np.int64)
    group[:5] = 1                        # 5 authorities declare the other way: fewer than 10
    fit = fit_zibb(x, n, group=group, min_class_units=10)
    assert fit is not None and len(fit.pi) == 2 and fit.pi[0] == fit.pi[1]


def test_a_fit_made_before_is_taken_from_the_cache_and_changed_counts_are_fitted_again() -> None:
    x, n = _national(6, absent=5)
    made = FitCache()
    fit = made.fit(x, n)
    assert fit == fit_zibb(x, n) and list(made.used.values()) == [fit]
    # the same inputs: the stored fit is returned as it is (a planted one shows it was not made again)
    key = next(iter(made.used))
    planted = ZeroInflatedFit((0.5,), 1.0, 2.0, -1.0)
    again = FitCache({key: planted})
    assert again.fit(x, n) is planted and again.used == {key: planted}
    # one count changed, another start, other settings: each is a different fit
    changed = x.copy()
    changed[-1] += 1
    assert FitCache.key(changed, n, 30, None, None, 10) != key
    assert FitCache.key(x, n, 30, fit, None, 10) != key
    assert FitCache.key(x, n, 20, None, None, 10) != key
    assert FitCache.key(x, n, 30, None, np.zeros(len(x)), 10) != key


def test_judging_with_the_fits_of_an_earlier_run_gives_the_same_verdicts() -> None:
    x1, n1 = _national(7, absent=4)
    x2, n2 = _national(8, absent=6)
    x, n = np.concatenate([x1, x2]), np.concatenate([n1, n2])
    starts, eligible = np.array([0, len(x1)]), np.ones(len(x), dtype=bool)
    first = FitCache()
    posterior, absent = judge_absent_groups(x, n, starts, eligible, lfdr=0.2, cache=first)
    assert len(first.used) == 2          # the second group's fit starts from the first's: both kept
    second = FitCache(dict(first.used))
    again, again_absent = judge_absent_groups(x, n, starts, eligible, lfdr=0.2, cache=second)
    assert np.array_equal(again, posterior) and np.array_equal(again_absent, absent)
    assert second.used == first.used
    plain, _ = judge_absent_groups(x, n, starts, eligible, lfdr=0.2)
    assert np.array_equal(plain, posterior)


def _evidence_database(absent_declares: int, late_from: int = 0) -> duckdb.DuckDBPyConnection:
    """40 authorities x 27 months: AUTH00 never flags FAMILY_MEMBER_KNOWN_TO_PREVENT in 10 concerns a month,
    the others flag about 9% (beta-distributed between them). late_from: AUTH39 exists (has rows) only from
    that month on, as an authority created during the collection."""
    rng = np.random.default_rng(7)
    con = duckdb.connect()
    periods = [date(2023 + (m // 12), m % 12 + 1, 1) for m in range(27)]
    rows, returns, counts = [], [], []
    shares = rng.beta(4.0, 40.0, 40)
    for a in range(40):
        code = f"AUTH{a:02d}"
        monthly = [(10, 0 if a == 0 else int(rng.binomial(10, shares[a]))) for _ in periods]
        for m, period in enumerate(periods):
            if a == 39 and m < late_from:
                continue
            def pooled(months: int) -> tuple[int, int]:
                window = monthly[max(0, m - months + 1): m + 1]
                return sum(v[1] for v in window), sum(v[0] for v in window)
            (x12, n12), (x24, n24), (x60, n60) = pooled(12), pooled(24), pooled(60)
            rows.append((code, period, "share_family_member_known", "low", x12, n12, x24, n24, x60, n60))
            returns.append((f"{code}-{m}", code, period))
            counts.append((f"{code}-{m}", "practice", "SYSTEM_FLAGS_FAMILY_MEMBERS", absent_declares if a == 0 else 1))
    con.execute("create temp table scoring_practice_observed (authority_code varchar, period date, measure varchar, "
                "adverse varchar, numerator12 bigint, denominator12 bigint, numerator_evidence bigint, "
                "denominator_evidence bigint, numerator_long bigint, denominator_long bigint, fold12 double, "
                "fold_evidence double, fold_long double, folded12 varchar, folded_evidence varchar, folded_long varchar)")
    con.executemany("insert into scoring_practice_observed values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null, null, null, null, null)", rows)
    con.execute("create temp table scoring_return (submission_id varchar, authority_code varchar, period date)")
    con.executemany("insert into scoring_return values (?, ?, ?)", returns)
    con.execute("create temp table scoring_count (submission_id varchar, section varchar, category varchar, count bigint)")
    con.executemany("insert into scoring_count values (?, ?, ?, ?)", counts)
    con.execute("create temp table scoring_cfg_practice as select 'SYSTEM_FLAGS_FAMILY_MEMBERS' as category, "
                "0.15 as weight, 'share_family_member_known' as contradicted_by")
    # the table where the scoring keeps its zero-inflated fits, from its migration
    con.execute(next(m for m in available_migrations() if m.name == "practice_fit").path.read_text(encoding="utf-8"))
    return con


def test_the_practice_evidence_marks_an_authority_that_never_uses_the_flag() -> None:
    con = _evidence_database(absent_declares=1)
    write_practice_evidence(con, load_config())
    rows = con.execute("select authority_code, absent, absent_probability, is_adverse, flag_evidence, evidence_months "
                       "from scoring_practice_evidence where period = date '2025-03-01' order by authority_code").fetchall()
    first = rows[0]
    # absent, and sustained (also absent at 2024-12, three months earlier, the first month with 24 months of returns)
    assert first[0] == "AUTH00" and first[1] and first[3] and first[4] in ("absent", "low_998")
    assert first[2] >= 0.8               # 0 of 270 concerns where users flag about 9%
    assert first[5] == 27                # judged on the long window: all 27 months of returns so far
    assert not any(r[1] for r in rows[1:])
    # fewer than 24 months of returns: not judged for absence
    early = con.execute("select bool_or(absent) from scoring_practice_evidence where period < date '2024-12-01'").fetchone()[0]
    assert not early


def test_the_practice_evidence_keeps_only_the_fits_its_last_run_used() -> None:
    con = _evidence_database(absent_declares=1)
    write_practice_evidence(con, load_config())
    kept = con.execute("select fit_key, pi, a, b from practice_fit order by fit_key").fetchall()
    assert kept                          # one fit per month judged
    before = con.execute("select * from scoring_practice_evidence order by all").fetchall()
    con.execute("insert into practice_fit values ('no longer needed', [0.1], 1.0, 1.0, 0.0)")
    write_practice_evidence(con, load_config())
    assert con.execute("select fit_key, pi, a, b from practice_fit order by fit_key").fetchall() == kept
    assert con.execute("select * from scoring_practice_evidence order by all").fetchall() == before


def test_the_texts_report_the_months_an_authority_has_in_the_window_not_only_the_window() -> None:
    # the 24-month window at 2023-06 holds 6 months of the collection; AUTH39, created in month 10
    # (2023-11), has 17 months in it at 2025-03
    con = _evidence_database(absent_declares=1, late_from=10)
    write_practice_evidence(con, load_config())
    months = dict(con.execute("select authority_code || ' ' || strftime(period, '%Y-%m'), evidence_months "
                              "from scoring_practice_evidence where authority_code in ('AUTH01', 'AUTH39')").fetchall())
    assert months["AUTH01 2023-06"] == 6
    assert months["AUTH01 2025-03"] == 24
    assert months["AUTH39 2023-11"] == 1 and months["AUTH39 2025-03"] == 17
    assert "AUTH39 2023-10" not in months


@pytest.mark.parametrize(("line", "message"), [
    ('absent_measures = ["share_other_mixed"]', "adverse-low"),
    ("absent_lfdr = 1.5", "absent_lfdr"),
    ("absent_min_authorities = 2", "absent_min_authorities"),
])
def test_a_bad_absent_setting_is_refused_with_the_setting_named(line: str, message: str) -> None:
    from etl.errors import ConfigError
    from etl.scoring.config import SCORING_CONFIG, parse_config

    key = line.split(" =")[0]
    text = "\n".join(line if row.startswith(key + " =") else row
                     for row in SCORING_CONFIG.read_text(encoding="utf-8").splitlines())
    with pytest.raises(ConfigError, match=message):
        parse_config(text, "scoring.toml")
