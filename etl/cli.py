"""`oversight`: thin commands over the etl library; library errors become clear user errors."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .errors import OversightError
from .settings import default_db_path

app = typer.Typer(
    help="Oversight of how English local authorities record safeguarding concerns relating to extremism.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="DuckDB database file (default data/oversight.duckdb or $OVERSIGHT_DB).")
JsonOption = typer.Option(False, "--json", help="Print a JSON summary on stdout for automation.")


def _db(db: Optional[Path]) -> Path:
    return Path(db) if db else default_db_path()


def _fail(error: OversightError) -> None:
    console.print(f"[bold red]Error:[/] {error}")
    raise typer.Exit(code=2)


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


@app.command()
def validate(
    file: Path = typer.Argument(..., help="A return file (CSV or XLSX) to check; nothing is stored."),
    as_json: bool = JsonOption,
) -> None:
    """Check one return against the standard without touching any database. Exit 1 if rejected, 2 if FILE is no file."""
    from .errors import InvalidInputError
    from .findings import lead_line
    from .report import render_validation
    from .validate import validate_file

    try:
        if file.is_dir():
            raise InvalidInputError(f"{file} is a folder, not a return file. Give the path of one CSV or XLSX file")
        if file.exists() and not file.is_file():
            raise InvalidInputError(f"{file} is not a regular file (a device, pipe or socket). Give the path of one CSV or XLSX file")
        if not file.is_file():
            raise InvalidInputError(f"no such file: {file}. Check the path and run again")
        result = validate_file(file)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json({**result.to_dict(), "summary": lead_line(result)})
    else:
        Console().print(render_validation(result))
    raise typer.Exit(code=1 if result.status == "rejected" else 0)


@app.command()
def load(
    files: list[Path] = typer.Argument(..., help="Return files to load."),
    db: Optional[Path] = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Validate and load return files into the database, then rescore."""
    from .load import load_files
    from .report import render_run

    try:
        summary = load_files(files, _db(db), progress=not as_json)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(summary.to_dict())
    else:
        Console().print(render_run(summary))


@app.command()
def refresh(
    inbox: Optional[Path] = typer.Option(None, "--inbox", help="Folder of new returns (default data/inbox)."),
    db: Optional[Path] = DbOption,
    as_json: bool = JsonOption,
    progress_file: Optional[Path] = typer.Option(
        None, "--progress-file", help="Append one JSON line per file to this file as the run goes (files done of "
        "all, the current file, outcomes so far): how the site follows a refresh it started."),
) -> None:
    """Load every new file in the inbox; archive loaded files, quarantine rejected ones with their errors."""
    from .load import refresh as run_refresh
    from .refresh_job import ProgressFile
    from .report import render_run
    from .settings import DEFAULT_INBOX

    progress = ProgressFile(progress_file) if progress_file else not as_json
    try:
        summary = run_refresh(Path(inbox) if inbox else DEFAULT_INBOX, _db(db), progress=progress)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(summary.to_dict())
    else:
        Console().print(render_run(summary))


@app.command()
def status(db: Optional[Path] = DbOption, as_json: bool = JsonOption) -> None:
    """Latest load runs and the returns expected, received and missing for the latest period."""
    from .report import render_status
    from .status import database_status

    try:
        report = database_status(_db(db))
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(report.to_dict())
    else:
        Console().print(render_status(report))


@app.command()
def template(
    out: Path = typer.Option(Path("."), "--out", help="Where to write the workbook: a file, or a folder to write return-template.xlsx in (default: the current folder)."),
    period: Optional[str] = typer.Option(None, "--period", help="Prefill the period (YYYY-MM)."),
    authority: Optional[str] = typer.Option(None, "--authority", help="Prefill the authority GSS code."),
) -> None:
    """Write a blank XLSX return with the code lists as drop-downs."""
    from .template import write_template

    try:
        path = write_template(out, period=period, authority=authority)
    except OversightError as error:
        _fail(error)
    console.print(f"Wrote {path}")


