"""Transfers of concern records between authorities when families move, for the synthetic demo.

Honest pairs reconcile: A's transfer_out to B in a month equals B's transfer_in from A in that month or
the next. Planted pairs (ground truth `transfer_disagreement`) disagree persistently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ..reference import Reference

HONEST_TRANSFERS_PER_MONTH = 5.0
SAME_REGION_SHARE = 0.8
NEXT_MONTH_SHARE = 0.3
# The same pair is not used again within this many months, so each transfer matches unambiguously.
PAIR_COOLDOWN_MONTHS = 3
DISAGREEING_MONTH_SHARE = 0.75


@dataclass
class TransferBook:
    """Counts recorded by each side: (authority, period) -> {counterparty: count}."""

    sent: dict[tuple[str, date], dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    received: dict[tuple[str, date], dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    honest_events: int = 0

    def add(self, book: dict, code: str, period: date, counterparty: str, count: int) -> None:
        if count > 0:
            entry = book[(code, period)]
            entry[counterparty] = entry.get(counterparty, 0) + count


def build_transfers(
    reference: Reference,
    periods: list[date],
    clean_codes: set[str],
    disagreeing_pairs: list[tuple[str, str]],
    population_year: int,
    rng: np.random.Generator,
) -> TransferBook:
    book = TransferBook()
    last_used: dict[tuple[str, str], int] = {}
    for index, period in enumerate(periods):
        valid = [a for a in reference.expected_authorities(period) if a.gss_code in clean_codes]
        if len(valid) < 2:
            continue
        codes = [a.gss_code for a in valid]
        weights = np.array([reference.population(c, population_year) or 1 for c in codes], dtype=float)
        weights /= weights.sum()
        region = {a.gss_code: a.region_code for a in valid}
        for _ in range(int(rng.poisson(HONEST_TRANSFERS_PER_MONTH))):
            sender = codes[int(rng.choice(len(codes), p=weights))]
            same_region = [c for c in codes if c != sender and region[c] == region[sender]]
            pool = same_region if same_region and rng.random() < SAME_REGION_SHARE else [c for c in codes if c != sender]
            receiver = pool[int(rng.integers(0, len(pool)))]
            if index - last_used.get((sender, receiver), -99) < PAIR_COOLDOWN_MONTHS:
                continue
            last_used[(sender, receiver)] = index
            count = 1 + int(rng.random() < 0.15)
            received_in = period
            if index + 1 < len(periods) and rng.random() < NEXT_MONTH_SHARE:
                following = periods[index + 1]
                if reference.valid_in(receiver, following):
                    received_in = following
            book.add(book.sent, sender, period, receiver, count)
            book.add(book.received, receiver, received_in, sender, count)
            book.honest_events += 1
        for sender, receiver in disagreeing_pairs:
            if rng.random() >= DISAGREEING_MONTH_SHARE:
                continue
            sent = 1 + int(rng.poisson(0.8))
            gap = 1 + int(rng.poisson(0.3))
            received = sent + gap if rng.random() < 0.3 else max(0, sent - gap)
            book.add(book.sent, sender, period, receiver, sent)
            book.add(book.received, receiver, period, sender, received)
    return book
