"""Background work: RQ on Redis when REDIS_URL is set, a small in-process thread runner otherwise.

`WORK` is the one table of background work: for each kind its task (a dotted path, so services never
import task modules), queue, RQ job id and hard timeout (for storyboards, one that grows with the LLM
settings). Enqueuers start work with `start(kind, id)`,
and sweepers ask `is_alive(kind, id)` with the same table, so an id format is written once.
Both runners call the same task function with the same arguments.

The row that needs the work already says so (a pending asset, a pending job, ...), so Redis is a
messenger, not the record: `start` never raises when Redis is down or slow (every call is bounded by
REDIS_SOCKET_TIMEOUT_SECONDS), it logs the outage once and returns False, and the sweeper starts the
work once Redis answers again.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, g, has_request_context

from storyboard import logs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Work:
    """One kind of background work; `retry` lets RQ run it again after a crash or a lost worker; `budget`
    is the longest run the settings allow, when that can exceed `timeout`."""

    task: str
    queue: str
    id_format: str
    timeout: int
    retry: bool = True
    budget: Callable[[Mapping], float] | None = None
    subject: str = "job_id"  # what the id is, in log lines

    def job_id(self, object_id: str, attempt: int = 1) -> str:
        return self.id_format.format(id=object_id, attempt=attempt)

    def timeout_for(self, config: Mapping) -> int:
        """RQ's job timeout under these settings: `timeout` at least, the budget when that is longer."""
        return max(self.timeout, math.ceil(self.budget(config))) if self.budget else self.timeout


# The storyboard work's budget. Before the writer, the job's URL assets are downloaded one after another;
# the writer makes up to WRITER_ATTEMPTS generations (an answer, one corrective retry), each up to
# AI_MAX_RETRIES + 1 requests of AI_TIMEOUT_SECONDS (plus the connect timeout) with the openai client's
# backoff between them (a server's Retry-After may ask for up to 120 s: rare, and then RQ's retry takes
# over), and a rejected structured-output mode costs up to two quick extra requests.
URL_ASSETS_PER_JOB = 20  # the brief's cap on creative.assets (wire/jobs.py)
WRITER_ATTEMPTS = 2  # services/storyboards/writer.ATTEMPTS
CONNECT_SECONDS = 5.0  # the provider's connect timeout
RETRY_PAUSE_SECONDS = 8.0  # the openai client's longest backoff
MODE_FALLBACK_SECONDS = 30.0  # two rejected requests, answered at once
BUDGET_MARGIN_SECONDS = 60.0  # database work, the prompt, storing the scenes


def storyboard_budget(config: Mapping) -> float:
    """The longest a storyboard run may take under `config` (seconds)."""
    timeout = float(config.get("AI_TIMEOUT_SECONDS") or 60)
    retries = int(_setting(config, "AI_MAX_RETRIES", 2))
    generation = (retries + 1) * (timeout + CONNECT_SECONDS) + retries * RETRY_PAUSE_SECONDS
    downloads = URL_ASSETS_PER_JOB * float(config.get("ASSET_DOWNLOAD_TIMEOUT_SECONDS") or 60)
    return downloads + WRITER_ATTEMPTS * (generation + MODE_FALLBACK_SECONDS) + BUDGET_MARGIN_SECONDS


def _setting(config: Mapping, key: str, default):
    value = config.get(key)
    return default if value is None or value == "" else value  # 0 is a real setting


WORK: dict[str, Work] = {
    "ingest": Work("storyboard.tasks.ingest.download_asset", "ingest", "ingest-{id}", 300, subject="asset_id"),
    "storyboard": Work(
        "storyboard.tasks.storyboards.generate_storyboard", "llm", "storyboard-{id}", 600, budget=storyboard_budget
    ),
    "render": Work("storyboard.tasks.render.render_job", "render", "render-{id}", 1800),
    # Deliveries schedule their own next attempt (with backoff), so each attempt has its own id.
    "webhook": Work(
        "storyboard.tasks.webhooks.deliver",
        "webhooks",
        "webhook-{id}-{attempt}",
        60,
        retry=False,
        subject="delivery_id",
    ),
}
QUEUES = tuple(dict.fromkeys(work.queue for work in WORK.values()))
# RQ's retry intervals for abandoned or failed runs.
RETRY_INTERVALS = [10, 30, 90]
LIVE_STATES = {"queued", "started", "scheduled", "deferred"}

# Set on `g` once Redis failed during this request: later starts of the same request skip it.
_FAILED_IN_REQUEST = "storyboard_redis_failed"

_executor: ThreadPoolExecutor | None = None
_timers: dict[threading.Timer, float] = {}
_executor_lock = threading.Lock()
# In-process work handed to the pool and not yet finished: waiting for a thread, and running.
_local_counts = {"queued": 0, "started": 0}


