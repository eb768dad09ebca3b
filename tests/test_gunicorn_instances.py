"""Each gunicorn instance has its own folder under var/run (named after its address): its control socket and
metrics files, so two `make serve` on one host never talk to each other's master."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from config import instance_dir
from tests.support.gunicorn import Gunicorn

pytestmark = pytest.mark.slow


def _workers_of(socket: Path) -> set[int]:
    """The worker pids the master behind `socket` reports (gunicornc, gunicorn's own control client)."""
    gunicornc = Path(sys.executable).parent / "gunicornc"
    done = subprocess.run(
        [str(gunicornc), "-s", str(socket), "-c", "show workers", "-j"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    return {worker["pid"] for worker in answer["workers"]}


def test_two_instances_on_one_host_have_their_own_control_sockets(app):
    servers = [Gunicorn(app, own_instance=False) for _ in range(2)]
    folders = [instance_dir(f"127.0.0.1:{server.port}") for server in servers]
    try:
        sockets = [folder / "gunicorn.ctl" for folder in folders]
        assert sockets[0] != sockets[1] and all(socket.is_socket() for socket in sockets)
        assert all(folder.parent == Path(__file__).resolve().parents[1] / "var" / "run" for folder in folders)
        for server, socket in zip(servers, sockets, strict=True):
            assert _workers_of(socket) == set(server.worker_pids())
        assert all((folder / "metrics").is_dir() for folder in folders)
    finally:
        for server in servers:
            server.stop()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def test_a_long_instance_folder_gets_a_short_socket_path(app, tmp_path):
    deep = tmp_path / ("x" * 90)
    server = Gunicorn(app, INSTANCE_DIR=str(deep), own_instance=False)
    try:
        sockets = list(Path(tempfile.gettempdir()).glob("storyboard-*.ctl"))
        ours = [socket for socket in sockets if _workers_of(socket) == set(server.worker_pids())]
        assert len(ours) == 1 and len(str(ours[0])) < 100
        assert (deep / "metrics").is_dir()
    finally:
        server.stop()
