"""`make bench`: every benchmark in turn; results land in benchmarks/results/."""

from __future__ import annotations

import importlib
import json

# Each benchmark's main(argv); the ground-truth evaluation writes the tracked results only when asked.
BENCHMARKS = [("benchmarks.etl_bench", None), ("benchmarks.ground_truth_eval", ["--record"]), ("benchmarks.dashboard_bench", None),
              ("benchmarks.context_bench", None), ("benchmarks.change_detection_power", ["--rates", "1", "2", "6", "--record"]),
              ("benchmarks.independent_dataset", ["--record"]), ("benchmarks.step_drop_operating_points", ["--record"])]


def main() -> None:
    for name, argv in BENCHMARKS:
        print(f"== {name}", flush=True)
        module = importlib.import_module(name)
        results = module.main(argv) if argv is not None else module.main()
        print(json.dumps(results, indent=2, default=str), flush=True)


if __name__ == "__main__":
    main()