@app.command()
def demo(
    out: Path = typer.Option(Path("data/demo/inbox"), "--out", help="Inbox folder to write the synthetic returns to."),
    seed: int = typer.Option(20261129, "--seed", help="Random seed; the same seed writes the same files."),
    start: str = typer.Option("2021-04", "--start", help="First period (YYYY-MM)."),
    end: str = typer.Option("2026-10", "--end", help="Last period (YYYY-MM)."),
    as_json: bool = JsonOption,
) -> None:
    """Write a synthetic national collection (SYNTHETIC DATA) with planted recording problems."""
    from .demo import generate_demo

    try:
        summary = generate_demo(out, seed=seed, start=start, end=end)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(summary.to_dict())
    else:
        console.print(summary.describe())


@app.command()
def score(db: Optional[Path] = DbOption, as_json: bool = JsonOption) -> None:
    """Recompute every score, flag and reconciliation (load and refresh do it whenever scores are stale).

    Like every writer it takes the lock, works on a private copy and swaps it in (safe while the dashboard serves).
    """
    from .scoring import rescore_database

    path = _db(db)
    if not path.exists():  # a mistyped --db must not leave a new, empty database behind
        _fail(OversightError(f"no database at {path}: load returns first (`oversight refresh --db {path}`) or pass --db"))
    try:
        summary = rescore_database(path)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(summary.to_dict())
    else:
        console.print(summary.describe())


class ScoreWindow(str, Enum):
    """The score windows (as etl.scoring.explain.WINDOWS), so typer lists and checks the choices."""

    month = "month"
    rolling12 = "rolling12"


@app.command()
def explain(
    authority: str = typer.Option(..., "--authority", help="Authority GSS code (e.g. E06000043), DfE number or name."),
    period: Optional[str] = typer.Option(None, "--period", help="Period YYYY-MM (default: the latest month scored)."),
    window: ScoreWindow = typer.Option(
        ScoreWindow.month, "--window", help="month: that month alone; rolling12: the 12 months ending in it."
    ),
    db: Optional[Path] = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Why an authority scored what it did: points lost by dimension and rule, and how to recover them."""
    from .scoring import explain_score

    try:
        explanation = explain_score(_db(db), authority, period, window=window.value)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(explanation.to_dict())
    else:
        Console().print(explanation.render())


users_app = typer.Typer(no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.callback()
def users() -> None:
    """Dashboard users of the local sign-in: add, list, disable, enable, set-role, set-password, seed-demo."""
RoleOption = typer.Option(..., "--role", help="national (sees everything) or council (its own authority in full).")
AuthorityOption = typer.Option(None, "--authority", help="A council user's authority (GSS code).")
AdminOption = typer.Option(False, "--admin/--no-admin", help="National users only: may manage users, read the audit, start a refresh.")


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _write_users(db: Optional[Path], change) -> object:
    from .write_session import write_session

    path = _db(db)
    if not path.exists():
        _fail(OversightError(f"no database at {path}: load returns first (`oversight refresh --db {path}`) or pass --db"))
    try:
        with write_session(path, "users") as con:
            return change(con)
    except OversightError as error:
        _fail(error)


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="Sign-in name (an e-mail address works)."),
    role: str = RoleOption,
    authority: Optional[str] = AuthorityOption,
    admin: bool = AdminOption,
    name: Optional[str] = typer.Option(None, "--name", help="The name shown on the site."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    db: Optional[Path] = DbOption,
) -> None:
    """Add a user (asks for the password twice unless --password-stdin)."""
    from .users import add_user

    password = _password(password_stdin)
    user = _write_users(db, lambda con: add_user(con, username, password, role, display_name=name,
                                                 authority_code=authority, is_admin=admin))
    console.print(f"Added {user.username} ({user.role}{' admin' if user.is_admin else ''}"
                  f"{' for ' + user.authority_code if user.authority_code else ''})")


@users_app.command("list")
def users_list(db: Optional[Path] = DbOption, as_json: bool = JsonOption) -> None:
    """Every user: role, authority, administrator, disabled."""
    from .db import connect as db_connect
    from .users import list_users

    try:
        con = db_connect(_db(db), read_only=True)
    except OversightError as error:
        _fail(error)
    try:
        import duckdb

        try:
            users = list_users(con)
        except duckdb.CatalogException:
            users = []  # a database from before the user store: nobody yet
    finally:
        con.close()
    if as_json:
        _print_json([user.to_dict() for user in users])
        return
    from rich.table import Table

    table = Table("user", "name", "role", "authority", "admin", "state")
    for user in users:
        table.add_row(user.username, user.display_name, user.role, user.authority_code or "",
                      "yes" if user.is_admin else "", "disabled" if user.disabled_at else ("demo" if user.is_demo else "active"))
    Console().print(table)


@users_app.command("disable")
def users_disable(username: str = typer.Argument(...), db: Optional[Path] = DbOption) -> None:
    """Stop a user signing in (their open sessions end at their next request)."""
    from .users import set_disabled

    user = _write_users(db, lambda con: set_disabled(con, username, True))
    console.print(f"Disabled {user.username}")


@users_app.command("enable")
def users_enable(username: str = typer.Argument(...), db: Optional[Path] = DbOption) -> None:
    """Let a disabled user sign in again."""
    from .users import set_disabled

    user = _write_users(db, lambda con: set_disabled(con, username, False))
    console.print(f"Enabled {user.username}")


@users_app.command("set-role")
def users_set_role(
    username: str = typer.Argument(...),
    role: str = RoleOption,
    authority: Optional[str] = AuthorityOption,
    admin: bool = AdminOption,
    db: Optional[Path] = DbOption,
) -> None:
    """Change a user's role, authority or administrator right (takes effect at their next request)."""
    from .users import set_role

    user = _write_users(db, lambda con: set_role(con, username, role, authority_code=authority, is_admin=admin))
    console.print(f"{user.username} is now {user.role}{' admin' if user.is_admin else ''}"
                  f"{' for ' + user.authority_code if user.authority_code else ''}")


@users_app.command("set-password")
def users_set_password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    db: Optional[Path] = DbOption,
) -> None:
    """Set a new password (every session of that user ends)."""
    from .users import set_password

    password = _password(password_stdin)
    user = _write_users(db, lambda con: set_password(con, username, password))
    console.print(f"New password set for {user.username}")


