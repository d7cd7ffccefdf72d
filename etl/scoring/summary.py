"""What one rescore wrote: counts, the configuration version and the time it took."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ScoreSummary:
    config_version: str
    authorities: int = 0
    periods: int = 0
    scores: int = 0
    components: int = 0
    flags: int = 0
    significantly_low: int = 0
    transfers: int = 0
    transfers_unreconciled: int = 0
    latest_period: str | None = None
    duration_s: float = 0.0
    months_changed: int = 0  # distinct months whose stored rows this rescore changed (etl/scoring/marts.py)
    marts_replaced: int = 0  # marts rewritten whole (most of their months changed, or `oversight score`)

    def describe(self) -> str:
        if not self.scores:
            return f"No returns to score yet (configuration {self.config_version}); took {self.duration_s:.2f} s."
        return (
            f"Scored {self.authorities} authorities over {self.periods} months (latest {self.latest_period}): "
            f"{self.scores:,} scores, {self.components:,} explanation rows, {self.flags:,} flags "
            f"({self.significantly_low} significantly low), {self.transfers:,} transfer records "
            f"({self.transfers_unreconciled} not reconciled); configuration {self.config_version}; "
            f"{self._changes()}; {self.duration_s:.2f} s."
        )

    def _changes(self) -> str:
        months = "1 month" if self.months_changed == 1 else f"{self.months_changed} months"
        written = f"{self.marts_replaced} tables rewritten whole" if self.marts_replaced else "only those months written"
        return f"results changed in {months} ({written})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
