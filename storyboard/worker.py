"""The RQ worker process, run inside the Flask app so tasks share its configuration."""

from __future__ import annotations

import logging
import time

from rq import Worker

from storyboard.models import db
from storyboard.queue import queue_name, redis_connection
from storyboard.services import maintenance

log = logging.getLogger(__name__)
SWEEP_EVERY_SECONDS = 60


class AppWorker(Worker):
    """Disposes pooled connections in the forked work horse (a socket must never cross a fork), and sweeps."""

    def perform_job(self, job, queue):
        db.engine.dispose(close=False)
        return super().perform_job(job, queue)

    _last_sweep = 0.0

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
    # A short worker TTL makes abandoned jobs of a killed worker come back in about a minute.
    names = [queue_name(app, q) for q in queues]
    w = AppWorker(names, connection=redis_connection(app), worker_ttl=30, maintenance_interval=5)
    w.work(burst=burst, with_scheduler=True)
