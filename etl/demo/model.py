"""The statistical model of the synthetic demo: expected monthly counts and their breakdowns.

Counts are driven by each authority's population of children aged 0-17, a national base rate with a
gentle upward trend and school-term seasonality, a modest regional and authority effect (lognormal),
and Poisson noise. Breakdowns are multinomial splits of the total with realistic shares and a small
NOT_RECORDED share for authorities that record well. Every draw comes from the generator passed in,
so a seed fixes every number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ..reference import Authority, Reference

# Concerns per child aged 0-17 per month, nationally: about 800 a month over England's ~12.2 million
# children, so a median authority (~60,000 children) sees single-digit months.
BASE_RATE_PER_CHILD_MONTH = 6.6e-5
# Referrals have been rising: a gentle trend per year since the demo's reference month.
TREND_PER_YEAR = 0.04
TREND_ORIGIN = date(2021, 4, 1)

# School terms drive referrals (education is the largest source): low in August and over Christmas,
# high in the autumn term and in spring. Means about 1.0 over a year.
SEASONALITY = {1: 1.0, 2: 0.95, 3: 1.1, 4: 0.9, 5: 1.05, 6: 1.05, 7: 0.95, 8: 0.5, 9: 1.15, 10: 1.15, 11: 1.2, 12: 0.8}

AUTHORITY_EFFECT_SD = 0.12
REGION_EFFECT_SD = 0.07

# Shares of the recorded (known) categories; NOT_RECORDED is added per authority.
CONCERN_TYPE_SHARES = {
    "ISLAMIST": 0.27,
    "EXTREME_RIGHT_WING": 0.24,
    "LEFT_WING_ANARCHIST_SINGLE_ISSUE": 0.02,
    "MIXED_UNCLEAR_UNSTABLE": 0.30,
    "CONFLICTED": 0.02,
    "SCHOOL_MASSACRE": 0.04,
    "INCEL": 0.03,
    "NO_IDEOLOGY_VULNERABILITY": 0.06,
    "OTHER": 0.02,
}
# Islamist concerns fall from about a third to about a fifth over the demo years, the rest grow to match.
ISLAMIST_SHARE_START, ISLAMIST_SHARE_END = 0.33, 0.20
AGE_BAND_SHARES = {
    "AGE_0_10": 0.07,
    "AGE_11_15": 0.38,
    "AGE_16_17": 0.17,
    "AGE_18_20": 0.08,
    "AGE_21_39": 0.19,
    "AGE_40_PLUS": 0.11,
}
SEX_SHARES = {"MALE": 0.87, "FEMALE": 0.12, "OTHER": 0.01}
REFERRAL_SOURCE_SHARES = {
    "EDUCATION": 0.36,
    "POLICE": 0.26,
    "LOCAL_AUTHORITY": 0.08,
    "HEALTH": 0.10,
    "COMMUNITY": 0.04,
    "FAMILY_FRIENDS": 0.05,
    "PRISON_PROBATION": 0.05,
    "OTHER": 0.06,
}
ACTION_SHARES = {
    "REFERRED_TO_POLICE_PREVENT": 0.35,
    "CHILDRENS_SOCIAL_CARE": 0.17,
    "EARLY_HELP": 0.15,
    "ADULT_SOCIAL_CARE": 0.05,
    "SIGNPOSTED_OTHER": 0.16,
    "NO_FURTHER_ACTION": 0.12,
}
BREAKDOWN_SHARES = {
    "concern_type": CONCERN_TYPE_SHARES,
    "age_band": AGE_BAND_SHARES,
    "sex": SEX_SHARES,
    "referral_source": REFERRAL_SOURCE_SHARES,
    "action": ACTION_SHARES,
}
NOT_RECORDED = "NOT_RECORDED"
# Good recorders leave a few per cent unrecorded; each authority draws its own share up to this.
MAX_HONEST_NOT_RECORDED = 0.04
# How concentrated an authority's own shares are around the national ones (Dirichlet concentration).
SHARE_CONCENTRATION = 300.0

PRACTICE_CODES = (
    "SYSTEM_FLAGS_FAMILY_MEMBERS",
    "RECORDS_UNREFERRED_CONCERNS",
    "USES_NATIONAL_CATEGORIES",
    "WRITTEN_RECORDING_POLICY",
)
PRACTICE_PROBABILITY = {
    "SYSTEM_FLAGS_FAMILY_MEMBERS": 0.65,
    "RECORDS_UNREFERRED_CONCERNS": 0.55,
    "USES_NATIONAL_CATEGORIES": 0.85,
    "WRITTEN_RECORDING_POLICY": 0.8,
}


@dataclass
class AuthorityProfile:
    """What stays fixed for one authority across the demo: its effects, shares and practice."""

    authority: Authority
    effect: float
    not_recorded_share: float
    shares: dict[str, dict[str, float]]
    practice: dict[str, int]
    # The period from which one practice declaration changes (0 -> 1: a policy adopted), if any.
    practice_change: tuple[str, date] | None


def seasonal_multiplier(period: date) -> float:
    years = (period.year - TREND_ORIGIN.year) + (period.month - TREND_ORIGIN.month) / 12
    return SEASONALITY[period.month] * (1 + TREND_PER_YEAR * years)


def islamist_share(period: date, start: date, end: date) -> float:
    span = max(1, (end.year - start.year) * 12 + end.month - start.month)
    done = ((period.year - start.year) * 12 + period.month - start.month) / span
    return ISLAMIST_SHARE_START + (ISLAMIST_SHARE_END - ISLAMIST_SHARE_START) * min(1.0, max(0.0, done))


def build_profiles(reference: Reference, rng: np.random.Generator, periods: list[date]) -> dict[str, AuthorityProfile]:
    """One profile per authority in the reference, drawn in code order (so a seed fixes them all)."""
    region_effect = {code: float(np.exp(rng.normal(0, REGION_EFFECT_SD))) for code in sorted(reference.regions)}
    profiles: dict[str, AuthorityProfile] = {}
    for code in sorted(reference.authorities):
        authority = reference.authorities[code]
        effect = region_effect.get(authority.region_code, 1.0) * float(np.exp(rng.normal(0, AUTHORITY_EFFECT_SD)))
        shares = {}
        for section, national in BREAKDOWN_SHARES.items():
            keys = list(national)
            drawn = rng.dirichlet(np.array([national[k] for k in keys]) * SHARE_CONCENTRATION)
            shares[section] = dict(zip(keys, (float(x) for x in drawn)))
        practice = {name: int(rng.random() < PRACTICE_PROBABILITY[name]) for name in PRACTICE_CODES}
        change = None
        zeros = [name for name, value in practice.items() if value == 0]
        if zeros and rng.random() < 0.25:
            change = (zeros[int(rng.integers(0, len(zeros)))], periods[int(rng.integers(0, len(periods)))])
        profiles[code] = AuthorityProfile(
            authority=authority,
            effect=effect,
            not_recorded_share=float(rng.uniform(0.0, MAX_HONEST_NOT_RECORDED)),
            shares=shares,
            practice=practice,
            practice_change=change,
        )
    return profiles


def expected_total(population: int, profile: AuthorityProfile, period: date) -> float:
    """The mean number of concerns this authority records in this month (population: its children 0-17), before noise."""
    return BASE_RATE_PER_CHILD_MONTH * population * profile.effect * seasonal_multiplier(period)


def practice_in(profile: AuthorityProfile, period: date) -> dict[str, int]:
    practice = dict(profile.practice)
    if profile.practice_change and period >= profile.practice_change[1]:
        practice[profile.practice_change[0]] = 1
    return practice


def split(rng: np.random.Generator, total: int, shares: dict[str, float], not_recorded: float) -> dict[str, int]:
    """A multinomial split of total over the categories, with not_recorded of it as NOT_RECORDED."""
    keys = list(shares)
    known = np.array([shares[k] for k in keys])
    probabilities = np.append(known / known.sum() * (1 - not_recorded), not_recorded)
    drawn = rng.multinomial(total, probabilities) if total else np.zeros(len(probabilities), dtype=int)
    counts = {key: int(value) for key, value in zip(keys, drawn[:-1])}
    counts[NOT_RECORDED] = int(drawn[-1])
    return counts


def draw_flags(rng: np.random.Generator, total: int, practice: dict[str, int]) -> dict[str, int]:
    """Flag counts, each within total and PREVIOUS_AUTHORITY_RECORDS_RECEIVED within MOVED_IN_LAST_12_MONTHS."""
    # Authorities whose systems flag family members find more such links.
    family_rate = 0.10 if practice.get("SYSTEM_FLAGS_FAMILY_MEMBERS") else 0.04
    moved = int(rng.binomial(total, 0.12))
    return {
        "FAMILY_MEMBER_KNOWN_TO_PREVENT": int(rng.binomial(total, family_rate)),
        "MOVED_IN_LAST_12_MONTHS": moved,
        "PREVIOUS_AUTHORITY_RECORDS_RECEIVED": int(rng.binomial(moved, 0.6)),
        "SHARED_WITH_CT_POLICE": int(rng.binomial(total, 0.3)),
    }
