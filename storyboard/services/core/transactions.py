"""Named transaction helpers: what each commit and rollback in services is for.

- `unit_of_work()`: a block whose changes commit together, or not at all; on failure it rolls back and
  runs the undo steps registered for work outside the database (blobs written for it).
- `release_for_long_call()`: before an LLM call, a download or a render, end the transaction and hand the
  connection back, keeping the rows already loaded readable (commit would expire them).
- `end_read()`: end a read-only transaction, so the next read sees what others committed and no lock,
  snapshot or connection is held meanwhile (polls, waits, before a download or a render that needs no
  loaded row); loaded rows are expired and reload when next read.
- `abandon()`: drop this transaction's changes: a lost race, a status that moved on, nothing to do.

A service that just finishes its change ends with `db.session.commit()`: the ordinary boundary.

Read and write transactions on SQLite (one writer for the whole file): a transaction begins `IMMEDIATE`
(taking the write lock, waiting up to busy_timeout for it) unless the code runs read-only, when it begins
`DEFERRED` and, in WAL mode, reads a snapshot without ever waiting for a writer. Read-only is a flag of the
running context: `read_only()` sets it (create_app sets it for GET, HEAD and OPTIONS requests); the rest
(POST/PUT/DELETE, tasks, the CLI) writes. Two deferred transactions that read and then write would
deadlock, and SQLite answers that at once with "database is locked", so a read-only transaction never
writes: `guard_sqlite_write` refuses it with `WriteInReadTransaction`, and a write made during a read-only
request goes through
- `writing()`: end the read transaction, run the block in a write transaction of its own, commit it;
- `write_if_free(change)`: the same for bookkeeping a read can do without (an API key's last use), skipped
  instead of waited for when another writer holds the lock at that moment.
On Postgres the flag changes nothing: the helpers commit in the current transaction, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy.exc import OperationalError

from storyboard.models import db
from storyboard.storage import get_store


class UnitOfWork:
    """The undo steps of one unit of work, run (newest first) when it fails or is cancelled."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], object]] = []
        self.cancelled = False

    def on_failure(self, undo: Callable[[], object]) -> None:
        self._undo.append(undo)

    def discard_blob_on_failure(self, sha256: str) -> None:
        """A blob this work stored keeps no bytes behind if the rows that would use it never commit."""
        self.on_failure(lambda: get_store().discard_uncommitted(sha256))

    def cancel(self) -> None:
        """Give up without an error (someone else won the race): roll back and undo now, commit nothing."""
        if not self.cancelled:
            self.cancelled = True
            self._rollback()

    def _rollback(self) -> None:
        db.session.rollback()
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Commit the block's changes at its end; on an exception roll back, undo, and re-raise."""
    work = UnitOfWork()
    try:
        yield work
        if not work.cancelled:
            db.session.commit()
    except BaseException:
        work._rollback()
        raise


def release_for_long_call() -> None:
    # close(), not commit(): loaded rows stay readable as plain values; uncommitted changes are dropped.
    db.session.close()


def end_read() -> None:
    db.session.rollback()


def abandon() -> None:
    db.session.rollback()


# The mode the next transaction begins in (SQLite only): read, write, or write if the lock is free now.
READ, WRITE, WRITE_IF_FREE = "read", "write", "write if free"
_mode: ContextVar[str] = ContextVar("storyboard_transaction_mode", default=WRITE)
# connection.info key: how the SQLite transaction on this connection began (READ or WRITE).
BEGUN = "storyboard_begun"


class WriteInReadTransaction(RuntimeError):
    """A write in a read-only (DEFERRED) SQLite transaction: a programming error, caught before SQLite's
    immediate "database is locked" under load would be."""


def set_read_only(read_only: bool) -> Token:
    """Make transactions begun from now on in this context read-only (or writing); undo with `reset_mode`."""
    return _mode.set(READ if read_only else WRITE)


def reset_mode(token: Token) -> None:
    _mode.reset(token)


def is_read_only() -> bool:
    return _mode.get() == READ


@contextmanager
def read_only() -> Iterator[None]:
    """Transactions begun inside the block are read-only (DEFERRED on SQLite)."""
    token = set_read_only(True)
    try:
        yield
    finally:
        reset_mode(token)


def _in_sqlite_read() -> bool:
    """The session's current transaction is a read-only one on SQLite (never true on Postgres)."""
    session = db.session()
    return session.in_transaction() and session.connection().info.get(BEGUN) == READ


@contextmanager
def writing() -> Iterator[None]:
    """Run the block in a write transaction and commit it; on an exception roll back and re-raise.

    In a read-only context on SQLite the read transaction ends first (loaded rows expire and reload when
    next read) and the block's transaction begins IMMEDIATE, waiting up to busy_timeout for the lock;
    elsewhere the block runs in the current transaction, which it commits."""
    token = _mode.set(WRITE)
    try:
        if _in_sqlite_read():
            db.session.rollback()
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _mode.reset(token)


def write_if_free(change: Callable[[], object]) -> bool:
    """Run `change()` and commit it, like `writing()`, but in a read-only context on SQLite skip it (False)
    when another connection holds the write lock right now, instead of waiting: for bookkeeping that a
    read must never wait for or fail on."""
    if _in_sqlite_read():
        db.session.rollback()
    elif not is_read_only() or db.session().in_transaction():
        with writing():  # a write context, or a write transaction already open
            change()
        return True
    token = _mode.set(WRITE_IF_FREE)
    try:
        if db.session.connection().info.get(BEGUN, WRITE) != WRITE:  # BEGUN is never set on Postgres
            db.session.rollback()
            return False
        change()
        db.session.commit()
        return True
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _mode.reset(token)


def sqlite_begin(connection) -> None:
    """The engine's `begin` hook on SQLite: DEFERRED when read-only, IMMEDIATE otherwise.

    IMMEDIATE takes the write lock up front: two deferred transactions that both read and then write would
    deadlock, and SQLite answers that with "database is locked" at once, busy_timeout or not."""
    mode = _mode.get()
    if mode == READ:
        connection.exec_driver_sql("BEGIN")
    elif mode == WRITE:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        mode = WRITE if _begin_immediate_without_waiting(connection) else READ
    connection.info[BEGUN] = mode


def _begin_immediate_without_waiting(connection) -> bool:
    """BEGIN IMMEDIATE if the write lock is free right now; else a plain read transaction (False)."""
    timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return True
    except OperationalError as error:
        if "locked" not in str(error.orig) and "busy" not in str(error.orig):
            raise
        connection.exec_driver_sql("BEGIN")
        return False
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout)}")


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def guard_sqlite_write(connection, _cursor, statement, _parameters, context, _executemany) -> None:
    """The engine's `before_cursor_execute` hook on SQLite: no write in a read-only transaction."""
    if connection.info.get(BEGUN) != READ:
        return
    dml = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if dml or statement.lstrip()[:7].upper().startswith(_WRITES):
        raise WriteInReadTransaction(
            "a write in a read-only transaction (a GET or HEAD request, or read_only()): "
            "put it in transactions.writing() or write_if_free()"
        )
