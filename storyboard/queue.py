"""Background work: RQ on Redis when REDIS_URL is set, a small in-process thread runner otherwise.

Work is named by dotted path ("storyboard.tasks.ingest.download_asset") so that services never
import task modules. Both runners call the same task function with the same arguments.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import current_app

log = logging.getLogger(__name__)

QUEUES = ("ingest", "llm", "render", "webhooks")
# Per-queue RQ settings: a hard timeout per job and retry intervals for abandoned or failed runs.
JOB_TIMEOUTS = {"ingest": 300, "llm": 600, "render": 1800, "webhooks": 60}
RETRY_INTERVALS = [10, 30, 90]

_executor: ThreadPoolExecutor | None = None
_timers: dict[threading.Timer, float] = {}
_executor_lock = threading.Lock()


def resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(
    path: str, *args, queue: str = "ingest", job_id: str | None = None, retry: bool = True, delay: float = 0
) -> None:
    """Run `path(*args)` in the background (after `delay` seconds), after the caller's commit."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        _enqueue_rq(app, path, args, queue, job_id, retry, delay)
    else:
        _submit_local(app, path, args, delay)


def _enqueue_rq(app, path, args, queue, job_id, retry, delay=0):
    from datetime import timedelta

    from rq import Queue, Retry

    q = Queue(queue_name(app, queue), connection=redis_connection(app))
    options = dict(
        job_id=job_id,
        job_timeout=JOB_TIMEOUTS.get(queue, 600),
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS) if retry else None,
        result_ttl=300,
        failure_ttl=7 * 24 * 3600,
    )
    if delay > 0:
        # Delayed jobs need a worker started with the scheduler (ours always is).
        q.enqueue_in(timedelta(seconds=delay), path, *args, **options)
    else:
        q.enqueue(path, *args, **options)


def job_state(job_id: str) -> str | None:
    """RQ's status of a job ("queued", "started", "scheduled", "deferred", "failed", ...), None if unknown."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return None
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return str(Job.fetch(job_id, connection=redis_connection(app)).get_status(refresh=True).value)
    except NoSuchJobError:
        return None


LIVE_STATES = {"queued", "started", "scheduled", "deferred"}


def queue_name(app, queue: str) -> str:
    """Queues are namespaced by RQ_QUEUE_PREFIX so several deployments (or test runs) can share one Redis."""
    return app.config.get("RQ_QUEUE_PREFIX", "") + queue


def redis_connection(app):
    from redis import Redis

    conn = app.extensions.get("storyboard_redis")
    if conn is None:
        conn = app.extensions["storyboard_redis"] = Redis.from_url(app.config["REDIS_URL"])
    return conn


def _local_executor(threads: int) -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="storyboard-work")
        return _executor


def _submit_local(app, path, args, delay: float = 0) -> None:
    """Run now on the pool, or later from a timer: a delayed retry never holds one of the pool's threads."""
    if delay <= 0:
        _local_executor(app.config.get("LOCAL_WORK_THREADS", 4)).submit(_run_local, app, path, args)
        return

    def fire():
        with _executor_lock:
            _timers.pop(timer, None)
        _submit_local(app, path, args)

    timer = threading.Timer(delay, fire)
    timer.daemon = True
    with _executor_lock:
        _timers[timer] = time.monotonic() + delay
    timer.start()


def _run_local(app, path, args):
    with app.app_context():
        try:
            resolve(path)(*args)
        except Exception:
            # Task functions record failures on their rows; this only keeps the thread alive.
            log.exception("Background task %s%r failed", path, args)


def drain_local(max_delay: float = 30.0) -> None:
    """Wait until in-process work, the work it starts and retries due within `max_delay` s have finished;
    later retries are dropped (tests and shutdown)."""
    global _executor
    while True:
        with _executor_lock:
            executor, _executor = _executor, None
            timers = dict(_timers)
        if executor is None and not timers:
            return
        for timer, due in timers.items():
            if due - time.monotonic() > max_delay:
                timer.cancel()
                with _executor_lock:
                    _timers.pop(timer, None)
            else:
                timer.join()
        if executor is not None:
            executor.shutdown(wait=True)
