"""The statistical model of the synthetic demo: expected monthly counts and their breakdowns.

Counts are driven by each authority's population of children aged 0-17 and a national base rate with
a gentle upward trend, times a regional effect and an authority effect (lognormal), a slow authority
drift (a log-AR(1) month to month) and negative-binomial noise (a gamma-Poisson mixture), so counts
are overdispersed like real referral data and most authorities see 0-5 concerns a month. Seasonality
comes from the referral sources: education referrals follow the school year (almost none in August,
fewer over Christmas and Easter), the other sources barely move. Breakdowns are multinomial splits of
the total with each authority's own shares and a small NOT_RECORDED share for authorities that
record well. Every draw comes from the generator passed in, so a seed fixes every number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..reference import Authority, Reference

# Concerns per child aged 0-17 per month, nationally: about 750 a month over England's ~11.9 million
# children, so a median authority (~62,000 children) sees about 4 a month.
BASE_RATE_PER_CHILD_MONTH = 6.4e-5
# Referrals have been rising: a gentle trend per year since the demo's reference month.
TREND_PER_YEAR = 0.04
TREND_ORIGIN = date(2021, 4, 1)

# Regional differences (lognormal, on the rate) and each authority's own effect within its region.
REGION_EFFECT_SD = 0.18
AUTHORITY_EFFECT_SD = 0.18
# A slow drift of each authority's level from month to month: log-AR(1) with this correlation and
# stationary standard deviation (staff changes, local campaigns), on top of the count noise.
DRIFT_CORRELATION = 0.85
DRIFT_SD = 0.10
# Negative-binomial size: variance = mean + mean^2 / size (gamma-Poisson).
NB_SIZE = 12.0

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
# Where concern types go when an authority stops coding them (coding drift).
UNCODED_TYPES = ("MIXED_UNCLEAR_UNSTABLE", "OTHER")
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
# School-year seasonality of education referrals (relative, normalised to a mean of 1 below): almost
# nothing in the August holiday, fewer in the Christmas and Easter months, most in the autumn term.
_EDUCATION_SEASON = {1: 1.1, 2: 1.05, 3: 1.15, 4: 0.8, 5: 1.15, 6: 1.15, 7: 0.85, 8: 0.1, 9: 1.1, 10: 1.2, 11: 1.25, 12: 0.8}
_OTHER_SEASON = {1: 1.0, 2: 1.0, 3: 1.02, 4: 0.98, 5: 1.02, 6: 1.02, 7: 1.0, 8: 0.92, 9: 1.02, 10: 1.02, 11: 1.02, 12: 0.94}
EDUCATION_SEASON = {m: v * 12 / sum(_EDUCATION_SEASON.values()) for m, v in _EDUCATION_SEASON.items()}
OTHER_SEASON = {m: v * 12 / sum(_OTHER_SEASON.values()) for m, v in _OTHER_SEASON.items()}
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
# Share of concerns with a family member already known to Prevent (authorities whose systems flag
# family members find more links), shared with CT Policing, and moved in during the last 12 months;
# each authority draws its own share around these (beta with this concentration).
FAMILY_SHARE = {1: 0.11, 0: 0.06}
SHARED_WITH_POLICE_SHARE = 0.30
MOVED_IN_SHARE = 0.12
RECORDS_FOLLOWED_SHARE = 0.65
FLAG_SHARE_CONCENTRATION = 80.0


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
    flag_shares: dict[str, float] = field(default_factory=dict)
    # The slow drift of the level, one multiplier per period index.
    drift: np.ndarray = field(default_factory=lambda: np.ones(0))


def trend(period: date) -> float:
    years = (period.year - TREND_ORIGIN.year) + (period.month - TREND_ORIGIN.month) / 12
    return 1 + TREND_PER_YEAR * years


def source_season(source: str, month: int) -> float:
    return EDUCATION_SEASON[month] if source == "EDUCATION" else OTHER_SEASON[month]


def seasonal_shares(shares: dict[str, float], month: int) -> tuple[float, dict[str, float]]:
    """The month's multiplier of the total, and the referral-source shares of that month."""
    weighted = {source: share * source_season(source, month) for source, share in shares.items()}
    total = sum(weighted.values())
    return total / sum(shares.values()), {source: value / total for source, value in weighted.items()}


