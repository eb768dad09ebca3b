"""The deployment's server for tests: gunicorn serving the test app's database and blob store on a free port."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.workers import ROOT, worker_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` with `workers` processes of `threads` threads."""

    def __init__(self, app, *, workers: int = 1, threads: int = 4, own_instance: bool = True, **env):
        self.port = free_port()
        settings = {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": workers, "GUNICORN_THREADS": threads}
        # The instance's control socket and metrics files in a folder of the test's, not the checkout's var/run
        # (unless the test is about that default).
        self.instance = tempfile.TemporaryDirectory(prefix="gunicorn-")
        if own_instance:
            settings["INSTANCE_DIR"] = self.instance.name
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"]
        # The log goes to a file: an unread pipe would fill up and stall the server.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [*command, "wsgi:app"],
            cwd=ROOT,
            env=worker_env(app, **settings, **env),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        # The master listens before its workers exist: ready is a /healthz a worker answered.
        for _ in range(400):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok and len(self.worker_pids()) == workers:
                    return
                time.sleep(0.05)
            except OSError:
                if self.proc.poll() is not None:
                    self.log.seek(0)
                    raise RuntimeError(self.log.read().decode(errors="replace")) from None
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        return [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]

    def log_text(self) -> str:
        """What gunicorn wrote to stderr so far (its own lines and the app's)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        self.instance.cleanup()


def memory_kb(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    """Make VmHWM start again from the current RSS (Linux: 5 to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
