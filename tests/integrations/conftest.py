"""Fixtures for the download and media tests: the local media server, a trap listener, the fake network."""

from __future__ import annotations

import pytest

from storyboard.integrations.fetch import Fetcher, FetchPolicy
from tests.support.media_files import MediaFiles
from tests.support.media_server import FakeNetwork, MediaServer, TrapListener

MiB = 1024 * 1024


@pytest.fixture(scope="session")
def media_files(tmp_path_factory) -> MediaFiles:
    return MediaFiles(tmp_path_factory.mktemp("media"))


@pytest.fixture
def media_server():
    server = MediaServer().start()
    yield server
    server.stop()


@pytest.fixture
def trap():
    listener = TrapListener().start()
    yield listener
    listener.stop()


@pytest.fixture
def network(media_server, monkeypatch) -> FakeNetwork:
    """Names resolve from a table; the fake public hosts are the media server; nothing else is reachable."""
    return FakeNetwork(media_server.port).install(monkeypatch)


@pytest.fixture
def local_fetcher() -> Fetcher:
    """Reaches the loopback media server, as the test configuration does (ASSET_FETCH_ALLOW_PRIVATE)."""
    return Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5, allow_private=True))


@pytest.fixture
def public_fetcher(trap) -> Fetcher:
    """The production policy, plus the trap's port, so a refusal proves the address check and not the port."""
    return Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5, allowed_ports=(80, 443, trap.port)))
