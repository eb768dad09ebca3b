"""Shared pytest fixtures: media files, a local media server, a trap, fast retries, an app on a fresh database,
the app on a live port."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.support.media_files import MediaFiles
from tests.support.media_server import FakeNetwork, MediaServer, TrapListener


@pytest.fixture(scope="session")
def media_files(tmp_path_factory) -> MediaFiles:
    return MediaFiles(tmp_path_factory.mktemp("media"))


@pytest.fixture
def media_server():
    server = MediaServer().start()
    yield server
    server.stop()


@pytest.fixture
def trap():
    listener = TrapListener().start()
    yield listener
    listener.stop()


@pytest.fixture
def network(media_server, monkeypatch) -> FakeNetwork:
    """Names resolve from a table; the fake public hosts are the media server; nothing else is reachable."""
    return FakeNetwork(media_server.port).install(monkeypatch)


class _Pauses(list):
    """Stands in for the `time` module inside the openai client: each retry pause is recorded, not slept."""

    def sleep(self, seconds: float) -> None:
        self.append(seconds)

    def __getattr__(self, name: str):
        return getattr(time, name)


@pytest.fixture
def llm_retry_pauses(monkeypatch) -> list[float]:
    """The openai client's pauses before each retry (its own backoff, or the server's Retry-After), in seconds."""
    import openai._base_client

    pauses = _Pauses()
    monkeypatch.setattr(openai._base_client, "time", pauses)
    return pauses


@pytest.fixture
def fast_webhook_retries(app, monkeypatch):
    """Webhook retries really go through the queue, 50 ms apart instead of 10 s and more."""
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_DELAYS", (0.05, 0.05, 0.05))


@pytest.fixture
def rq_app(app):
    """The test app with background work on a real Redis, on queues of its own; skips without Redis."""
    import uuid

    from tests.conftest import REDIS_TEST_URL, redis_answers

    if reason := redis_answers():
        pytest.skip(reason)
    # Unique queue names: test runs in parallel (or a developer's worker) never take each other's jobs.
    yield from app_on_redis(app, REDIS_TEST_URL, f"test-{uuid.uuid4().hex[:8]}-")


def app_on_redis(app, url: str, prefix: str):
    """Yield `app` with background work on the Redis at `url` (queues prefixed), then back in process."""
    app.config.update(REDIS_URL=url, RQ_QUEUE_PREFIX=prefix)
    app.extensions.pop("storyboard_redis", None)
    yield app
    app.config.update(REDIS_URL="", RQ_QUEUE_PREFIX="")
    app.extensions.pop("storyboard_redis", None)


def worker_starter(app, folder, **defaults):
    """Yield start(args=(), **env) -> a real RQ worker process for `app` (`flask worker *args`, env over
    `defaults`); all killed afterwards."""
    from tests.support.workers import WorkerProcess

    started: list[WorkerProcess] = []

    def start(args: tuple[str, ...] = (), **env) -> WorkerProcess:
        log = folder / f"worker-{len(started)}.log"
        started.append(WorkerProcess(app, log, args=args, **{**defaults, **env}))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def start_worker(rq_app, tmp_path):
    """Start real RQ workers for the test app; all are killed at the end of the test."""
    yield from worker_starter(rq_app, tmp_path)


@pytest.fixture
def fresh_app(backend, tmp_path):
    """An app on a new, empty database of the session's backend (migrations run by the test), dropped after."""
    import dataclasses
    import uuid

    import psycopg

    from storyboard import create_app
    from storyboard.models import db
    from tests.conftest import PG_ADMIN_URL, _plain, settings_for

    name = f"sb_fresh_{uuid.uuid4().hex[:12]}" if backend.name == "postgres" else None
    if name:
        with psycopg.connect(_plain(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = backend.database_url.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    application = create_app(settings_for(dataclasses.replace(backend, database_url=url), str(tmp_path)), env={})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        with psycopg.connect(_plain(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live_server(app):
    """The test app on a free port, in a thread (its background work runs in this process's pool)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
