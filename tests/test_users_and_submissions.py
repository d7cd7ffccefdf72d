"""The user store (etl.users, `oversight users`), web submissions with receipts (etl.submissions) and the
loader taking a web submission's receipt time instead of the file's modification time."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

import duckdb
import pytest
from returns_factory import AUTHORITY, COUNTERPARTY, canonical_rows, return_bytes, set_count
from typer.testing import CliRunner

from etl.cli import app as cli
from etl.db import sync_reference
from etl.errors import InvalidInputError, NotFoundError
from etl.load import refresh
from etl.service_store import store_path
from etl.submissions import WRONG_AUTHORITY_RULE, receipts_for, submit_return
from etl.users import add_user, get_user, list_users, seed_demo_users, set_role, verify_password
from etl.write_session import write_session


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "oversight.duckdb"
    with write_session(path, "test") as con:
        sync_reference(con)
        con.execute("insert or replace into meta values ('contains_synthetic_data', 'false')")
    return path


def connect(db):
    return duckdb.connect(str(db), read_only=True)


# ---- users ---------------------------------------------------------------------------------------------

def test_a_user_is_stored_with_an_argon2_hash_never_the_password(db):
    with write_session(db, "users") as con:
        add_user(con, "Analyst@Example.gov.uk", "correct horse battery", "national", is_admin=True)
    con = connect(db)
    user, password_hash = get_user(con, "analyst@example.gov.uk")
    assert user.role == "national" and user.is_admin and password_hash.startswith("$argon2id$")
    assert "correct horse" not in password_hash
    assert verify_password(password_hash, "correct horse battery")
    assert not verify_password(password_hash, "correct horse batterz")
    assert not verify_password(None, "correct horse battery")


@pytest.mark.parametrize("role, authority, admin, expected", [
    ("council", None, False, "bound to one authority"),
    ("council", "E99999999", False, "not in the reference list"),
    ("council", AUTHORITY, True, "only national users"),
    ("national", AUTHORITY, False, "do not give --authority"),
    ("public", None, False, "not one of"),
])
def test_a_role_that_makes_no_sense_is_refused(db, role, authority, admin, expected):
    with pytest.raises(InvalidInputError, match=expected):
        with write_session(db, "users") as con:
            add_user(con, "someone", "a long enough password", role, authority_code=authority, is_admin=admin)


def test_a_short_password_and_a_bad_user_name_are_refused(db):
    with pytest.raises(InvalidInputError, match="too short"):
        with write_session(db, "users") as con:
            add_user(con, "someone", "short", "national")
    with pytest.raises(InvalidInputError, match="not allowed"):
        with write_session(db, "users") as con:
            add_user(con, "a b", "a long enough password", "national")


def test_a_failed_change_leaves_the_live_database_as_it_was(db):
    with write_session(db, "users") as con:
        add_user(con, "first", "a long enough password", "national")
    with pytest.raises(InvalidInputError):
        with write_session(db, "users") as con:
            add_user(con, "second", "a long enough password", "national")
            add_user(con, "first", "a long enough password", "national")  # duplicate: the whole change is dropped
    assert [u.username for u in list_users(connect(db))] == ["first"]


def test_set_role_binds_a_council_user_and_unknown_users_are_named(db):
    with write_session(db, "users") as con:
        add_user(con, "officer", "a long enough password", "national")
        user = set_role(con, "officer", "council", authority_code=AUTHORITY.lower())
        assert (user.role, user.authority_code, user.is_admin) == ("council", AUTHORITY, False)
        with pytest.raises(NotFoundError, match="no user 'ghost'"):
            set_role(con, "ghost", "national")


def test_demo_users_are_refused_on_real_data(db):
    with pytest.raises(InvalidInputError, match="synthetic"):
        with write_session(db, "users") as con:
            seed_demo_users(con)


def test_the_users_commands_add_list_disable_and_set_role(db):
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "officer@council.gov.uk", "--role", "council", "--authority", AUTHORITY,
                                "--password-stdin", "--db", str(db)], input="a long enough password\n")
    assert added.exit_code == 0, added.output
    assert runner.invoke(cli, ["users", "disable", "officer@council.gov.uk", "--db", str(db)]).exit_code == 0
    listed = runner.invoke(cli, ["users", "list", "--json", "--db", str(db)])
    users = json.loads(listed.stdout)
    assert users == [{"username": "officer@council.gov.uk", "display_name": "officer@council.gov.uk", "role": "council",
                      "authority_code": AUTHORITY, "is_admin": False, "is_demo": False, "disabled": True,
                      "disabled_at": users[0]["disabled_at"]}]
    moved = runner.invoke(cli, ["users", "set-role", "officer@council.gov.uk", "--role", "national", "--admin", "--db", str(db)])
    assert moved.exit_code == 0 and "national admin" in moved.output
    bad = runner.invoke(cli, ["users", "set-role", "ghost", "--role", "national", "--db", str(db)])
    assert bad.exit_code == 2 and "no user" in bad.output


# ---- web submissions ------------------------------------------------------------------------------------

def test_an_accepted_return_is_placed_in_the_inbox_with_its_receipt(tmp_path, db):
    inbox, store = tmp_path / "inbox", store_path(db)
    data = return_bytes()
    receipt, result = submit_return(data, "my return.csv", inbox=inbox, store=store, username="officer",
                                    authority_code=AUTHORITY)
    assert receipt.status == result.status == "accepted" and receipt.placed
    placed = inbox / receipt.stored_name
    assert placed.read_bytes() == data and placed.name.endswith(".csv") and " " not in placed.name
    sidecar = json.loads((inbox / ".receipts" / f"{receipt.stored_name}.json").read_text())
    assert sidecar["sha256"] == receipt.sha256 and sidecar["username"] == "officer"
    assert [r.receipt_id for r in receipts_for(store, AUTHORITY)] == [receipt.receipt_id]
    assert not [p for p in inbox.iterdir() if p.name.endswith(".partial")]


def test_a_rejected_return_is_not_placed_but_kept_in_the_history_with_its_issues(tmp_path, db):
    inbox, store = tmp_path / "inbox", store_path(db)
    bad = return_bytes(rows=set_count(canonical_rows(), "total", "ALL", "lots"))
    receipt, _ = submit_return(bad, "bad.csv", inbox=inbox, store=store, username="officer", authority_code=AUTHORITY)
    assert receipt.status == "rejected" and not receipt.placed
    assert not inbox.exists() or not [p for p in inbox.iterdir() if p.is_file()]
    stored = receipts_for(store, AUTHORITY)[0]
    assert stored.status == "rejected" and stored.issues and stored.issues[0].severity == "error"


def test_a_council_cannot_submit_another_authoritys_return(tmp_path, db):
    receipt, _ = submit_return(return_bytes(COUNTERPARTY), "theirs.csv", inbox=tmp_path / "inbox",
                               store=store_path(db), username="officer", authority_code=AUTHORITY)
    assert receipt.status == "rejected" and not receipt.placed
    assert receipt.issues[0].rule == WRONG_AUTHORITY_RULE and COUNTERPARTY in receipt.issues[0].message


def test_the_refresh_loads_a_web_submission_with_the_service_receipt_time_not_the_file_time(tmp_path, db):
    inbox, store = tmp_path / "inbox", store_path(db)
    received = datetime(2026, 10, 3, 9, 30, 15)
    receipt, _ = submit_return(return_bytes(), "r.csv", inbox=inbox, store=store, username="officer",
                               authority_code=AUTHORITY, received_at=received)
    placed = inbox / receipt.stored_name
    later = (received + timedelta(days=20)).timestamp()
    os.utime(placed, (later, later))  # a copy or a touch changes the file's time, not its receipt
    summary = refresh(inbox, db)
    assert [f.status for f in summary.files] == ["accepted"]
    row = connect(db).execute("select received_at, sha256 from submission").fetchone()
    assert row == (received, receipt.sha256)


def test_a_file_whose_bytes_differ_from_its_receipt_keeps_its_own_time(tmp_path, db):
    inbox, store = tmp_path / "inbox", store_path(db)
    receipt, _ = submit_return(return_bytes(), "r.csv", inbox=inbox, store=store, username="officer",
                               authority_code=AUTHORITY, received_at=datetime(2026, 10, 3, 9, 30))
    placed = inbox / receipt.stored_name
    placed.write_bytes(return_bytes(rows=canonical_rows(total=13)))
    stamp = datetime(2026, 10, 20, 12, 0).timestamp()
    os.utime(placed, (stamp, stamp))
    refresh(inbox, db)
    received_at = connect(db).execute("select received_at from submission").fetchone()[0]
    assert received_at == datetime.utcfromtimestamp(stamp)


def test_the_history_shows_each_version_with_its_state_and_issues(tmp_path, db):
    from dashboard import database
    from dashboard.queries.submissions import history

    inbox, store = tmp_path / "inbox", store_path(db)
    first, _ = submit_return(return_bytes(), "first.csv", inbox=inbox, store=store, username="officer",
                             authority_code=AUTHORITY, received_at=datetime(2026, 10, 2, 9, 0))
    refresh(inbox, db)
    second, _ = submit_return(return_bytes(rows=canonical_rows(total=14)), "second.csv", inbox=inbox, store=store,
                              username="officer", authority_code=AUTHORITY, received_at=datetime(2026, 10, 5, 9, 0))
    bad, _ = submit_return(return_bytes(rows=set_count(canonical_rows(), "total", "ALL", "lots")), "third.csv",
                           inbox=inbox, store=store, username="officer", authority_code=AUTHORITY,
                           received_at=datetime(2026, 10, 6, 9, 0))
    database.configure(db)
    try:
        entries = history(store, AUTHORITY)
    finally:
        database.reset()
    assert [(e["file"], e["state"], e["version"]) for e in entries] == [
        ("third.csv", "Rejected on upload: not sent", None),
        ("second.csv", "Received: waiting for the next refresh", None),
        ("first.csv", "Current version", 1),
    ]
    assert entries[0]["issues"] and entries[0]["issues"][0].severity == "error"
    assert all(e["by"] == "officer" for e in entries) and first.placed and second.placed and not bad.placed
