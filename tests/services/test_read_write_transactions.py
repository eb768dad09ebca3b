"""Read-only and write transactions: on SQLite a read-only one begins DEFERRED and may not write; writing()
and write_if_free() are the ways to write from a read-only context; elsewhere everything begins IMMEDIATE."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from storyboard.models import Client, User, db
from storyboard.services.core import transactions
from storyboard.services.core.transactions import (
    BEGUN,
    READ,
    WRITE,
    WriteInReadTransaction,
    read_only,
    write_if_free,
    writing,
)
from tests.support import factories
from tests.support.sqlite_writer import Writer, sqlite_file


@pytest.fixture
def owner(ctx):
    user, _key = factories.make_user()
    return user


@pytest.fixture
def sqlite_path(app, backend) -> str:
    return sqlite_file(app, backend)


def _begun() -> str | None:
    return db.session.connection().info.get(BEGUN)


def _clients() -> int:
    return db.session.scalar(select(func.count()).select_from(Client))


def test_outside_a_request_transactions_write(sqlite_path, owner):
    db.session.rollback()
    assert _begun() == WRITE


def test_a_read_only_transaction_begins_deferred_and_refuses_writes(sqlite_path, owner):
    db.session.rollback()
    with read_only():
        assert _clients() == 0 and _begun() == READ
        db.session.add(Client(user_id=owner.id, name="Acme", description=""))
        with pytest.raises(WriteInReadTransaction, match="writing"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(WriteInReadTransaction):
            db.session.execute(update(Client).values(name="x"))
        db.session.rollback()
        assert _clients() == 0  # the session is still usable


def test_writing_ends_the_read_commits_its_block_and_reads_go_on_deferred(sqlite_path, owner):
    db.session.rollback()
    with read_only():
        assert _clients() == 0
        with writing():
            assert _begun() == WRITE
            db.session.add(Client(user_id=owner.id, name="Acme", description=""))
        assert _clients() == 1 and _begun() == READ
    db.session.rollback()
    assert _clients() == 1


def test_writing_rolls_its_block_back_on_an_exception(owner):
    with read_only(), pytest.raises(RuntimeError), writing():
        db.session.add(Client(user_id=owner.id, name="Acme", description=""))
        db.session.flush()
        raise RuntimeError("stop")
    assert _clients() == 0


def _set_email(user_id: str, email: str):
    return lambda: db.session.execute(update(User).where(User.id == user_id).values(email=email))


def test_write_if_free_skips_while_another_connection_holds_the_lock(sqlite_path, owner):
    user_id = owner.id
    db.session.rollback()
    with read_only():
        with Writer(sqlite_path):
            assert db.session.get(User, user_id).email is None
            assert write_if_free(_set_email(user_id, "a@example.test")) is False
            assert db.session.get(User, user_id).email is None  # reading goes on: nothing waited or failed
            db.session.rollback()
            assert write_if_free(_set_email(user_id, "a@example.test")) is False  # no transaction open: the same
        assert write_if_free(_set_email(user_id, "a@example.test")) is True
    db.session.rollback()
    assert db.session.get(User, user_id).email == "a@example.test"


def test_write_if_free_commits_when_nobody_else_writes_on_every_backend(owner):
    user_id = owner.id
    assert write_if_free(_set_email(user_id, "b@example.test")) is True
    db.session.rollback()
    assert db.session.get(User, user_id).email == "b@example.test"
    with read_only():
        assert write_if_free(_set_email(user_id, "c@example.test")) is True
    db.session.rollback()
    assert db.session.get(User, user_id).email == "c@example.test"


@pytest.mark.parametrize(("method", "read"), [("GET", True), ("HEAD", True), ("POST", False), ("PUT", False)])
def test_get_and_head_requests_read_only_and_the_mode_ends_with_the_request(app, method, read):
    with app.test_request_context("/healthz", method=method):
        app.preprocess_request()
        assert transactions.is_read_only() is read
    assert transactions.is_read_only() is False
