"""`etl.settings.today()` and `fixed_today`: the day that decides which periods are due."""

from __future__ import annotations

import os
from datetime import date

import pytest

from etl.errors import ConfigError
from etl.settings import fixed_today, today


def test_fixed_today_sets_the_day_and_puts_a_set_variable_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_TODAY", "2026-11-29")
    with fixed_today(date(2025, 3, 2)):
        assert today() == date(2025, 3, 2)
        assert os.environ["OVERSIGHT_TODAY"] == "2025-03-02"  # processes started inside agree
    assert today() == date(2026, 11, 29)


def test_fixed_today_removes_the_variable_it_set_even_when_the_block_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OVERSIGHT_TODAY", raising=False)
    with pytest.raises(RuntimeError), fixed_today("2024-01-31"):
        assert today() == date(2024, 1, 31)
        raise RuntimeError("the block failed")
    assert "OVERSIGHT_TODAY" not in os.environ


def test_a_malformed_day_is_refused_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERSIGHT_TODAY", "30/11/2026")
    with pytest.raises(ConfigError, match="OVERSIGHT_TODAY='30/11/2026'"):
        today()
