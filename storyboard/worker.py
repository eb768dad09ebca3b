"""The RQ worker process, run inside the Flask app so tasks share its configuration."""

from __future__ import annotations

from rq import Worker

from storyboard.models import db
from storyboard.queue import redis_connection


class AppWorker(Worker):
    """Disposes pooled connections in the forked work horse: a socket must never cross a fork."""

    def perform_job(self, job, queue):
        db.engine.dispose(close=False)
        return super().perform_job(job, queue)


def run(app, queues: list[str], *, burst: bool = False) -> None:
    # A short worker TTL makes abandoned jobs of a killed worker come back in about a minute.
    w = AppWorker(queues, connection=redis_connection(app), worker_ttl=30)
    w.work(burst=burst, with_scheduler=True, maintenance_interval=5)
