"""storyboard: a self-hostable backend for AI video-ad production (the V3 API)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping

# Requests whose transactions only read: DEFERRED on SQLite, so they never wait for a writer.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)
# The start-up line is logged by the first app a process builds (gunicorn, the worker, a CLI command).
_announced = threading.Event()


def create_app(config: Mapping | None = None, env: Mapping | None = None):
    """Build the Flask app from `env` (default: the process environment), with `config` on top."""
    from flask import Flask, g, request
    from flask_cors import CORS
    from flask_migrate import Migrate
    from werkzeug.middleware.proxy_fix import ProxyFix

    import config as settings
    from storyboard import cli, logs
    from storyboard.api import limits, metrics, principal, register
    from storyboard.api.base import Api
    from storyboard.integrations import media
    from storyboard.models import db
    from storyboard.services import webhooks
    from storyboard.services.core import transactions

    app = Flask(__name__)
    values = settings.load_config(env)
    values.update(config or {})
    app.config.update(settings.finalize(values))
    app.config.update(_api_settings())
    logs.init_app(app)  # first: its clock and metrics' start before any other hook can answer
    metrics.init_app(app)
    media.set_decode_budget(app.config["MEDIA_DECODE_MEMORY_MB"])
    _setup_database(app, db)
    webhooks.install(db.session)
    Migrate(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    CORS(
        app,
        origins=list(app.config["CORS_ORIGINS"]),
        supports_credentials=True,
        expose_headers=["Content-Range", "Content-Length", "ETag", "X-Request-ID", *limits.EXPOSED_HEADERS],
    )

    @app.before_request
    def _start():
        # First of all hooks: authentication already reads. GET and HEAD read only (see transactions.py).
        g.transaction_mode = transactions.set_read_only(request.method in READ_ONLY_METHODS)
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex

    @app.teardown_request
    def _end(_error):
        token = g.pop("transaction_mode", None)
        if token is not None:
            transactions.reset_mode(token)

    app.before_request(principal.authenticate)
    limits.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        # The client address that rate limits count by: the one the trusted proxies saw, not the last proxy's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])

    @app.after_request
    def _tag(response):
        response.headers.setdefault("X-Request-ID", getattr(g, "request_id", ""))
        return response

    api = Api(app)
    register(api)
    cli.register(app)
    if not _announced.is_set():
        _announced.set()
        log.info("storyboard starting: %s", startup_line(app))
    return app


def startup_line(app) -> str:
    """What this process uses: storyboard writer, voice-over engine, blob store, queue and database."""
    from storyboard.integrations.render import voice

    config = app.config
    engine = voice.engine_info()
    voice_over = (
        f"{engine['engine']} {engine['version']} ({engine['package']})"
        if engine["available"]
        else f"none ({engine.get('reason')})"
    )
    parts = {
        "writer": _writer(config),
        "voice-over": voice_over,
        "blob store": _blob_store(config),
        "queue": _queue(config),
        "database": _dialect(config["SQLALCHEMY_DATABASE_URI"]),
    }
    return "; ".join(f"{name} {value}" for name, value in parts.items())


def _writer(config) -> str:
    from urllib.parse import urlsplit

    from storyboard import errors
    from storyboard.integrations.llm import get_provider
    from storyboard.integrations.llm.openai_compat import ANTHROPIC_BASE_URL, OPENAI_BASE_URL

    try:
        provider = get_provider(config)
    except errors.StoryboardError as error:
        return f"not configured ({error.message})"
    if provider.name == "offline":
        return f"offline ({provider.model})"
    default = ANTHROPIC_BASE_URL if provider.name == "anthropic" else OPENAI_BASE_URL
    url = urlsplit(config.get("AI_BASE_URL") or default)
    host = url.hostname or "?"  # never the URL's user, password, path or query
    return f"{provider.name} model {provider.model} at {host}" + (f":{url.port}" if url.port else "")


def _blob_store(config) -> str:
    kind = config.get("BLOB_STORAGE_TYPE", "filesystem")
    return f"filesystem ({config.get('BLOB_STORAGE_DIR')})" if kind == "filesystem" else str(kind)


def _queue(config) -> str:
    from urllib.parse import urlsplit

    if not config.get("REDIS_URL"):
        return f"in-process threads ({config.get('LOCAL_WORK_THREADS')})"
    url = urlsplit(config["REDIS_URL"])
    where = f"{url.hostname}:{url.port or 6379}" if url.hostname else "a socket"
    prefix = config.get("RQ_QUEUE_PREFIX") or ""
    return f"RQ at {where} (queue prefix {prefix!r})"


def _dialect(uri: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(uri).get_backend_name()


def _api_settings() -> dict:
    return {
        "API_TITLE": "storyboard V3 API",
        "API_VERSION": "3.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v3",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Swagger UI from the installed package's files (api/docs.py); security, ids and errors: api/openapi.
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
    }


def _setup_database(app, db) -> None:
    from sqlalchemy import event

    from storyboard.services.core import transactions

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
            # DEFERRED for read-only work, IMMEDIATE for the rest; a write in a read-only one is refused.
            event.listen(db.engine, "begin", transactions.sqlite_begin)
            event.listen(db.engine, "before_cursor_execute", transactions.guard_sqlite_write)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling lets a SAVEPOINT commit on release; SQLAlchemy emits BEGIN instead
    # (see transactions.sqlite_begin), so nested transactions roll back with their parent as they do on Postgres.
    dbapi_connection.isolation_level = None
    # Foreign keys make cascades real; WAL lets readers read a snapshot while one connection writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
