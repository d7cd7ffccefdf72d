"""ETL benchmark: the whole synthetic demo (generate + full load + score) and a one-month refresh.

Each step runs as a separate `oversight` process so its wall time and peak memory (max RSS) are
measured as a user would see them. Results go to benchmarks/results/etl.md and etl.json.

Targets (issue 2 and 3): full load of the demo < 60 s, one-month refresh < 5 s, scoring < 10 s.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
OVERSIGHT = str(Path(sys.executable).parent / "oversight")


def _run(args: list[str]) -> dict:
    """Run one oversight command; return wall seconds, its peak RSS in MiB and its JSON output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([OVERSIGHT, *args, "--json"], stdout=out, stderr=err, text=True)
        # wait4 rather than Popen.wait: it also returns the child's own resource usage (peak RSS).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"`oversight {' '.join(args)}` failed:\n{err.read()}")
        text = out.read()
    return {"seconds": elapsed, "peak_rss_mib": usage.ru_maxrss / 1024, "output": json.loads(text) if text.strip() else None}


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    try:
        inbox, db = work / "inbox", work / "oversight.duckdb"
        demo = _run(["demo", "--out", str(inbox)])
        files = len([p for p in inbox.iterdir() if p.suffix in {".csv", ".xlsx"}])

        # Hold back the last month so it can be refreshed on its own afterwards.
        last = work / "last-month"
        last.mkdir()
        for path in inbox.glob("*_2026-10*"):
            shutil.move(str(path), last / path.name)
        held_back = len(list(last.iterdir()))

        full = _run(["refresh", "--inbox", str(inbox), "--db", str(db)])
        month = _run(["refresh", "--inbox", str(last), "--db", str(db)])
        score = _run(["score", "--db", str(db)])
        loaded = files - held_back
        results = {
            "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "demo_files": files,
            "demo_generate_s": round(demo["seconds"], 2),
            "full_load_files": loaded,
            "full_load_s": round(full["seconds"], 2),
            "full_load_returns_per_s": round(loaded / full["seconds"], 1),
            "full_load_peak_rss_mib": round(full["peak_rss_mib"], 1),
            "month_refresh_files": held_back,
            "month_refresh_s": round(month["seconds"], 2),
            "month_refresh_peak_rss_mib": round(month["peak_rss_mib"], 1),
            "rescore_s": round(score["seconds"], 2),
            "rescore_peak_rss_mib": round(score["peak_rss_mib"], 1),
            "db_size_mib": round(db.stat().st_size / 2**20, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _write(results)
    return results


def _write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "etl.json").write_text(json.dumps(results, indent=2) + "\n")
    rows = [
        ("Generate demo (`oversight demo`)", f"{results['demo_generate_s']} s", f"{results['demo_files']} files", "-"),
        ("Full load of the demo (`oversight refresh`, incl. scoring)", f"{results['full_load_s']} s",
         f"{results['full_load_returns_per_s']} returns/s, peak {results['full_load_peak_rss_mib']} MiB", "< 60 s"),
        ("One-month refresh on the full database", f"{results['month_refresh_s']} s",
         f"{results['month_refresh_files']} files, peak {results['month_refresh_peak_rss_mib']} MiB", "< 5 s"),
        ("Rescore everything (`oversight score`)", f"{results['rescore_s']} s",
         f"peak {results['rescore_peak_rss_mib']} MiB", "< 10 s"),
    ]
    lines = [
        "# ETL benchmark",
        "",
        f"Recorded {results['recorded_at']} on {results['machine']} by `make bench` "
        "(`python -m benchmarks.etl_bench`). Wall time of each `oversight` process; peak memory is its max RSS.",
        "",
        "| step | time | detail | target |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        f"Database size after the full load: {results['db_size_mib']} MiB.",
        "",
    ]
    (RESULTS / "etl.md").write_text("\n".join(lines))


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
