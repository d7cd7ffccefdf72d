"""The words of messages shown to people: counts with their noun in the right number."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 issue', '3 issues', '1 authority', '2 authorities', '1,204 files' (`many` defaults to `one` + 's')."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
