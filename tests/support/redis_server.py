"""A private redis-server for outage tests: started on a free port, then killed, frozen, thawed or restarted."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.fixtures import app_on_redis, worker_starter


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """`redis-server --port N --save '' --appendonly no`: no persistence, so a restart starts empty."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.folder / "redis.log", "ab") as log:
            self.proc = subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        self._await_answer()
        return self

    def _await_answer(self, timeout: float = 30) -> None:
        from redis import Redis

        deadline = time.monotonic() + timeout
        while True:
            try:
                Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1).ping()
                return
            except Exception:  # not listening yet
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: everything in memory is gone; the port refuses connections until `start`."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, nothing is answered."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.thaw()
            self.kill()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def outage_app(app, private_redis):
    """The test app with background work on the private Redis (which the test may kill or freeze)."""
    yield from app_on_redis(app, private_redis.url, "outage-")


@pytest.fixture
def start_outage_worker(outage_app, tmp_path):
    """Real RQ workers against the private Redis, reconnecting quickly; all are killed at the end of the test."""
    yield from worker_starter(outage_app, tmp_path, WORKER_RECONNECT_MAX_SECONDS=1)
