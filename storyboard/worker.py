"""The RQ worker process, run inside the Flask app so tasks share its configuration."""

from __future__ import annotations

import logging
import threading
import time

from rq.worker import SimpleWorker, WorkerStatus

from storyboard.models import db
from storyboard.queue import queue_name, redis_connection
from storyboard.services import maintenance

log = logging.getLogger(__name__)
SWEEP_EVERY_SECONDS = 60
# A running job's heartbeat lives this many renewal intervals: a killed worker's job is found abandoned
# after about 3 x WORKER_HEARTBEAT_SECONDS (30 s by default) and retried by another worker.
HEARTBEAT_LIFETIMES = 3


class AppWorker(SimpleWorker):
    """Runs each job in the worker process itself, and sweeps.

    RQ's default worker forks a work horse per job: about 0.3 s each, and the fork loses the connection pool
    and SQLAlchemy's compiled-statement caches. Without the horse, nobody renews a long job's heartbeat, so a
    thread does it, with the forking worker's short TTL: the job of a worker killed with -9 is still found
    abandoned and retried after about three missed beats. Job timeouts still apply (SIGALRM in the main thread).
    """

    _last_sweep = 0.0

    def execute_job(self, job, queue):
        self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(target=self._keep_alive, args=(job, stop), name="rq-heartbeat", daemon=True)
        beat.start()
        try:
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

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        if time.monotonic() - self._last_sweep < SWEEP_EVERY_SECONDS:
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
    # Short TTLs make the jobs of a killed worker come back quickly (see AppWorker).
    names = [queue_name(app, q) for q in queues]
    w = AppWorker(
        names,
        connection=redis_connection(app),
        worker_ttl=30,
        maintenance_interval=5,
        job_monitoring_interval=app.config.get("WORKER_HEARTBEAT_SECONDS", 10),
    )
    maintenance.remove_dead_scratch()  # what workers killed on this host left behind, before taking new work
    w.work(burst=burst, with_scheduler=True)
