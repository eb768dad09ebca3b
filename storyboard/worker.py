"""The RQ worker process, run inside the Flask app so tasks share its configuration.

A worker outlives Redis: RQ's work loop ends on a Redis timeout or an error outside its idle wait, and its
idle wait retries with an error line per try. So a lost Redis ends the loop quietly (`RedisLost`), `run`
waits for Redis with capped exponential backoff, logging the outage once when it begins and once when it
ends, and starts a fresh worker; its first maintenance sweeps, which starts the work the outage stranded.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError
from rq.exceptions import StopRequested
from rq.worker import SimpleWorker, WorkerStatus

from storyboard import logs
from storyboard.models import db
from storyboard.queue import log_fields, new_redis, queue_name
from storyboard.services import maintenance

log = logging.getLogger(__name__)
# A running job's heartbeat lives this many renewal intervals: a killed worker's job is found abandoned
# after about 3 x WORKER_HEARTBEAT_SECONDS (30 s by default) and retried by another worker.
HEARTBEAT_LIFETIMES = 3
# A worker that ran this long before losing Redis starts its next wait from the shortest pause again.
STEADY_SECONDS = 300


class RedisLost(StopRequested):
    """Redis stopped answering: ends RQ's work loop like a stop request (any other exception is logged there
    with a traceback, once per call site), so `run` can wait for Redis and start a fresh worker."""


class AppWorker(SimpleWorker):
    """Runs each job in the worker process itself, and sweeps.

    RQ's default worker forks a work horse per job: about 0.3 s each, and the fork loses the connection pool
    and SQLAlchemy's compiled-statement caches. Without the horse, nobody renews a long job's heartbeat, so a
    thread does it, with the forking worker's short TTL: the job of a worker killed with -9 is still found
    abandoned and retried after about three missed beats. Job timeouts still apply (SIGALRM in the main thread).
    """

    _last_sweep = 0.0
    sweep_every = 60.0
    redis_error: Exception | None = None

    def execute_job(self, job, queue):
        self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(target=self._keep_alive, args=(job, stop), name="rq-heartbeat", daemon=True)
        beat.start()
        try:
            # Every line the job logs (RQ's own included) names the job and RQ's id for it.
            with logs.work_context(**_job_fields(job)):
                self.perform_job(job, queue)
        finally:
            stop.set()
            beat.join()
            # Each job starts with a fresh session; no transaction outlives the job.
            db.session.remove()
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job) -> int:
        # SimpleWorker's TTL is the whole job timeout plus 60 s; the renewing thread allows a short one.
        return self.job_monitoring_interval * HEARTBEAT_LIFETIMES

    def _keep_alive(self, job, stop: threading.Event) -> None:
        while not stop.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job)
            except Exception:  # a missed beat is retried; the job itself must go on
                log.warning("heartbeat of job %s failed", job.id, exc_info=True)

    # --- Redis going away: the calls of RQ's work loop end it quietly instead ----------------------

    @contextmanager
    def _stop_when_redis_fails(self) -> Iterator[None]:
        try:
            yield
        except RedisError as exc:
            self.redis_error = exc
            raise RedisLost(str(exc)) from exc

    def heartbeat(self, timeout=None, pipeline=None):
        # The first call of each turn of RQ's idle wait: a lost Redis leaves it here, not after a retry.
        with self._stop_when_redis_fails():
            super().heartbeat(timeout, pipeline)

    def set_state(self, state, pipeline=None):
        with self._stop_when_redis_fails():
            super().set_state(state, pipeline)

    def check_for_suspension(self, burst: bool):
        with self._stop_when_redis_fails():
            super().check_for_suspension(burst)

    def _pubsub_exception_handler(self, exc, pubsub, pubsub_thread) -> None:
        if not isinstance(exc, RedisError):
            super()._pubsub_exception_handler(exc, pubsub, pubsub_thread)
            return
        # The work loop notices the outage and says so; this thread just waits to subscribe again.
        time.sleep(2.0)

    def teardown(self):
        """RQ's teardown, without Redis if need be: the scheduler stops, the listening thread ends."""
        if self.scheduler:
            self.stop_scheduler()
        try:
            self.register_death()
        except RedisError:
            pass  # the worker's key expires by itself
        if self.pubsub_thread:
            self.pubsub_thread.stop()  # it closes its connection when it leaves its wait
            self.pubsub_thread = None

    def run_maintenance_tasks(self):
        with self._stop_when_redis_fails():
            super().run_maintenance_tasks()
        if time.monotonic() - self._last_sweep < self.sweep_every:
            return
        self._last_sweep = time.monotonic()
        try:
            maintenance.sweep()
        except Exception:  # maintenance must never stop the worker; the next round tries again
            log.exception("sweep failed")
        finally:
            # The worker lives for days: never keep a transaction (on SQLite, the write lock) between sweeps.
            db.session.remove()


