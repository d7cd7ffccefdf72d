"""The `oversight` command line: every command documents itself in `--help`."""

from __future__ import annotations

import inspect

import pytest
import typer.main
from typer.testing import CliRunner

from etl.cli import app

# Every command registered on the app (read from typer, so a command added later is checked too).
COMMANDS = typer.main.get_command(app).commands


def _words(text: str) -> str:
    """Text with rich's wrapping and box drawing removed, so a docstring matches however it is laid out."""
    return " ".join(word for word in text.split() if word.strip("│╭╮╰╯─"))


def test_the_app_has_its_commands_registered() -> None:
    assert len(COMMANDS) == len(app.registered_commands) + len(app.registered_groups) > 0


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_docstring(name: str) -> None:
    doc = inspect.getdoc(COMMANDS[name].callback)
    assert doc and doc.strip(), f"`oversight {name}` has no docstring, so `--help` says nothing about it"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_help_exits_0_and_prints_its_docstring(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], prog_name="oversight", env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    first_paragraph = (inspect.getdoc(COMMANDS[name].callback) or "").split("\n\n")[0]
    assert first_paragraph and _words(first_paragraph) in _words(result.output)
    assert f"Usage: oversight {name} " in result.output
