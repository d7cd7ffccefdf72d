"""The recording problems planted in the synthetic demo, in which authorities, and their ground truth.

Each problem type goes to a handful of authorities chosen by the seed, disjoint across types, so that
the scoring's recall and precision can be measured per type; every other authority records cleanly.
Authorities that exist for only part of the range (reorganisations) and the two tiny ones (City of
London, Isles of Scilly) are never planted: their own patterns would blur the measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..periods import format_period
from ..reference import Reference
from .model import BASE_RATE_PER_CHILD_MONTH

PROBLEM_TYPES = (
    "under_recording",
    "breakdowns_not_recorded",
    "sections_missing",
    "totals_not_adding_up",
    "missing_months",
    "late_submissions",
    "resubmissions",
    "alias_labels",
    "transfer_disagreement",
    "rejected_files",
    "nil_return_run",
)
GROUND_TRUTH_COLUMNS = ("problem_type", "authority_code", "period_from", "period_to", "detail")

# Authorities per type (transfer_disagreement counts pairs).
PER_TYPE = {
    "under_recording": 5,
    "breakdowns_not_recorded": 5,
    "sections_missing": 5,
    "totals_not_adding_up": 5,
    "missing_months": 5,
    "late_submissions": 5,
    "resubmissions": 5,
    "alias_labels": 6,
    "transfer_disagreement": 3,
    "rejected_files": 6,
    "nil_return_run": 3,
}
# Sections that may be omitted or left unrecorded. age_band is kept: the under-18 recording rate
# (the funnel measure) comes from it, so emptying it would look like under-recording too.
SECTIONS_AT_RISK = ("concern_type", "sex", "referral_source", "action")
# Where councils count one concern twice: two ideologies, two referrers, two first actions.
DOUBLE_COUNTED_SECTIONS = ("concern_type", "referral_source", "action")
REJECTION_KINDS = (
    "flag_above_total",
    "unknown_category",
    "negative_count",
    "practice_not_binary",
    "duplicate_row",
    "transfer_to_self",
)
REJECTION_TEXT = {
    "flag_above_total": "a flag count above total (error)",
    "unknown_category": "an unknown category code (error)",
    "negative_count": "a negative count (error)",
    "practice_not_binary": "a practice value other than 0/1 (error)",
    "duplicate_row": "a duplicated (section, category) row (error)",
    "transfer_to_self": "a transfer to the authority itself (error)",
    "retired_code": "Cumbria's code E10000006 used after its abolition in March 2023 (error)",
}
ALIAS_VARIANTS = ("header_aliases", "labels_in_words", "windows_1252", "period_words", "bom_crlf", "everything")
CUMBRIA = "E10000006"
CUMBRIA_SUCCESSOR = "E06000063"  # Cumberland: its old case system still stamps the county code


@dataclass(frozen=True)
class Stretch:
    first: date
    last: date

    def covers(self, period: date) -> bool:
        return self.first <= period <= self.last


@dataclass(frozen=True)
class Rejection:
    kind: str
    period: date
    file_code: str  # the code in the file (and its name)
    owner_code: str  # the authority that sent it


@dataclass
class Plan:
    """Which authority carries which planted problem, with the parameters of each."""

    under_recording: dict[str, float] = field(default_factory=dict)
    breakdowns_not_recorded: dict[str, tuple[Stretch, float]] = field(default_factory=dict)
    sections_missing: dict[str, tuple[Stretch, tuple[str, ...]]] = field(default_factory=dict)
    totals_not_adding_up: dict[str, tuple[Stretch, str]] = field(default_factory=dict)
    missing_months: dict[str, tuple[date, ...]] = field(default_factory=dict)
    late_submissions: dict[str, tuple[int, int]] = field(default_factory=dict)
    resubmissions: dict[str, tuple[date, ...]] = field(default_factory=dict)
    alias_labels: dict[str, str] = field(default_factory=dict)
    transfer_disagreement: list[tuple[str, str]] = field(default_factory=list)
    rejected_files: list[Rejection] = field(default_factory=list)
    nil_return_run: dict[str, Stretch] = field(default_factory=dict)

    def planted_codes(self) -> set[str]:
        codes: set[str] = set()
        for name in PROBLEM_TYPES:
            value = getattr(self, name)
            if name == "transfer_disagreement":
                codes.update(code for pair in value for code in pair)
            elif name == "rejected_files":
                codes.update(r.owner_code for r in value if r.kind != "retired_code")
            else:
                codes.update(value)
        return codes

    def rejection_for(self, code: str, period: date) -> Rejection | None:
        for rejection in self.rejected_files:
            if rejection.owner_code == code and rejection.period == period and rejection.kind != "retired_code":
                return rejection
        return None


def _stretch(rng: np.random.Generator, periods: list[date], low: float, high: float) -> Stretch:
    length = max(1, min(len(periods), round(len(periods) * rng.uniform(low, high))))
    first = int(rng.integers(0, len(periods) - length + 1))
    return Stretch(periods[first], periods[first + length - 1])


def _some_periods(rng: np.random.Generator, periods: list[date], count: int) -> tuple[date, ...]:
    # Never the latest month: a return missing there is indistinguishable from one not yet due.
    candidates = periods[:-1] or periods
    count = max(1, min(count, len(candidates)))
    chosen = rng.choice(len(candidates), size=count, replace=False)
    return tuple(sorted(candidates[int(i)] for i in chosen))


def choose_plan(reference: Reference, periods: list[date], rng: np.random.Generator) -> Plan:
    """Pick the planted authorities and their problem parameters for this range."""
    first, last = periods[0], periods[-1]
    year = last.year
    stable = [
        a for a in reference.expected_authorities(first) if a.valid_in(last) and (reference.population(a.gss_code, year) or 0) >= 15_000
    ]
    population = {a.gss_code: reference.population(a.gss_code, year) or 0 for a in stable}
    region = {a.gss_code: a.region_code for a in stable}
    taken: set[str] = set()

    def pick(count: int, low: int = 0, high: int = 10**9) -> list[str]:
        pool = sorted(c for c in population if c not in taken and low <= population[c] <= high)
        if not pool:
            pool = sorted(c for c in population if c not in taken)
        chosen = [pool[int(i)] for i in rng.choice(len(pool), size=min(count, len(pool)), replace=False)]
        taken.update(chosen)
        return sorted(chosen)

    plan = Plan()
    months = len(periods)
    # Under-recording must show in a 12-month funnel at 99.8%: big enough authorities (expected
    # under-18 concerns in a year well above 40) recording 35-42% of what they should.
    for code in pick(PER_TYPE["under_recording"], low=100_000):
        plan.under_recording[code] = round(float(rng.uniform(0.35, 0.42)), 3)
    # A run of nil returns is only implausible where several concerns a month are expected.
    nil_low = int(3.5 / BASE_RATE_PER_CHILD_MONTH)
    nil_high = int(7 / BASE_RATE_PER_CHILD_MONTH)
    for code in pick(PER_TYPE["nil_return_run"], low=nil_low, high=nil_high):
        length = max(1, min(months, int(rng.integers(4, 6))))
        start = int(rng.integers(0, months - length + 1))
        plan.nil_return_run[code] = Stretch(periods[start], periods[start + length - 1])
    for code in pick(PER_TYPE["breakdowns_not_recorded"], low=40_000):
        plan.breakdowns_not_recorded[code] = (_stretch(rng, periods, 0.35, 0.6), round(float(rng.uniform(0.7, 0.9)), 2))
    for code in pick(PER_TYPE["sections_missing"], low=40_000):
        size = int(rng.integers(1, 3))
        omitted = tuple(sorted(str(s) for s in rng.choice(SECTIONS_AT_RISK, size=size, replace=False)))
        plan.sections_missing[code] = (_stretch(rng, periods, 0.3, 0.5), omitted)
    for code in pick(PER_TYPE["totals_not_adding_up"], low=40_000):
        plan.totals_not_adding_up[code] = (_stretch(rng, periods, 0.3, 0.5), str(rng.choice(DOUBLE_COUNTED_SECTIONS)))
    for code in pick(PER_TYPE["missing_months"]):
        plan.missing_months[code] = _some_periods(rng, periods, int(rng.integers(4, 7)) * months // 67 or 1)
    for code in pick(PER_TYPE["late_submissions"]):
        plan.late_submissions[code] = (7, int(rng.integers(30, 61)))
    for code in pick(PER_TYPE["resubmissions"]):
        plan.resubmissions[code] = _some_periods(rng, periods, int(rng.integers(3, 6)) * months // 67 or 1)
    for code, variant in zip(pick(PER_TYPE["alias_labels"]), ALIAS_VARIANTS):
        plan.alias_labels[code] = variant
    for _ in range(PER_TYPE["transfer_disagreement"]):
        (sender,) = pick(1, low=30_000)
        same_region = sorted(c for c in population if c not in taken and region[c] == region[sender] and population[c] >= 30_000)
        receiver = same_region[int(rng.integers(0, len(same_region)))] if same_region else pick(1)[0]
        taken.add(receiver)
        plan.transfer_disagreement.append((sender, receiver))
    for code, kind in zip(pick(PER_TYPE["rejected_files"], low=30_000), REJECTION_KINDS):
        plan.rejected_files.append(Rejection(kind, periods[int(rng.integers(0, months))], code, code))
    after_cumbria = [p for p in periods if p > date(2023, 3, 1)]
    if after_cumbria and CUMBRIA in reference.authorities and reference.valid_in(CUMBRIA_SUCCESSOR, after_cumbria[0]):
        period = after_cumbria[min(len(after_cumbria) - 1, 2)]
        plan.rejected_files.append(Rejection("retired_code", period, CUMBRIA, CUMBRIA_SUCCESSOR))
    return plan


def ground_truth_rows(plan: Plan, periods: list[date]) -> list[dict[str, str]]:
    """One row per planted problem (per month for month-level events), in a stable order."""
    whole = (format_period(periods[0]), format_period(periods[-1]))
    rows: list[tuple[str, str, str, str, str]] = []
    for code, factor in plan.under_recording.items():
        rows.append(("under_recording", code, *whole, f"records about {factor:.0%} of the concerns expected, every month"))
    for code, (stretch, share) in plan.breakdowns_not_recorded.items():
        rows.append(
            (
                "breakdowns_not_recorded", code, format_period(stretch.first), format_period(stretch.last),
                f"about {share:.0%} NOT_RECORDED in {', '.join(SECTIONS_AT_RISK)} (age_band still recorded)",
            )
        )
    for code, (stretch, omitted) in plan.sections_missing.items():
        rows.append(
            ("sections_missing", code, format_period(stretch.first), format_period(stretch.last), f"sections omitted: {', '.join(omitted)}")
        )
    for code, (stretch, section) in plan.totals_not_adding_up.items():
        rows.append(
            (
                "totals_not_adding_up", code, format_period(stretch.first), format_period(stretch.last),
                f"{section} sums to more than total (concerns counted twice), every month",
            )
        )
    for code, months in plan.missing_months.items():
        rows.extend(("missing_months", code, format_period(p), format_period(p), "no return sent for the month") for p in months)
    for code, (low, high) in plan.late_submissions.items():
        rows.append(("late_submissions", code, *whole, f"every return arrives {low}-{high} days after the 15th of the following month"))
    for code, months in plan.resubmissions.items():
        rows.extend(
            ("resubmissions", code, format_period(p), format_period(p), "a _v2 file corrects the counts of an earlier accepted return")
            for p in months
        )
    for code, variant in plan.alias_labels.items():
        rows.append(("alias_labels", code, *whole, f"every return uses the council's own variant ({variant}); accepted with queries"))
    for sender, receiver in plan.transfer_disagreement:
        detail = f"{sender} transfer_out to {receiver} disagrees with {receiver} transfer_in from {sender}"
        rows.append(("transfer_disagreement", sender, *whole, detail + " (sending side)"))
        rows.append(("transfer_disagreement", receiver, *whole, detail + " (receiving side)"))
    for rejection in plan.rejected_files:
        detail = f"file {file_name(rejection.file_code, rejection.period)} has {REJECTION_TEXT[rejection.kind]}"
        if rejection.kind == "retired_code":
            detail += f"; sent by {rejection.owner_code}, whose own return for the month is also sent"
        else:
            detail += f"; a corrected {file_name(rejection.owner_code, rejection.period, 2)} follows"
        rows.append(("rejected_files", rejection.file_code, format_period(rejection.period), format_period(rejection.period), detail))
    for code, stretch in plan.nil_return_run.items():
        rows.append(("nil_return_run", code, format_period(stretch.first), format_period(stretch.last), "total 0 every month of the run"))
    order = {name: index for index, name in enumerate(PROBLEM_TYPES)}
    rows.sort(key=lambda row: (order[row[0]], row[1], row[2]))
    return [dict(zip(GROUND_TRUTH_COLUMNS, row)) for row in rows]


def file_name(code: str, period: date, version: int = 1, suffix: str = "csv") -> str:
    """SYNTHETIC_<gss>_<YYYY-MM>[_vN].<suffix>: the name says the file is synthetic."""
    version_part = f"_v{version}" if version > 1 else ""
    return f"SYNTHETIC_{code}_{format_period(period)}{version_part}.{suffix}"
