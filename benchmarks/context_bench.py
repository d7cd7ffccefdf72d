"""Context import benchmark: the real DfE children in need and referrals files, a re-import (unchanged),
and a larger invented tidy file (122,400 values), each as a separate `oversight import-context` process
(wall time and peak memory). Results go to benchmarks/results/context.md and context.json.

Run alone with `.venv/bin/python -m benchmarks.context_bench`.
"""

from __future__ import annotations

import csv
import json
import platform
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.etl_bench import RESULTS, ROOT, _run

CONTEXT_DIR = ROOT / "data" / "reference" / "context"


def _large_file(path: Path) -> int:
    """An invented tidy file: 153 authorities x 10 academic years x 4 x 5 filter values, 4 indicators."""
    from etl.reference import load_reference

    authorities = [a for a in load_reference().authorities.values() if a.valid_to is None]
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "old_la_code", "new_la_code", "la_name", "phase", "characteristic",
              "pupils", "teachers", "ratio", "vacancies"]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for year in range(2015, 2025):
            period = f"{year}{(year + 1) % 100:02d}"
            for a in authorities:
                for phase in ("Primary", "Secondary", "Special", "Total"):
                    for characteristic in ("A", "B", "C", "D", "Total"):
                        n = (rows * 37) % 5000 + 10
                        writer.writerow([period, "Academic year", "Local authority", "E92000001", "England", a.region_code,
                                         a.region_name, a.dfe_code, a.gss_code, a.name, phase, characteristic, n, n // 17 + 1,
                                         f"{n / (n // 17 + 1):.1f}", "c" if rows % 11 == 0 else rows % 7])
                        rows += 1
    return rows * 4


def main() -> dict:
    real = sorted(str(p) for p in CONTEXT_DIR.glob("*.csv") if not p.name.endswith(".meta.csv"))
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.duckdb"
        first = _run(["import-context", *real, "--db", str(db)])
        again = _run(["import-context", *real, "--db", str(db)])
        large = Path(folder) / "invented-workforce-2015-2025.csv"
        values = _large_file(large)
        big = _run(["import-context", str(large), "--db", str(db)])
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "real_files_import_s": first["seconds"], "real_files_import_max_rss_mib": first["peak_rss_mib"],
        "real_files_values": sum(r["values"] for r in first["output"]),
        "reimport_unchanged_s": again["seconds"],
        "reimport_statuses": sorted({r["status"] for r in again["output"]}),
        "large_file_values": values, "large_file_import_s": big["seconds"], "large_file_max_rss_mib": big["peak_rss_mib"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "context.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "context.md").write_text(
        "# Context import benchmark\n\n"
        f"Measured {results['measured_at']} on {results['machine']} (`python -m benchmarks.context_bench`).\n\n"
        "| step | wall time | peak memory |\n|---|---|---|\n"
        f"| import the real children in need and referrals files ({results['real_files_values']:,} values) into a new database "
        f"| {first['seconds']:.2f} s | {first['peak_rss_mib']:.0f} MiB |\n"
        f"| the same files again (unchanged: the database is not rewritten) | {again['seconds']:.2f} s | {again['peak_rss_mib']:.0f} MiB |\n"
        f"| an invented tidy file of {values:,} values (academic years, two filters) | {big['seconds']:.2f} s | {big['peak_rss_mib']:.0f} MiB |\n",
        encoding="utf-8",
    )
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
