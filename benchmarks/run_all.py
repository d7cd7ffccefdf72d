"""`make bench`: every benchmark in turn; results land in benchmarks/results/."""

from __future__ import annotations

import importlib
import json

BENCHMARKS = ["benchmarks.etl_bench", "benchmarks.ground_truth_eval", "benchmarks.dashboard_bench", "benchmarks.context_bench"]


def main() -> None:
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        results = importlib.import_module(name).main()
        print(json.dumps(results, indent=2, default=str), flush=True)


if __name__ == "__main__":
    main()
