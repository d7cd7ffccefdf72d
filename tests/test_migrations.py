"""Numbered schema migrations: applied in order, recorded, re-runnable, and refused when the database is newer."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.db import available_migrations, connect, migrate, sync_reference
from etl.errors import MigrationError
from etl.reference import load_reference


def test_every_migration_is_applied_once_and_recorded(tmp_path: Path) -> None:
    con = connect(tmp_path / "o.duckdb")
    applied = migrate(con)
    assert applied == [m.version for m in available_migrations()]
    recorded = con.execute("select version, name from schema_migrations order by version").fetchall()
    assert recorded == [(m.version, m.name) for m in available_migrations()]
    assert migrate(con) == []
    assert con.execute("select count(*) from schema_migrations").fetchone()[0] == len(recorded)


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    con = connect(tmp_path / "o.duckdb")
    migrate(con)
    con.execute("insert into schema_migrations values (999, 'from_the_future', now())")
    with pytest.raises(MigrationError, match="upgrade"):
        migrate(con)


def test_a_failing_migration_is_rolled_back_and_names_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_good.sql").write_text("create table a (x integer);")
    (folder / "002_bad.sql").write_text("create table b (x integer); insert into nowhere values (1);")
    con = connect(tmp_path / "o.duckdb")
    with pytest.raises(MigrationError, match="002_bad.sql"):
        migrate(con, folder)
    tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "a" in tables and "b" not in tables
    assert con.execute("select version from schema_migrations").fetchall() == [(1,)]


def test_the_reference_tables_are_refilled_not_appended(tmp_path: Path) -> None:
    con = connect(tmp_path / "o.duckdb")
    migrate(con)
    sync_reference(con)
    sync_reference(con)
    reference = load_reference()
    assert con.execute("select count(*) from ref_authority").fetchone()[0] == len(reference.authorities)
    assert con.execute("select count(*) from ref_region").fetchone()[0] == len(reference.regions)
    assert con.execute("select count(*) from ref_population").fetchone()[0] == len(reference.population_rows())


def test_an_upgraded_database_gets_the_priority_areas_from_its_first_write_session_of_any_kind(tmp_path: Path) -> None:
    # A database from before migration 007 that never had a context import: its priority-area table is
    # empty (only the context import filled it then). Its first write session, whatever the command,
    # refills the reference tables once; later sessions leave them to the loads.
    from etl.write_session import write_session

    before = tmp_path / "migrations-to-006"
    before.mkdir()
    for migration in available_migrations():
        if migration.version <= 6:
            (before / migration.path.name).write_text(migration.path.read_text(encoding="utf-8"), encoding="utf-8")
    db = tmp_path / "o.duckdb"
    con = connect(db)
    migrate(con, before)
    sync_reference(con)
    con.execute("delete from ref_prevent_priority_area")
    con.close()

    with write_session(db, "users"):
        pass
    con = connect(db)
    expected = len(load_reference().priority_area_rows())
    assert expected > 0
    assert con.execute("select count(*) from ref_prevent_priority_area").fetchone()[0] == expected
    assert con.execute("select count(*) from meta where key = 'reference_sync_due'").fetchone()[0] == 0
    con.execute("delete from ref_prevent_priority_area where gss_code = (select min(gss_code) from ref_prevent_priority_area)")
    con.close()

    with write_session(db, "users"):
        pass
    con = connect(db)
    assert con.execute("select count(*) from ref_prevent_priority_area").fetchone()[0] == expected - 1
    con.close()
