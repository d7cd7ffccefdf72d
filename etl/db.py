"""Opening DuckDB, applying the numbered schema migrations and syncing the reference tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .clock import utc_now
from .errors import DatabaseError, MigrationError
from .reference import Reference, load_reference
from .settings import SQL_DIR

MIGRATIONS_DIR = SQL_DIR / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


_DUCKDB_MAGIC = (8, b"DUCK")  # every DuckDB file has these bytes at this offset, after its header checksum


def check_database_file(path: Path | str) -> None:
    """Refuse, with what to do, a --db that is a folder or a file that is not a DuckDB database (before
    anything is copied, locked or opened: DuckDB's own words would blame another program)."""
    path = Path(path)
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file: pass --db with a file, such as {path / 'oversight.duckdb'}")
    offset, magic = _DUCKDB_MAGIC
    try:
        with open(path, "rb") as handle:
            head = handle.read(offset + len(magic))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if head and head[offset:] != magic:
        raise DatabaseError(
            f"{path} is not a DuckDB database file: check --db (the project's database is data/oversight.duckdb "
            "unless $OVERSIGHT_DB says otherwise); nothing was changed"
        )


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file; a read-only open of a missing file or a locked file raises DatabaseError."""
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseError(
            f"no database at {path}: load some returns first (`oversight refresh --db {path}`) or pass --db"
        )
    check_database_file(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise DatabaseError(
            f"cannot open {path}{' read-only' if read_only else ''}: {exc}. If another program is writing "
            "it (a DuckDB shell, say), close that program; refreshes never write the live file."
        ) from exc


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every NNN_name.sql file in version order; two files with one number is a packaging error."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file {path.name} is not named NNN_name.sql: rename it")
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(
                f"migrations {migrations[version].path.name} and {path.name} share number {version}: renumber one"
            )
        migrations[version] = Migration(version, match.group(2), path)
    return [migrations[v] for v in sorted(migrations)]


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer primary key, name varchar not null, applied_at timestamp not null)"
    )
    return {row[0] for row in con.execute("select version from schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every migration not yet recorded, each in its own transaction; return the versions applied."""
    migrations = available_migrations(directory)
    applied = applied_versions(con)
    newest_known = max((m.version for m in migrations), default=0)
    if applied and max(applied) > newest_known:
        raise MigrationError(
            f"the database has schema migration {max(applied):03d} but this code knows only up to "
            f"{newest_known:03d}: upgrade the oversight package before using this database"
        )
    done: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        _apply(con, migration)
        done.append(migration.version)
    return done


def _apply(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    con.execute("begin transaction")
    try:
        con.execute(migration.path.read_text(encoding="utf-8"))
        con.execute(
            "insert into schema_migrations (version, name, applied_at) values (?, ?, ?)",
            [migration.version, migration.name, utc_now()],
        )
        con.execute("commit")
    except duckdb.Error as exc:
        rollback_quietly(con)
        raise MigrationError(
            f"migration {migration.path.name} failed and was rolled back: {exc}. Fix the SQL and run again"
        ) from exc


def meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """The value stored under `key` in the `meta` table, or None when there is none."""
    row = con.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


# Set by a migration whose release changed what the reference tables hold (007): the next write session
# refills them before it does anything else.
REFERENCE_SYNC_DUE = "reference_sync_due"


def sync_reference_if_due(con: duckdb.DuckDBPyConnection) -> bool:
    """Refill the ref_* tables from the built reference data if a migration marked them due; True if it did."""
    if meta_value(con, REFERENCE_SYNC_DUE) is None:
        return False
    sync_reference(con)
    return True


def sync_reference(con: duckdb.DuckDBPyConnection, reference: Reference | None = None) -> None:
    """Replace the ref_* tables (regions, authorities, populations, statistical neighbours, Prevent
    priority areas) with the built reference data, in one transaction (which also clears the
    `reference_sync_due` marker)."""
    reference = reference or load_reference()
    regions = sorted(reference.regions.items())
    authorities = [
        (
            a.gss_code, a.dfe_code or None, a.name, a.region_code, a.region_name, a.valid_from, a.valid_to,
            list(a.predecessor_codes), list(a.successor_codes), list(a.alias_codes),
        )
        for a in sorted(reference.authorities.values(), key=lambda a: a.gss_code)
    ]
    con.execute("begin transaction")
    try:
        for table in ("ref_region", "ref_authority", "ref_population", "ref_statistical_neighbour",
                      "ref_prevent_priority_area"):
            con.execute(f"delete from {table}")  # fixed allow-list of table names, not user input
        _insert_columns(con, "ref_region", regions)
        _insert_columns(con, "ref_authority", authorities)
        _insert_columns(con, "ref_population", reference.population_rows())
        _insert_columns(con, "ref_statistical_neighbour", reference.neighbour_rows())
        _insert_columns(con, "ref_prevent_priority_area", reference.priority_area_rows())
        con.execute("delete from meta where key = ?", [REFERENCE_SYNC_DUE])
        con.execute("commit")
    except duckdb.Error as exc:
        rollback_quietly(con)
        raise DatabaseError(f"could not refresh the reference tables: {exc}") from exc


def _insert_columns(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert many rows in one statement (a column of lists per field, unnested), not a statement per row."""
    if not rows:
        return
    columns = [list(values) for values in zip(*rows)]
    placeholders = ", ".join("unnest(?)" for _ in columns)
    con.execute(f"insert into {table} select {placeholders}", columns)


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """After an I/O error DuckDB may have aborted the transaction already; "cannot rollback" must not
    replace the error that caused it."""
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass


