"""Fixtures for the download and media tests: fetchers with the test and the production URL policy.

The media server, generated media files, the trap listener and the fake network come from
tests/support/fixtures.py (loaded by the root conftest).
"""

from __future__ import annotations

import pytest

from storyboard.integrations.fetch import Fetcher, FetchPolicy

MiB = 1024 * 1024


@pytest.fixture
def local_fetcher() -> Fetcher:
    """Reaches the loopback media server, as the test configuration does (ASSET_FETCH_ALLOW_PRIVATE)."""
    return Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5, allow_private=True))


@pytest.fixture
def public_fetcher(trap) -> Fetcher:
    """The production policy, plus the trap's port, so a refusal proves the address check and not the port."""
    return Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5, allowed_ports=(80, 443, trap.port)))
