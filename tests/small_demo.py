"""A small synthetic database for page, callback and query tests: a handful of authorities x 13 months.

Built through the real pipeline as the full demo is (`generate_demo` -> `refresh`, which validates,
loads and scores), from the same synthetic model with its planted recording problems, but keeping
only the returns of a few authorities:

- the first two authorities (by GSS code) of each of the nine regions, so every region, the funnel and
  the regional tables have members with returns (London's first is the City of London, E09000001);
- the first authority planted with each problem type in the ground truth (under-recording, late
  returns, missing months, rejected files, resubmissions, council variants...), so the score
  explanations, flags, issues and the chase list have something to show.

Every other authority owes returns too (the reference is national) and sent none: it shows as
missing, as a council that never sent a return would. About 30 authorities' files instead of 153's,
and 13 months instead of 67: the database builds in a fraction of the demo's time, so page tests stay
quick as they grow.
"""

from __future__ import annotations

import csv
from pathlib import Path

from etl.demo import generate_demo
from etl.load import refresh
from etl.periods import parse_period
from etl.reference import load_reference

SEED = 20261129
PER_REGION = 2


def chosen_authorities(ground_truth: Path, end: str) -> set[str]:
    """The authorities whose returns the small database keeps (see the module docstring)."""
    reference = load_reference()
    owing = sorted(reference.expected_authorities(parse_period(end)), key=lambda a: a.gss_code)
    chosen: set[str] = set()
    per_region: dict[str, int] = {}
    for authority in owing:
        if per_region.get(authority.region_code, 0) < PER_REGION:
            per_region[authority.region_code] = per_region.get(authority.region_code, 0) + 1
            chosen.add(authority.gss_code)
    with ground_truth.open(encoding="utf-8", newline="") as handle:
        planted: dict[str, str] = {}
        for row in csv.DictReader(handle):
            planted.setdefault(row["problem_type"], row["authority_code"])
    return chosen | set(planted.values())


def build_small_demo(root: Path, start: str, end: str) -> Path:
    """Generate the demo for start..end into root, keep the chosen authorities' files, load and score
    them; returns the database path (root/oversight.duckdb)."""
    inbox = root / "inbox"
    generate_demo(inbox, seed=SEED, start=start, end=end)
    keep = chosen_authorities(root / "ground_truth.csv", end)
    for path in inbox.iterdir():
        if path.suffix in (".csv", ".xlsx") and path.name.split("_")[1] not in keep:  # SYNTHETIC_<gss>_<period>...
            path.unlink()
    db = root / "oversight.duckdb"
    refresh(inbox, db)
    return db