def islamist_share(period: date, start: date, end: date) -> float:
    span = max(1, (end.year - start.year) * 12 + end.month - start.month)
    done = ((period.year - start.year) * 12 + period.month - start.month) / span
    return ISLAMIST_SHARE_START + (ISLAMIST_SHARE_END - ISLAMIST_SHARE_START) * min(1.0, max(0.0, done))


def _beta(rng: np.random.Generator, mean: float) -> float:
    return float(rng.beta(mean * FLAG_SHARE_CONCENTRATION, (1 - mean) * FLAG_SHARE_CONCENTRATION))


def _drift(rng: np.random.Generator, months: int) -> np.ndarray:
    innovation_sd = DRIFT_SD * np.sqrt(1 - DRIFT_CORRELATION**2)
    values = np.empty(months)
    level = rng.normal(0, DRIFT_SD)
    for index in range(months):
        values[index] = level
        level = DRIFT_CORRELATION * level + rng.normal(0, innovation_sd)
    # Centred on the lognormal mean so the drift does not move the authority's average level.
    return np.exp(values - DRIFT_SD**2 / 2)


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
        flag_shares = {
            "FAMILY_MEMBER_KNOWN_TO_PREVENT": _beta(rng, FAMILY_SHARE[practice["SYSTEM_FLAGS_FAMILY_MEMBERS"]]),
            "SHARED_WITH_CT_POLICE": _beta(rng, SHARED_WITH_POLICE_SHARE),
            "MOVED_IN_LAST_12_MONTHS": _beta(rng, MOVED_IN_SHARE),
            "PREVIOUS_AUTHORITY_RECORDS_RECEIVED": _beta(rng, RECORDS_FOLLOWED_SHARE),
        }
        profiles[code] = AuthorityProfile(
            authority=authority,
            effect=effect,
            not_recorded_share=float(rng.uniform(0.0, MAX_HONEST_NOT_RECORDED)),
            shares=shares,
            practice=practice,
            practice_change=change,
            flag_shares=flag_shares,
            drift=_drift(rng, len(periods)),
        )
    return profiles


def usual_level(population: int, profile: AuthorityProfile) -> float:
    """The authority's usual number of concerns a month (no season, trend or drift): its size."""
    return BASE_RATE_PER_CHILD_MONTH * population * profile.effect


def expected_total(population: int, profile: AuthorityProfile, period: date, index: int) -> float:
    """The mean number of concerns this authority records in this month (population: its children 0-17), before noise."""
    season, _ = seasonal_shares(profile.shares["referral_source"], period.month)
    drift = float(profile.drift[index]) if index < len(profile.drift) else 1.0
    return usual_level(population, profile) * season * trend(period) * drift


def draw_total(rng: np.random.Generator, mean: float) -> int:
    """A negative-binomial count with the given mean (gamma-Poisson, size NB_SIZE)."""
    if mean <= 0:
        return 0
    return int(rng.poisson(rng.gamma(NB_SIZE, mean / NB_SIZE)))


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


def draw_flags(rng: np.random.Generator, total: int, flag_shares: dict[str, float]) -> dict[str, int]:
    """Flag counts, each within total and PREVIOUS_AUTHORITY_RECORDS_RECEIVED within MOVED_IN_LAST_12_MONTHS."""
    moved = int(rng.binomial(total, flag_shares["MOVED_IN_LAST_12_MONTHS"]))
    return {
        "FAMILY_MEMBER_KNOWN_TO_PREVENT": int(rng.binomial(total, flag_shares["FAMILY_MEMBER_KNOWN_TO_PREVENT"])),
        "MOVED_IN_LAST_12_MONTHS": moved,
        "PREVIOUS_AUTHORITY_RECORDS_RECEIVED": int(rng.binomial(moved, flag_shares["PREVIOUS_AUTHORITY_RECORDS_RECEIVED"])),
        "SHARED_WITH_CT_POLICE": int(rng.binomial(total, flag_shares["SHARED_WITH_CT_POLICE"])),
    }
