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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
