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


@pytest.mark.parametrize("command", [["status"], ["score"], ["refresh", "--inbox", "{inbox}"], ["users", "list"]])
@pytest.mark.parametrize("wrong", ["folder", "text file"])
def test_a_db_that_is_a_folder_or_not_a_duckdb_file_is_refused_by_name_and_nothing_is_made(tmp_path, command, wrong) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    if wrong == "folder":
        db = tmp_path / "data"
        db.mkdir()
    else:
        db = tmp_path / "notes.duckdb"
        db.write_text("minutes of the last meeting\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = [part.format(inbox=inbox) for part in command] + ["--db", str(db)]
    result = CliRunner().invoke(app, args, prog_name="oversight", env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 2, result.output
    said = _words(result.output)
    expected = "is a folder, not a database file" if wrong == "folder" else "is not a DuckDB database file"
    # The path is compared with every space removed: rich may break a long path across lines.
    assert expected in said and "".join(str(db).split()) in "".join(said.split()) and "another program" not in said
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no lock, no working copy, nothing beside it
    if wrong == "text file":
        assert db.read_text(encoding="utf-8") == "minutes of the last meeting\n"


@pytest.mark.parametrize("command", [["score"], ["status"], ["users", "list"]])
def test_a_db_path_that_does_not_exist_is_refused_and_nothing_is_made(tmp_path, command) -> None:
    db = tmp_path / "mistyped" / "oversight.duckdb"
    result = CliRunner().invoke(app, [*command, "--db", str(db)], prog_name="oversight",
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 2, result.output
    assert "no database at" in _words(result.output)
    assert list(tmp_path.iterdir()) == []  # no folder, no database, no lock
