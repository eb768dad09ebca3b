"""Real RQ worker processes for end-to-end tests: started against the test app's database and blob store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables of the developer's shell that must not leak into a worker under test.
SCRUBBED = ("AI_API_KEY", "OPENAI_API_KEY", "AI_PROVIDER", "AI_BASE_URL", "AI_MODEL", "DATABASE_URL", "REDIS_URL")


def worker_env(app, **extra) -> dict[str, str]:
    cfg = app.config
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": cfg["SECRET_KEY"],
            "PASSWORD_HASH_METHOD": cfg["PASSWORD_HASH_METHOD"],
            "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": cfg["REDIS_URL"],
            "RQ_QUEUE_PREFIX": cfg["RQ_QUEUE_PREFIX"],
            "BLOB_STORAGE_TYPE": cfg["BLOB_STORAGE_TYPE"],
            "BLOB_STORAGE_DIR": cfg["BLOB_STORAGE_DIR"],
            "AI_PROVIDER": cfg["AI_PROVIDER"],
            "LOG_LEVEL": "WARNING",
            "ASSET_FETCH_ALLOW_PRIVATE": "true" if cfg["ASSET_FETCH_ALLOW_PRIVATE"] else "false",
            "ASSET_DOWNLOAD_TIMEOUT_SECONDS": str(cfg["ASSET_DOWNLOAD_TIMEOUT_SECONDS"]),
            "AI_BASE_URL": cfg.get("AI_BASE_URL") or "",
            "AI_API_KEY": cfg.get("AI_API_KEY") or "",
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class WorkerProcess:
    """`flask --app wsgi worker` in its own session, so it and its work horse can be killed together."""

    def __init__(self, app, log_path: Path, **env):
        self.log_path = log_path
        # The worker's log goes to a file: an unread pipe would fill up and stall the worker.
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                cwd=ROOT,
                env=worker_env(app, **env),
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def descendants(self) -> list[int]:
        """Every process below the worker (the scheduler and the work horse have their own groups)."""
        children, frontier = [], [self.proc.pid]
        while frontier:
            pid = frontier.pop()
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                kids = [int(p) for p in task.read_text().split()]
                children += kids
                frontier += kids
        return children

    def kill(self) -> None:
        """kill -9 of the worker, its scheduler and its work horse: nothing of it survives."""
        for pid in [*self.descendants(), self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.kill()


def wait_for(predicate, timeout: float, interval: float = 0.2):
    """Poll until `predicate()` is truthy (returns it) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
