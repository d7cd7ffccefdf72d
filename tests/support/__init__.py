"""Test support shared by the browser tests, the disclosure crawler and the benchmarks (not shipped)."""
