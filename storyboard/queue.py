"""Background work: RQ on Redis when REDIS_URL is set, a small in-process thread runner otherwise.

`WORK` is the one table of background work: for each kind its task (a dotted path, so services never
import task modules), queue, RQ job id and hard timeout. Enqueuers start work with `start(kind, id)`,
and sweepers ask `is_alive(kind, id)` with the same table, so an id format is written once.
Both runners call the same task function with the same arguments.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Work:
    """One kind of background work; `retry` lets RQ run it again after a crash or a lost worker."""

    task: str
    queue: str
    id_format: str
    timeout: int
    retry: bool = True

    def job_id(self, object_id: str, attempt: int = 1) -> str:
        return self.id_format.format(id=object_id, attempt=attempt)


WORK: dict[str, Work] = {
    "ingest": Work("storyboard.tasks.ingest.download_asset", "ingest", "ingest-{id}", 300),
    "storyboard": Work("storyboard.tasks.storyboards.generate_storyboard", "llm", "storyboard-{id}", 600),
    "render": Work("storyboard.tasks.render.render_job", "render", "render-{id}", 1800),
    # Deliveries schedule their own next attempt (with backoff), so each attempt has its own id.
    "webhook": Work("storyboard.tasks.webhooks.deliver", "webhooks", "webhook-{id}-{attempt}", 60, retry=False),
}
QUEUES = tuple(dict.fromkeys(work.queue for work in WORK.values()))
# RQ's retry intervals for abandoned or failed runs.
RETRY_INTERVALS = [10, 30, 90]
LIVE_STATES = {"queued", "started", "scheduled", "deferred"}

_executor: ThreadPoolExecutor | None = None
_timers: dict[threading.Timer, float] = {}
_executor_lock = threading.Lock()


def resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def start(kind: str, object_id: str, *, attempt: int = 1, delay: float = 0) -> None:
    """Run the `kind` work of `object_id` in the background (after `delay` s); call after the caller's commit."""
    work = WORK[kind]
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        _enqueue_rq(app, work, object_id, work.job_id(object_id, attempt), delay)
    else:
        _submit_local(app, work.task, (object_id,), delay)


def is_alive(kind: str, object_id: str, *, attempt: int = 1) -> bool:
    """True while RQ still holds that work queued, running or scheduled (never true in process mode)."""
    return job_state(WORK[kind].job_id(object_id, attempt)) in LIVE_STATES


def _enqueue_rq(app, work: Work, object_id: str, job_id: str, delay: float = 0):
    from datetime import timedelta

    from rq import Queue, Retry

    q = Queue(queue_name(app, work.queue), connection=redis_connection(app))
    options = dict(
        job_id=job_id,
        job_timeout=work.timeout,
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS) if work.retry else None,
        result_ttl=300,
        failure_ttl=7 * 24 * 3600,
    )
    if delay > 0:
        # Delayed jobs need a worker started with the scheduler (ours always is).
        q.enqueue_in(timedelta(seconds=delay), work.task, object_id, **options)
    else:
        q.enqueue(work.task, object_id, **options)


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