def log_fields(task: str, args: tuple, rq_job_id: str | None = None) -> dict:
    """What the log lines of a run of `task` on `args` carry: its kind, the id it works on, RQ's job id."""
    kind = next((name for name, work in WORK.items() if work.task == task), None)
    if kind is None or not args:
        return {"rq_job_id": rq_job_id}
    return {"work": kind, WORK[kind].subject: str(args[0]), "rq_job_id": rq_job_id}


def resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def start(kind: str, object_id: str, *, attempt: int = 1, delay: float = 0) -> bool:
    """Run the `kind` work of `object_id` in the background (after `delay` s); call after the caller's commit.

    True once the work is handed over (or was already queued or running); False when Redis did not answer:
    nothing is raised, the row still says the work is due and the sweeper starts it later."""
    work = WORK[kind]
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        _submit_local(app, work.task, (object_id,), delay)
        return True
    if has_request_context() and g.get(_FAILED_IN_REQUEST):
        return False  # one wait per request: a bulk create must not wait once per item on a frozen Redis
    from redis.exceptions import RedisError

    try:
        _enqueue_rq(app, work, object_id, work.job_id(object_id, attempt), delay)
    except RedisError as exc:
        _outage.failed(exc)
        if has_request_context():
            g.setdefault(_FAILED_IN_REQUEST, True)
        return False
    _outage.answered()
    return True


def is_alive(kind: str, object_id: str, *, attempt: int = 1) -> bool:
    """True while RQ still holds that work queued, running or scheduled (never true in process mode).

    Raises redis' errors when Redis does not answer: "unknown" must never read as "lost"."""
    return state(kind, object_id, attempt=attempt) in LIVE_STATES


def state(kind: str, object_id: str, *, attempt: int = 1) -> str | None:
    """RQ's status of that work ("failed": RQ used up its retries), None when RQ holds no such job."""
    return job_state(WORK[kind].job_id(object_id, attempt))


def knows_live_work() -> bool:
    """Whether `is_alive` can tell: RQ can, the in-process runner cannot (it holds no record of its work)."""
    return bool(current_app.config.get("REDIS_URL"))


def _enqueue_rq(app, work: Work, object_id: str, job_id: str, delay: float = 0):
    from datetime import timedelta

    from rq import Queue, Retry
    from rq.exceptions import DuplicateJobError

    conn = redis_connection(app)
    q = Queue(queue_name(app, work.queue), connection=conn)
    options = dict(
        job_id=job_id,
        job_timeout=work.timeout_for(app.config),
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS) if work.retry else None,
        result_ttl=300,
        failure_ttl=7 * 24 * 3600,
    )
    if delay > 0:
        # Delayed jobs need a worker started with the scheduler (ours always is).
        if _clear_dead(conn, q.name, job_id):
            q.enqueue_in(timedelta(seconds=delay), work.task, object_id, **options)
        return
    # `unique` makes "is a job of this id there?" and the enqueue one atomic step: a sweeper and a late
    # request (or two sweepers) never queue the same work twice.
    for _ in range(2):
        try:
            q.enqueue(work.task, object_id, unique=True, **options)
            return
        except DuplicateJobError:
            if not _clear_dead(conn, q.name, job_id):
                return  # queued or running already: nothing to add


def _clear_dead(conn, queue: str, job_id: str) -> bool:
    """Delete a finished, failed or stopped job of this id; False when a live one holds the id.

    A job re-enqueued over an old hash would keep that hash's expiry (a finished job's result TTL) and its
    stale fields, and could vanish while it waits; so the old job goes first, together with its registry
    entries, under WATCH so a job that comes alive meanwhile is kept."""
    from redis.exceptions import WatchError
    from rq.job import Job
    from rq.registry import CanceledJobRegistry, FailedJobRegistry, FinishedJobRegistry

    key = Job.key_for(job_id)
    registries = [r(queue, connection=conn).key for r in (FailedJobRegistry, FinishedJobRegistry, CanceledJobRegistry)]
    for _ in range(3):
        with conn.pipeline() as pipe:
            try:
                pipe.watch(key)
                if _decoded(pipe.hget(key, "status")) in LIVE_STATES:
                    return False
                pipe.multi()
                pipe.delete(key)
                for registry in registries:
                    pipe.zrem(registry, job_id)
                pipe.execute()
                return True
            except WatchError:  # the job changed under us: look again
                continue
    return False