@users_app.command("seed-demo")
def users_seed_demo(db: Optional[Path] = DbOption) -> None:
    """Create the demonstration accounts (synthetic databases only; passwords shown on the sign-in page)."""
    from .users import seed_demo_users

    users = _write_users(db, seed_demo_users)
    for user in users:
        console.print(f"Demo user {user.username}: {user.role}{' admin' if user.is_admin else ''}"
                      f"{' for ' + user.authority_code if user.authority_code else ''}")


audit_app = typer.Typer(no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.callback()
def audit() -> None:
    """The web service's audit trail (sign-ins, views, downloads, submissions): export it, prune it."""


@audit_app.command("export")
def audit_export(
    out: Path = typer.Option(Path("oversight-audit.csv"), "--out", help="CSV file to write."),
    db: Optional[Path] = DbOption,
) -> None:
    """Write every audit event to a CSV file (oldest first)."""
    from .audit import export_csv
    from .service_store import store_path

    store = store_path(_db(db))
    if not store.exists():
        _fail(OversightError(f"no audit yet: {store} does not exist (the web service creates it)"))
    try:
        out.write_bytes(export_csv(store))
    except OversightError as error:
        _fail(error)
    except OSError as error:
        _fail(OversightError(f"cannot write {out}: {error.strerror}"))
    console.print(f"Wrote {out}")


@audit_app.command("prune")
def audit_prune(
    before: Optional[str] = typer.Option(None, "--before", help="Delete events before this date (YYYY-MM-DD); "
                                         "default: those older than OVERSIGHT_AUDIT_RETENTION_DAYS (730)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be deleted; change nothing."),
    db: Optional[Path] = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Delete audit events older than the retention period; the pruning is itself audited."""
    import getpass
    from datetime import date

    from .audit import Actor, prune, retention_days
    from .errors import InvalidInputError
    from .service_store import store_path

    store = store_path(_db(db))
    try:
        if not store.exists():
            raise InvalidInputError(f"no audit yet: {store} does not exist (the web service creates it)")
        try:
            cutoff = date.fromisoformat(before) if before else None
        except ValueError:
            raise InvalidInputError(f"--before {before[:40]!r} is not a date: use YYYY-MM-DD") from None
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        result = prune(store, Actor(who, "operator", None, "command line"), retention=retention_days(),
                       before=cutoff, dry_run=dry_run)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(result.to_dict())
        return
    verb = "Would delete" if dry_run else "Deleted"
    span = f" (from {result.oldest} to {result.newest})" if result.deleted else ""
    console.print(f"{verb} {result.deleted} audit events before {result.cutoff:%Y-%m-%d} UTC{span}."
                  + ("" if dry_run else " Recorded as an audit_pruned event."))


@app.command()
def serve(
    db: Optional[Path] = DbOption,
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8050, "--port"),
    inbox: Optional[Path] = typer.Option(
        None, "--inbox", help="Where web submissions go and the site's refresh reads (default $OVERSIGHT_INBOX or data/inbox)."
    ),
) -> None:
    """Serve the dashboard over a database (read-only; never in debug mode; sign-in required)."""
    # Imported here, not at module level: the ETL library and every other command never import the
    # dashboard (the house rule); only this command, which runs it, does.
    from dashboard.server import serve as run_server

    try:
        run_server(_db(db), host=host, port=port, inbox=inbox)
    except OversightError as error:
        _fail(error)


@app.command("import-context")
def import_context(
    files: list[Path] = typer.Argument(..., help="DfE tidy CSV files (a sibling NAME.meta.csv is used when present)."),
    db: Optional[Path] = DbOption,
    publication: Optional[str] = typer.Option(
        None, "--publication", help="Name of the publication (default: the file name without its years)."),
    as_json: bool = JsonOption,
) -> None:
    """Import published DfE "explore education statistics" tidy files as context beside the returns.

    Idempotent by content (the same file again is `unchanged`); a newer edition of the same publication
    supersedes the older, which is kept. Exit 1 if a file was rejected (the message names what is missing).
    """
    from .context import import_context_files

    try:
        results = import_context_files(files, _db(db), publication=publication)
    except OversightError as error:
        _fail(error)
    if as_json:
        dicts = [result.to_dict() for result in results]
        _print_json(dicts[0] if len(dicts) == 1 else dicts)
    else:
        for result in results:
            (console if result.status == "rejected" else Console()).print(result.describe(), markup=False)
    raise typer.Exit(code=1 if any(result.status == "rejected" for result in results) else 0)


class ReferenceTable(str, Enum):
    """The reference tables refreshed from published files (population 0-17, statistical neighbours)."""

    population = "population"
    neighbours = "neighbours"


@app.command("import-reference")
def import_reference(
    table: ReferenceTable = typer.Argument(..., help="population (children aged 0-17) or neighbours (DfE statistical neighbours)."),
    file: Path = typer.Argument(..., help="The published file: a DfE tidy CSV of population, or DfE's statistical neighbours CSV."),
    db: Optional[Path] = DbOption,
    reference_dir: Optional[Path] = typer.Option(
        None, "--reference-dir", help="The reference tables folder to update (default data/reference)."),
    as_json: bool = JsonOption,
) -> None:
    """Refresh the population or statistical-neighbour reference table from DfE's published file, then rescore.

    The file goes through the same reader as import-context; a new year's file adds that year (rates use the
    population of each month's year), a new neighbour model replaces the neighbours.
    """
    from .context.refresh import refresh_reference

    try:
        result = refresh_reference(table.value, file, _db(db), reference_dir=reference_dir)
    except OversightError as error:
        _fail(error)
    if as_json:
        _print_json(result)
    else:
        Console().print(result["message"], markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
