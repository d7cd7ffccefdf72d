"""The recording problems planted in the synthetic demo, in which authorities, and their ground truth.

Each recording problem goes to a handful of authorities of every size (small, medium and large: the
tertiles of the usual monthly level), chosen by the seed and disjoint across types, so that the
scoring's recall per type and its precision over clean authorities can be measured. File events
(rejected files, resubmissions, council variants) are planted too, for the loader's story; they are
listed in the ground truth with category `file_event`. Some clean authorities get ordinary noise (one
missing month, one late return, one small mismatch): they stay clean in the ground truth, and the
noise is listed in clean_noise.csv. Authorities that exist for only part of the range
(reorganisations) and the tiniest (City of London, Isles of Scilly) are never planted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..periods import format_period
from ..reference import Reference

RECORDING_TYPES = (
    "under_recording",
    "breakdowns_not_recorded",
    "totals_not_adding_up",
    "late_submissions",
    "missing_months",
    "nil_return_run",
    "step_drop",
    "coding_drift",
    "family_flag_unused",
    "transfers_not_recorded",
)
FILE_EVENT_TYPES = ("resubmissions", "alias_labels", "rejected_files")
PROBLEM_TYPES = RECORDING_TYPES + FILE_EVENT_TYPES
GROUND_TRUTH_COLUMNS = (
    "problem_type", "authority_code", "period_from", "period_to", "detail",
    "category", "size_band", "usual_per_month", "false_declaration",
)
NOISE_COLUMNS = ("noise", "authority_code", "period", "detail")
NOISE_KINDS = ("missing_month", "late_return", "small_mismatch")
SIZE_BANDS = ("small", "medium", "large")

# Authorities per recording type; the first three are one small, one medium and one large.
PER_RECORDING_TYPE = 5
PER_FILE_EVENT = {"resubmissions": 4, "alias_labels": 6}
# Share of clean authorities that get ordinary noise (the issue asks for 15-20%).
NOISE_SHARE = 0.175
SECOND_NOISE_SHARE = 0.25
# Never planted: too small for any of their counts to mean much.
MIN_CHILDREN = 15_000
# A step drop needs a usual level where a quarter of it is visibly less (the issue: >= 3 a month).
STEP_DROP_MIN_USUAL = 3.0
# Sections that may be left unrecorded. age_band is kept: the under-18 recording rate (the funnel
# measure) comes from it, so emptying it would look like under-recording too.
SECTIONS_AT_RISK = ("concern_type", "sex", "referral_source", "action")
# Where councils count one concern twice: two ideologies, two referrers, two first actions.
DOUBLE_COUNTED_SECTIONS = ("concern_type", "referral_source", "action")
NOISE_SECTIONS = ("concern_type", "age_band", "sex", "referral_source", "action")
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


@dataclass(frozen=True)
class Late:
    share: float  # share of the returns that arrive late
    low: int  # days after the deadline
    high: int


@dataclass(frozen=True)
class Drift:
    stretch: Stretch  # from the start of the drift to the end of the range
    ramp_months: int
    uncoded_share: float  # the share of concerns in OTHER / MIXED_UNCLEAR_UNSTABLE once drifted
    false_declaration: bool  # keeps declaring USES_NATIONAL_CATEGORIES = 1


@dataclass(frozen=True)
class Noise:
    kind: str
    period: date
    detail: str
    section: str = ""  # small_mismatch: the section that sums to one more than total
    days_late: int = 0  # late_return


@dataclass
class Plan:
    """Which authority carries which planted problem, with the parameters of each."""

    size_band: dict[str, str] = field(default_factory=dict)
    usual: dict[str, float] = field(default_factory=dict)
    under_recording: dict[str, float] = field(default_factory=dict)
    breakdowns_not_recorded: dict[str, tuple[Stretch, float]] = field(default_factory=dict)
    totals_not_adding_up: dict[str, tuple[Stretch, str]] = field(default_factory=dict)
    late_submissions: dict[str, Late] = field(default_factory=dict)
    missing_months: dict[str, tuple[date, ...]] = field(default_factory=dict)
    nil_return_run: dict[str, Stretch] = field(default_factory=dict)
    step_drop: dict[str, tuple[Stretch, float]] = field(default_factory=dict)
    coding_drift: dict[str, Drift] = field(default_factory=dict)
    family_flag_unused: dict[str, bool] = field(default_factory=dict)  # code -> falsely declares the practice
    transfers_not_recorded: dict[str, Stretch] = field(default_factory=dict)
    resubmissions: dict[str, tuple[date, ...]] = field(default_factory=dict)
    alias_labels: dict[str, str] = field(default_factory=dict)
    rejected_files: list[Rejection] = field(default_factory=list)
    noise: dict[str, tuple[Noise, ...]] = field(default_factory=dict)
    # Transfers addressed to each transfers_not_recorded receiver, filled in when the transfers are built.
    unrecorded_receipts: dict[str, int] = field(default_factory=dict)

    def planted_codes(self) -> set[str]:
        codes: set[str] = set()
        for name in PROBLEM_TYPES:
            value = getattr(self, name)
            if name == "rejected_files":
                codes.update(r.owner_code for r in value if r.kind != "retired_code")
            else:
                codes.update(value)
        return codes

    def rejection_for(self, code: str, period: date) -> Rejection | None:
        for rejection in self.rejected_files:
            if rejection.owner_code == code and rejection.period == period and rejection.kind != "retired_code":
                return rejection
        return None

    def noise_in(self, code: str, period: date, kind: str) -> Noise | None:
        return next((n for n in self.noise.get(code, ()) if n.period == period and n.kind == kind), None)


def _stretch(rng: np.random.Generator, periods: list[date], low: float, high: float) -> Stretch:
    length = max(1, min(len(periods), round(len(periods) * rng.uniform(low, high))))
    first = int(rng.integers(0, len(periods) - length + 1))
    return Stretch(periods[first], periods[first + length - 1])


def _some_periods(rng: np.random.Generator, periods: list[date], count: int, spare_last: int = 2) -> tuple[date, ...]:
    # Never the latest months: a return missing there is indistinguishable from one not yet due.
    candidates = periods[:-spare_last] if len(periods) > spare_last else periods
    count = max(1, min(count, len(candidates)))
    chosen = rng.choice(len(candidates), size=count, replace=False)
    return tuple(sorted(candidates[int(i)] for i in chosen))


class _Picker:
    """Draws disjoint authorities from the stable pool, by size band."""

    def __init__(self, usual: dict[str, float], band: dict[str, str], rng: np.random.Generator) -> None:
        self.usual, self.band, self.rng = usual, band, rng
        self.taken: set[str] = set()

    def one(self, band: str | None, minimum: float = 0.0) -> str:
        eligible = sorted(c for c in self.usual if c not in self.taken and self.usual[c] >= minimum)
        pool = [c for c in eligible if band is None or self.band[c] == band] or eligible
        code = pool[int(self.rng.integers(0, len(pool)))]
        self.taken.add(code)
        return code

    def mixed(self, count: int, minimum: float = 0.0) -> list[str]:
        """One small, one medium and one large authority, then bands drawn at random."""
        bands = list(SIZE_BANDS) + [SIZE_BANDS[int(self.rng.integers(0, 3))] for _ in range(max(0, count - 3))]
        return [self.one(band, minimum) for band in bands[:count]]


def size_bands(usual: dict[str, float]) -> dict[str, str]:
    """small / medium / large: the tertiles of the usual monthly level over the stable authorities."""
    values = np.array(sorted(usual.values()))
    low, high = np.quantile(values, [1 / 3, 2 / 3])
    return {c: "small" if u < low else "medium" if u < high else "large" for c, u in usual.items()}


def choose_plan(reference: Reference, periods: list[date], usual_all: dict[str, float], rng: np.random.Generator) -> Plan:
    """Pick the planted authorities and their problem parameters for this range.

    usual_all: each authority's usual monthly level (the model's mean before season, trend and drift).
    """
    first, last = periods[0], periods[-1]
    year = last.year
    stable = [
        a.gss_code for a in reference.expected_authorities(first)
        if a.valid_in(last) and (reference.population(a.gss_code, year) or 0) >= MIN_CHILDREN
    ]
    usual = {code: usual_all[code] for code in stable}
    plan = Plan(size_band=size_bands(usual), usual=usual)
    picker = _Picker(usual, plan.size_band, rng)
    months = len(periods)

    # The constrained type first, so its small authority can still be found.
    latest_drop = max(0, months - 8)
    earliest_drop = min(12, latest_drop)
    for code in picker.mixed(PER_RECORDING_TYPE, STEP_DROP_MIN_USUAL):
        index = int(rng.integers(earliest_drop, latest_drop + 1))
        plan.step_drop[code] = (Stretch(periods[index], last), round(float(rng.uniform(0.2, 0.3)), 2))
    for code in picker.mixed(PER_RECORDING_TYPE):
        plan.under_recording[code] = round(float(rng.uniform(0.3, 0.45)), 2)
    for code in picker.mixed(PER_RECORDING_TYPE):
        plan.breakdowns_not_recorded[code] = (_stretch(rng, periods, 0.35, 0.6), round(float(rng.uniform(0.5, 0.85)), 2))
    for code in picker.mixed(PER_RECORDING_TYPE):
        plan.totals_not_adding_up[code] = (_stretch(rng, periods, 0.3, 0.5), str(rng.choice(DOUBLE_COUNTED_SECTIONS)))
    for code in picker.mixed(PER_RECORDING_TYPE):
        plan.late_submissions[code] = Late(round(float(rng.uniform(0.6, 1.0)), 2), 5, int(rng.integers(25, 46)))
    for code in picker.mixed(PER_RECORDING_TYPE):
        plan.missing_months[code] = _some_periods(rng, periods, int(rng.integers(3, 7)) * months // 67 or 1)
    for code in picker.mixed(PER_RECORDING_TYPE):
        # A run long enough that the authority would usually have recorded a dozen concerns in it.
        length = min(months, max(4, min(12, math.ceil(12 / max(usual[code], 0.5)))))
        start = int(rng.integers(0, max(1, months - length - 1)))
        plan.nil_return_run[code] = Stretch(periods[start], periods[min(months - 1, start + length - 1)])
    for index, code in enumerate(picker.mixed(PER_RECORDING_TYPE)):
        start = int(rng.integers(0, max(1, int(months * 0.6))))
        plan.coding_drift[code] = Drift(
            Stretch(periods[start], last), int(rng.integers(3, 9)), round(float(rng.uniform(0.75, 0.92)), 2), index % 2 == 0
        )
    for index, code in enumerate(picker.mixed(PER_RECORDING_TYPE)):
        plan.family_flag_unused[code] = index % 2 == 0
    for code in picker.mixed(PER_RECORDING_TYPE):
        plan.transfers_not_recorded[code] = Stretch(first, last)

    for code in picker.mixed(PER_FILE_EVENT["resubmissions"]):
        plan.resubmissions[code] = _some_periods(rng, periods, int(rng.integers(2, 5)) * months // 67 or 1, spare_last=1)
    for code, variant in zip(picker.mixed(PER_FILE_EVENT["alias_labels"]), ALIAS_VARIANTS):
        plan.alias_labels[code] = variant
    for code, kind in zip(picker.mixed(len(REJECTION_KINDS)), REJECTION_KINDS):
        plan.rejected_files.append(Rejection(kind, periods[int(rng.integers(0, months))], code, code))
    after_cumbria = [p for p in periods if p > date(2023, 3, 1)]
    if after_cumbria and CUMBRIA in reference.authorities and reference.valid_in(CUMBRIA_SUCCESSOR, after_cumbria[0]):
        period = after_cumbria[min(len(after_cumbria) - 1, 2)]
        plan.rejected_files.append(Rejection("retired_code", period, CUMBRIA, CUMBRIA_SUCCESSOR))

    _plant_noise(plan, reference, periods, rng)
    return plan


def _plant_noise(plan: Plan, reference: Reference, periods: list[date], rng: np.random.Generator) -> None:
    """Ordinary noise in NOISE_SHARE of the clean authorities (counted over every clean authority
    owing returns in the range; drawn from the stable ones)."""
    planted = plan.planted_codes() | {r.file_code for r in plan.rejected_files}
    owing = {a.gss_code for p in periods for a in reference.expected_authorities(p)}
    clean = owing - planted
    candidates = sorted(c for c in plan.usual if c not in planted)
    count = min(len(candidates), round(NOISE_SHARE * len(clean)))
    if not count or len(periods) < 4:
        return
    usable = periods[:-2]
    for index in sorted(int(i) for i in rng.choice(len(candidates), size=count, replace=False)):
        code = candidates[index]
        kinds = [NOISE_KINDS[int(rng.integers(0, len(NOISE_KINDS)))]]
        if rng.random() < SECOND_NOISE_SHARE:
            kinds.append(next(k for k in NOISE_KINDS[int(rng.integers(0, 3)):] + NOISE_KINDS if k not in kinds))
        events = []
        used: set[date] = set()
        for kind in kinds:
            period = usable[int(rng.integers(0, len(usable)))]
            while period in used:
                period = usable[int(rng.integers(0, len(usable)))]
            used.add(period)
            if kind == "missing_month":
                events.append(Noise(kind, period, "no return sent for this one month"))
            elif kind == "late_return":
                days = int(rng.integers(2, 11))
                events.append(Noise(kind, period, f"this one return arrives {days} days after the deadline", days_late=days))
            else:
                section = NOISE_SECTIONS[int(rng.integers(0, len(NOISE_SECTIONS)))]
                events.append(Noise(kind, period, f"{section} sums to one more than total in this one return", section=section))
        plan.noise[code] = tuple(sorted(events, key=lambda n: n.period))


def ground_truth_rows(plan: Plan, periods: list[date]) -> list[dict[str, str]]:
    """One row per planted problem (per month for month-level events), in a stable order."""
    whole = (format_period(periods[0]), format_period(periods[-1]))
    rows: list[tuple[str, ...]] = []

    def add(kind: str, code: str, span: tuple[str, str], detail: str, false_declaration: str = "") -> None:
        category = "file_event" if kind in FILE_EVENT_TYPES else "recording"
        band = plan.size_band.get(code, "")
        usual = f"{plan.usual[code]:.2f}" if code in plan.usual else ""
        rows.append((kind, code, *span, detail, category, band, usual, false_declaration))

    def span(stretch: Stretch) -> tuple[str, str]:
        return format_period(stretch.first), format_period(stretch.last)

    for code, factor in plan.under_recording.items():
        add("under_recording", code, whole, f"records about {factor:.0%} of the concerns expected, every month")
    for code, (stretch, share) in plan.breakdowns_not_recorded.items():
        add("breakdowns_not_recorded", code, span(stretch), f"about {share:.0%} NOT_RECORDED in {', '.join(SECTIONS_AT_RISK)} (age_band still recorded)")
    for code, (stretch, section) in plan.totals_not_adding_up.items():
        add("totals_not_adding_up", code, span(stretch), f"{section} sums to more than total (concerns counted twice), every month")
    for code, late in plan.late_submissions.items():
        add("late_submissions", code, whole, f"about {late.share:.0%} of returns arrive {late.low}-{late.high} days after the deadline")
    for code, months in plan.missing_months.items():
        for p in months:
            add("missing_months", code, (format_period(p), format_period(p)), f"no return sent for the month ({len(months)} such months)")
    for code, stretch in plan.nil_return_run.items():
        add("nil_return_run", code, span(stretch), f"total 0 every month of the run where about {plan.usual[code]:.1f} a month are usual")
    for code, (stretch, factor) in plan.step_drop.items():
        add("step_drop", code, span(stretch), f"from {format_period(stretch.first)} records about {factor:.0%} of its usual {plan.usual[code]:.1f} a month")
    for code, drift in plan.coding_drift.items():
        declared = "declares USES_NATIONAL_CATEGORIES=1" if drift.false_declaration else "declares USES_NATIONAL_CATEGORIES=0"
        add(
            "coding_drift", code, span(drift.stretch),
            f"concern types drift over {drift.ramp_months} months to about {drift.uncoded_share:.0%} OTHER / MIXED_UNCLEAR_UNSTABLE; {declared}",
            "yes" if drift.false_declaration else "no",
        )
    for code, false_declaration in plan.family_flag_unused.items():
        declared = "declares SYSTEM_FLAGS_FAMILY_MEMBERS=1" if false_declaration else "declares SYSTEM_FLAGS_FAMILY_MEMBERS=0"
        add("family_flag_unused", code, whole, f"FAMILY_MEMBER_KNOWN_TO_PREVENT is 0 in every return; {declared}", "yes" if false_declaration else "no")
    for code, stretch in plan.transfers_not_recorded.items():
        add(
            "transfers_not_recorded", code, span(stretch),
            f"never records a transfer_in: {plan.unrecorded_receipts.get(code, 0)} records sent to it by honest senders are not booked",
        )
    for code, months in plan.resubmissions.items():
        for p in months:
            add("resubmissions", code, (format_period(p), format_period(p)), "a _v2 file corrects the counts of an earlier accepted return")
    for code, variant in plan.alias_labels.items():
        add("alias_labels", code, whole, f"every return uses the council's own variant ({variant}); accepted with queries")
    for rejection in plan.rejected_files:
        detail = f"file {file_name(rejection.file_code, rejection.period)} has {REJECTION_TEXT[rejection.kind]}"
        if rejection.kind == "retired_code":
            detail += f"; sent by {rejection.owner_code}, whose own return for the month is also sent"
        else:
            detail += f"; a corrected {file_name(rejection.owner_code, rejection.period, 2)} follows"
        p = format_period(rejection.period)
        add("rejected_files", rejection.file_code, (p, p), detail)
    order = {name: index for index, name in enumerate(PROBLEM_TYPES)}
    rows.sort(key=lambda row: (order[row[0]], row[1], row[2]))
    return [dict(zip(GROUND_TRUTH_COLUMNS, row)) for row in rows]


def noise_rows(plan: Plan) -> list[dict[str, str]]:
    rows = [
        {"noise": n.kind, "authority_code": code, "period": format_period(n.period), "detail": n.detail}
        for code, events in sorted(plan.noise.items())
        for n in events
    ]
    return rows


def file_name(code: str, period: date, version: int = 1, suffix: str = "csv") -> str:
    """SYNTHETIC_<gss>_<YYYY-MM>[_vN].<suffix>: the name says the file is synthetic."""
    version_part = f"_v{version}" if version > 1 else ""
    return f"SYNTHETIC_{code}_{format_period(period)}{version_part}.{suffix}"