def job_state(job_id: str) -> str | None:
    """RQ's status of a job ("queued", "started", "scheduled", "deferred", "failed", ...), None if unknown."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return None
    from rq.job import Job

    return _decoded(redis_connection(app).hget(Job.key_for(job_id), "status"))


def depths() -> dict[str, dict[str, int]]:
    """Jobs per queue (prefixed name): waiting (`queued`), running (`started`), due later (`scheduled`) and
    `failed` (kept for a week); without Redis one queue, `local`, of the in-process runner.

    One round trip to Redis; raises redis' errors when it does not answer."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        with _executor_lock:
            return {"local": {**_local_counts, "scheduled": len(_timers)}}
    from rq import Queue
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    conn, now = redis_connection(app), time.time()
    names = [queue_name(app, name) for name in QUEUES]
    with conn.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(Queue(name, connection=conn).key)
            # Scores are expiry times in the started and failed registries, due times in the scheduled one.
            pipe.zcount(StartedJobRegistry(name, connection=conn).key, now, "+inf")
            pipe.zcard(ScheduledJobRegistry(name, connection=conn).key)
            pipe.zcount(FailedJobRegistry(name, connection=conn).key, now, "+inf")
        counts = pipe.execute()
    states = ("queued", "started", "scheduled", "failed")
    return {name: dict(zip(states, counts[4 * i : 4 * i + 4], strict=True)) for i, name in enumerate(names)}


def _decoded(value: bytes | None) -> str | None:
    return value.decode() if value is not None else None


def ping() -> None:
    """Raise unless Redis answers within the configured timeouts (readiness)."""
    redis_connection(current_app._get_current_object()).ping()


@contextmanager
def exclusive(name: str, *, hold: float, wait: float) -> Iterator[bool]:
    """One holder at a time across every process on this Redis (in process mode: this process only).

    Yields False when another holder kept it for `wait` s; the lock lapses after `hold` s if its holder dies."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        yield True
        return
    from redis.exceptions import LockError

    lock = redis_connection(app).lock(f"storyboard:lock:{queue_name(app, name)}", timeout=hold, blocking_timeout=wait)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:  # it lapsed while we worked; someone else may hold it now
                pass


def queue_name(app, queue: str) -> str:
    """Queues are namespaced by RQ_QUEUE_PREFIX so several deployments (or test runs) can share one Redis."""
    return prefixed(app.config.get("RQ_QUEUE_PREFIX", ""), queue)


# What joins RQ_QUEUE_PREFIX to a name: `acme` gives `acme-render`; a prefix that ends in one already
# (`acme-`, `acme:`) is used as it is.
PREFIX_SEPARATORS = "-_:."


def prefixed(prefix: str, name: str) -> str:
    """`name` under the deployment's prefix: `prefix-name`, or `name` alone without a prefix."""
    if not prefix or prefix.endswith(tuple(PREFIX_SEPARATORS)):
        return prefix + name
    return f"{prefix}-{name}"


def redis_connection(app):
    """The app's Redis client: every call bounded by the configured timeouts, a dead connection retried once."""
    conn = app.extensions.get("storyboard_redis")
    if conn is None:
        conn = app.extensions["storyboard_redis"] = new_redis(app.config)
    return conn


def new_redis(config):
    """A Redis client with bounded calls: a refused or reset connection is retried once at once (a restarted
    server), a timeout is not (a frozen one would double every wait)."""
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError
    from redis.retry import Retry

    return Redis.from_url(
        config["REDIS_URL"],
        socket_timeout=config.get("REDIS_SOCKET_TIMEOUT_SECONDS", 2.0),
        socket_connect_timeout=config.get("REDIS_CONNECT_TIMEOUT_SECONDS", 2.0),
        health_check_interval=config.get("REDIS_HEALTH_CHECK_SECONDS", 15),
        retry=Retry(NoBackoff(), 1, supported_errors=(ConnectionError,)),
    )


class _Outage:
    """Logs a Redis outage once when it starts and once when it ends, not once per failed call."""

    def __init__(self) -> None:
        self.since: float | None = None

    def failed(self, exc: Exception) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("Redis does not answer (%s): new work waits for the sweeper until it does", exc)
        else:
            log.debug("Redis still does not answer: %s", exc)

    def answered(self) -> None:
        if self.since is not None:
            log.warning("Redis answers again after %.0f s", time.monotonic() - self.since)
            self.since = None


_outage = _Outage()


def _local_executor(threads: int) -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="storyboard-work")
        return _executor


def _submit_local(app, path, args, delay: float = 0) -> None:
    """Run now on the pool, or later from a timer: a delayed retry never holds one of the pool's threads."""
    if delay <= 0:
        with _executor_lock:
            _local_counts["queued"] += 1
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
    _count_local("queued", "started")
    with app.app_context(), logs.work_context(**log_fields(path, args)):
        try:
            resolve(path)(*args)
        except Exception:
            # Task functions record failures on their rows; this only keeps the thread alive.
            log.exception("Background task %s%r failed", path, args)
        finally:
            _count_local("started", None)


def _count_local(left: str, entered: str | None) -> None:
    with _executor_lock:
        _local_counts[left] -= 1
        if entered:
            _local_counts[entered] += 1


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