def run(app, queues: list[str], *, burst: bool = False) -> None:
    """Work on `queues` until stopped (or, with `burst`, until they are empty); outlives Redis outages."""
    names = [queue_name(app, q) for q in queues]
    maintenance.remove_dead_scratch()  # what workers killed on this host left behind, before taking new work
    pause = 1.0
    while True:
        began = time.monotonic()
        worker, error = _work(app, names, burst)
        if worker is not None and worker._shutdown_requested_date is not None:
            return
        if burst:
            if error is not None:
                raise error
            return
        pause = 1.0 if time.monotonic() - began > STEADY_SECONDS else pause
        pause = _await_redis(app, error, pause)


def _worker(app, names: list[str]) -> AppWorker:
    # Short TTLs make the jobs of a killed worker come back quickly (see AppWorker). The worker has a client
    # of its own: RQ raises its socket timeout above its blocking dequeue, which the app's client must not get.
    worker = AppWorker(
        names,
        connection=new_redis(app.config),
        worker_ttl=30,
        maintenance_interval=5,
        job_monitoring_interval=app.config.get("WORKER_HEARTBEAT_SECONDS", 10),
    )
    worker.sweep_every = app.config.get("SWEEP_INTERVAL_SECONDS", 60.0)
    return worker


def _work(app, names: list[str], burst: bool) -> tuple[AppWorker | None, Exception | None]:
    """Make a worker and run RQ's work loop: (the worker, the Redis error that ended it, if one did)."""
    try:
        worker = _worker(app, names)  # RQ names its connection: Redis is needed already
    except RedisError as exc:
        return None, exc
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level=_level(app))
    except RedisError as exc:  # while starting: Redis was down already
        worker.teardown()
        return worker, exc
    return worker, worker.redis_error


def _job_fields(job) -> dict:
    try:
        return log_fields(job.func_name, tuple(job.args or ()), job.id)
    except Exception:  # unreadable job data: RQ's perform_job fails the job and says why
        return {"rq_job_id": job.id}


def _level(app) -> str:
    # RQ sets its loggers' level itself (INFO unless told): LOG_LEVEL decides for them too.
    return str(app.config.get("LOG_LEVEL") or "INFO").upper()


def _await_redis(app, error: Exception | None, pause: float) -> float:
    """Wait until Redis answers, pausing `pause` s and doubling up to WORKER_RECONNECT_MAX_SECONDS between
    tries; returns the next pause. Logs once when the wait begins and once when it ends."""
    # No job runs now and RQ's handlers would talk to Redis: a stop signal simply ends the process.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cap = float(app.config.get("WORKER_RECONNECT_MAX_SECONDS", 30.0))
    began, probe = time.monotonic(), new_redis(app.config)
    log.warning("worker lost Redis (%s); reconnecting with backoff up to %.0f s", error or "work loop ended", cap)
    try:
        while True:
            time.sleep(pause)
            pause = min(pause * 2, cap)
            try:
                probe.ping()
            except RedisError:
                continue
            log.warning("Redis answers again after %.0f s; the worker starts again", time.monotonic() - began)
            return pause
    finally:
        probe.close()
