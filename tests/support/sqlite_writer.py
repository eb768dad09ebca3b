"""Another writer on a test's SQLite file: a plain sqlite3 connection, in a thread, ordered by events."""

from __future__ import annotations

import sqlite3
import threading

import pytest

# Long enough never to fire in a passing run; it only keeps a broken run from hanging.
SAFETY_TIMEOUT = 60


def sqlite_file(app, backend) -> str:
    """The test app's SQLite file; skips the test on another backend."""
    if backend.name != "sqlite":
        pytest.skip("SQLite-only: one lock for the whole file; Postgres readers never wait for writers anyway")
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


class Writer(threading.Thread):
    """Holds a write transaction open on its own connection: BEGIN IMMEDIATE, `statements`, then waits
    for `release` before it commits. `holding` is set once it has the lock."""

    def __init__(self, path: str, statements=()):
        super().__init__(daemon=True)
        self.path, self.statements = path, list(statements)
        self.holding, self.release, self.done = threading.Event(), threading.Event(), threading.Event()
        self.released_in_time = False
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=SAFETY_TIMEOUT)
            try:
                conn.execute("BEGIN IMMEDIATE")
                for sql, params in self.statements:
                    conn.execute(sql, params)
                self.holding.set()
                self.released_in_time = self.release.wait(SAFETY_TIMEOUT)
                conn.execute("COMMIT")
            finally:
                conn.close()
        except BaseException as error:  # reported by finish() in the test's thread
            self.error = error
        finally:
            self.holding.set()
            self.done.set()

    def __enter__(self) -> Writer:
        self.start()
        assert self.holding.wait(SAFETY_TIMEOUT) and self.error is None, self.error
        return self

    def __exit__(self, *exc) -> None:
        self.finish()

    def finish(self) -> None:
        """Let it commit; it must have held the lock until now (the test's reads ran while it did)."""
        self.release.set()
        self.join(SAFETY_TIMEOUT)
        assert self.error is None, self.error
        assert self.released_in_time, "the writer gave up waiting: something blocked while it held the lock"
