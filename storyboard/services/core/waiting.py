"""Waiting inside a request for background work to finish (contract decision 5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from storyboard.services.core.transactions import end_read, read_only

T = TypeVar("T")
POLL_SECONDS = 0.1


def wait_until(load: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """Reload with `load()` until `done(row)` or `timeout` seconds passed; return the last row."""
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        # A fresh read-only transaction per look sees what the worker committed and never takes SQLite's write
        # lock; it ends before the sleep and before returning, so the caller's next transaction may write.
        end_read()
        with read_only():
            row = load()
            finished = done(row) or time.monotonic() >= deadline
            end_read()
        if finished:
            return row
        time.sleep(POLL_SECONDS)
