"""Waiting on a condition instead of sleeping: poll until it holds, fail at a deadline saying what was awaited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, interval: float = 0.05, what: Callable[[], object] | str = ""):
    """Return `predicate()`'s first truthy value, checking every `interval` s; fail after `timeout` s.

    `what` (a text, or a callable giving the current state) goes into the failure message."""
    deadline = time.monotonic() + timeout
    while True:
        if value := predicate():
            return value
        if time.monotonic() >= deadline:
            detail = what() if callable(what) else what
            raise AssertionError(f"condition not met within {timeout} s" + (f": {detail}" if detail != "" else ""))
        time.sleep(interval)
