"""Damaged returns, thousands of them, each answered with specific findings by a process that lives.

tests/support/fuzz_returns.py damages real CSV and XLSX returns at random (fixed seeds, so a failure
reproduces) and checks each with the validator in a child process: the test fails when the process dies
(as a Rust allocation failure in the XLSX reader once made it) or when any finding is the catch-all
"could not be checked", an exception that escaped the check meant to name the problem.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FUZZER = Path(__file__).resolve().parent / "support" / "fuzz_returns.py"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_damaged_return_gets_specific_findings_and_the_validating_process_lives(seed):
    done = subprocess.run([sys.executable, str(FUZZER), "--seed", str(seed), "--cases", "1500"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the validating process died (exit {done.returncode}): {done.stderr[:600]}"
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["cases"] == 1500
    assert not found["failures"], (
        f"seed {seed}: exceptions escaped the checks (rerun: python tests/support/fuzz_returns.py --seed {seed}):\n"
        + "\n".join(found["failures"]))
