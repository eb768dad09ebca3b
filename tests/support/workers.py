"""Real RQ worker processes for end-to-end tests: started against the test app's database and blob store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables of the developer's shell that must not leak into a worker under test.
SCRUBBED = (
    *("AI_API_KEY", "OPENAI_API_KEY", "AI_PROVIDER", "AI_BASE_URL", "AI_MODEL", "DATABASE_URL", "REDIS_URL"),
    *("PROMETHEUS_MULTIPROC_DIR", "INSTANCE_DIR", "METRICS_TOKEN", "LOG_FORMAT", "RATE_LIMIT_ENABLED"),
)

S3_SETTINGS = (
    *("S3_BUCKET_NAME", "S3_REGION", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_PREFIX"),
    *("S3_TIMEOUT_SECONDS", "S3_MAX_ATTEMPTS"),
)


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
            "RATE_LIMIT_DEFAULT": cfg["RATE_LIMIT_DEFAULT"],
            "RATE_LIMIT_CREATE": cfg["RATE_LIMIT_CREATE"],
            "LOCAL_API_KEY_FILE": cfg["LOCAL_API_KEY_FILE"],
            # The s3 store's bucket, server and prefix (empty, hence unused, with the other stores).
            **{key: str(cfg.get(key, "")) for key in S3_SETTINGS},
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class WorkerProcess:
    """`flask --app wsgi worker [args]` in its own session, so it and its work horse can be killed together."""

    def __init__(self, app, log_path: Path, *, args: tuple[str, ...] = (), **env):
        self.log_path = log_path
        # The worker's log goes to a file: an unread pipe would fill up and stall the worker.
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
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


def expire_dead_workers(app) -> int:
    """Let what killed workers left in Redis expire now instead of after RQ's timeouts; returns the jobs abandoned.

    RQ retries a started job once its registry entry lapses (the heartbeat TTL after the last beat, see
    storyboard/worker.py), and a dead worker's scheduler lock keeps other schedulers off for 61 s. Setting the entry
    in the past and dropping the lock is that wait fast-forwarded: the next worker, at its start, retries the job
    and schedules the retry as RQ would. Call it only while no live worker holds a job of these queues."""
    from rq.registry import StartedJobRegistry
    from rq.scheduler import RQScheduler

    from storyboard.queue import QUEUES, queue_name, redis_connection

    conn, abandoned = redis_connection(app), 0
    for queue in (queue_name(app, name) for name in QUEUES):
        key = StartedJobRegistry(queue, connection=conn).key
        for member in conn.zrange(key, 0, -1):
            conn.zadd(key, {member: 1})
            abandoned += 1
        conn.delete(RQScheduler.get_locking_key(queue))
    return abandoned
