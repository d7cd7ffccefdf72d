"""Transfers of concern records between authorities when families move, for the synthetic demo.

About TRANSFER_SHARE of concerns lead to a record being sent to another authority (mostly in the same
region). The sender books transfer_out in the month it sends; the receiver books transfer_in in the
same month or, for about NEXT_MONTH_SHARE of them, the month after. Receivers planted as
`transfers_not_recorded` never book a receipt (their senders are honest), so each such record is
lost on the receiving side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..reference import Reference

# Records sent to another authority per concern recorded nationally (about 45 a month).
TRANSFER_SHARE = 0.06
SAME_REGION_SHARE = 0.7
NEXT_MONTH_SHARE = 0.3
# The same pair is not used again within this many months, so each transfer matches unambiguously.
PAIR_COOLDOWN_MONTHS = 3


@dataclass
class TransferBook:
    """Counts recorded by each side: (authority, period) -> {counterparty: count}."""

    sent: dict[tuple[str, date], dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    received: dict[tuple[str, date], dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    honest_events: int = 0
    # Records sent to a receiver that never books them: receiver -> count.
    unrecorded: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, book: dict, code: str, period: date, counterparty: str, count: int) -> None:
        if count > 0:
            entry = book[(code, period)]
            entry[counterparty] = entry.get(counterparty, 0) + count


def build_transfers(
    reference: Reference,
    periods: list[date],
    national_mean: list[float],
    never_record: set[str],
    population_year: int,
    rng: np.random.Generator,
) -> TransferBook:
    """national_mean: the expected national total of concerns in each period (drives the volume)."""
    book = TransferBook()
    population: dict[str, int] = {}  # the reference searches for the nearest published year on every call
    last_used: dict[tuple[str, str], int] = {}
    for index, period in enumerate(periods):
        valid = reference.expected_authorities(period)
        if len(valid) < 2:
            continue
        codes = [a.gss_code for a in valid]
        weights = np.array([population.setdefault(c, reference.population(c, population_year) or 1) for c in codes], dtype=float)
        weights /= weights.sum()
        region = {a.gss_code: a.region_code for a in valid}
        for _ in range(int(rng.poisson(TRANSFER_SHARE * national_mean[index]))):
            s = int(rng.choice(len(codes), p=weights))
            sender = codes[s]
            if rng.random() < SAME_REGION_SHARE:
                pool = [i for i, c in enumerate(codes) if c != sender and region[c] == region[sender]]
            else:
                pool = [i for i, c in enumerate(codes) if c != sender]
            if not pool:
                continue
            pool_weights = weights[pool] / weights[pool].sum()
            receiver = codes[pool[int(rng.choice(len(pool), p=pool_weights))]]
            count = 1 + int(rng.random() < 0.15)  # now and then siblings: two records
            next_month = rng.random() < NEXT_MONTH_SHARE
            if index - last_used.get((sender, receiver), -99) < PAIR_COOLDOWN_MONTHS:
                continue
            last_used[(sender, receiver)] = index
            received_in = period
            # Booked the month after only while both codes still exist (a return may not name an abolished one).
            if next_month and index + 1 < len(periods) and all(reference.valid_in(c, periods[index + 1]) for c in (sender, receiver)):
                received_in = periods[index + 1]
            book.add(book.sent, sender, period, receiver, count)
            if receiver in never_record:
                book.unrecorded[receiver] += count
            else:
                book.add(book.received, receiver, received_in, sender, count)
            book.honest_events += 1
    return book
