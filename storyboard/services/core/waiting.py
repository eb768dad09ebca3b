"""Waiting inside a request for background work to finish (contract decision 5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from storyboard.services.core.transactions import end_read

T = TypeVar("T")
POLL_SECONDS = 0.1


def wait_until(load: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """Reload with `load()` until `done(row)` or `timeout` seconds passed; return the last row."""
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        # A fresh transaction per look sees what the worker committed; none is held while sleeping, so the
        # worker is never kept waiting for a lock (SQLite has one lock for the whole file).
        end_read()
        row = load()
        if done(row) or time.monotonic() >= deadline:
            return row
        end_read()
        time.sleep(POLL_SECONDS)
