"""Shared pytest fixtures for the network edge: generated media files, a local media server, a trap."""

from __future__ import annotations

import pytest

from tests.support.media_files import MediaFiles
from tests.support.media_server import FakeNetwork, MediaServer, TrapListener


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
