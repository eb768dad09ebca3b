"""Waiting inside a request for background work to finish (contract decision 5)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from storyboard.models import db

T = TypeVar("T")
POLL_SECONDS = 0.1


def wait_until(load: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """Reload with `load()` until `done(row)` or `timeout` seconds passed; return the last row."""
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        # End the current transaction so the next read sees what the worker committed.
        db.session.rollback()
        row = load()
        if done(row) or time.monotonic() >= deadline:
            return row
        time.sleep(POLL_SECONDS)
