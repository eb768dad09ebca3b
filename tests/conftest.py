"""Test app on every backend that answers: a database and a blob store, paired as in BACKEND_IDS."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from config import database_url
from tests.support import factories

pytest_plugins = ["tests.support.fixtures", "tests.support.s3_server"]

PG_ADMIN_URL = (
    os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# The database + blob store pairs a test can run on, by id: the database's own store on each database (`sqlite`:
# filesystem on SQLite, `postgres`: BYTEA chunks on Postgres), then the other stores on Postgres.
BACKEND_IDS = ("sqlite", "postgres", "postgres-filesystem", "postgres-s3")
# The pairs only the API suite also runs on: the store matrix apart from the database matrix. The stores' own
# contract runs on every store in tests/storage already; elsewhere a store is what its database pairs it with.
STORE_COMBOS = frozenset({"postgres-filesystem", "postgres-s3"})
STORE_COMBO_DIRS = (Path(__file__).parent / "api",)
# API test modules that never reach a blob store (no upload, serving, render, deletion or /readyz check of a
# store): a store pair would only repeat them, so they run on sqlite and postgres only. tests/api on postgres-s3
# took over 7 min with them (moto answers every store call), against the CI budget of a few minutes per pair.
STORE_INDIFFERENT_API_MODULES = frozenset(
    {
        *("test_openapi.py", "test_docs_page.py", "test_login_limits.py", "test_sessions.py", "test_rate_limits.py"),
        *("test_request_logs.py", "test_clients.py", "test_campaigns.py", "test_on_screen_text.py"),
        *("test_scene_durations.py", "test_errors.py"),
    }
)
# Which pairs the `backend` fixture runs tests on (`make test-fast` sets TEST_BACKENDS=sqlite); in BACKEND_IDS order.
_asked = [name.strip() for name in os.environ.get("TEST_BACKENDS", ",".join(BACKEND_IDS)).split(",") if name.strip()]
if not _asked or set(_asked) - set(BACKEND_IDS):
    raise ValueError(f"TEST_BACKENDS must name some of {', '.join(BACKEND_IDS)}, not {os.environ['TEST_BACKENDS']!r}")
BACKENDS = [name for name in BACKEND_IDS if name in _asked]
UNPAIRED = "no-pair-asked"
# Cheap scrypt parameters: a full-strength hash per test user costs far more than most tests.
TEST_PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


def postgres_answers() -> str | None:
    """None when Postgres answers, else the reason it does not."""
    if not PG_ADMIN_URL.startswith("postgres"):
        return "DATABASE_URL is not a Postgres URL"
    try:
        import psycopg

        with psycopg.connect(_plain(PG_ADMIN_URL), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means: skip these tests, say why
        return f"Postgres does not answer at {PG_ADMIN_URL}: {type(exc).__name__}"


def redis_answers() -> str | None:
    try:
        from redis import Redis

        Redis.from_url(REDIS_TEST_URL, socket_timeout=2).ping()
        return None
    except Exception as exc:  # any failure to connect means: skip these tests, say why
        return f"Redis does not answer at {REDIS_TEST_URL}: {type(exc).__name__}"


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@dataclass
class Backend:
    name: str  # the database: sqlite or postgres
    database_url: str
    blob_storage: str  # the store: filesystem, postgres or s3
    store_settings: dict = field(default_factory=dict)  # the store's own settings (s3: endpoint, bucket, prefix)


def backends_for(path: Path) -> list[str]:
    """The pairs a test file runs on: all asked for in the API suite (but its store-indifferent modules), the
    database's own store elsewhere."""
    in_store_dirs = any(path.is_relative_to(folder) for folder in STORE_COMBO_DIRS)
    if in_store_dirs and path.name not in STORE_INDIFFERENT_API_MODULES:
        return BACKENDS
    return [name for name in BACKENDS if name not in STORE_COMBOS]


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        # A file left with no pair (TEST_BACKENDS=postgres-s3 outside tests/api) gets a placeholder, deselected below.
        names = backends_for(metafunc.definition.path) or [UNPAIRED]
        metafunc.parametrize("backend", names, indirect=True, scope="session")


def pytest_collection_modifyitems(config, items):
    unpaired = [item for item in items if _pair(item) == UNPAIRED]
    if unpaired:
        config.hook.pytest_deselected(items=unpaired)
        items[:] = [item for item in items if _pair(item) != UNPAIRED]


def _pair(item) -> str | None:
    return getattr(item, "callspec", None) and item.callspec.params.get("backend")


@pytest.fixture(scope="session")
def backend(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        yield Backend("sqlite", f"sqlite:///{path}", "filesystem")
        return
    reason = postgres_answers()
    if reason:
        pytest.skip(reason)
    store = request.param.removeprefix("postgres-") if request.param in STORE_COMBOS else "postgres"
    settings = {}
    if store == "s3":
        server = request.getfixturevalue("s3_server")
        settings = server.settings(S3_PREFIX=f"suite-{uuid.uuid4().hex[:8]}/")
    yield from _postgres_backend(store, settings)


def _postgres_backend(store: str, store_settings: dict):
    import psycopg

    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = _plain(PG_ADMIN_URL).rsplit("/", 1)[0]
    yield Backend("postgres", database_url(f"{base}/{name}"), store, store_settings)
    with psycopg.connect(_plain(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_for(backend: Backend, blob_dir: str, **overrides) -> dict:
    settings = {
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "test-secret-0123456789abcdef0123456789abcdef",
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
        "SQLALCHEMY_DATABASE_URI": backend.database_url,
        "BLOB_STORAGE_TYPE": backend.blob_storage,
        "BLOB_STORAGE_DIR": blob_dir,
        "ASSET_FETCH_ALLOW_PRIVATE": True,
        "AI_PROVIDER": "offline",
        "REDIS_URL": "",
        "RQ_QUEUE_PREFIX": "",
        "REQUEST_WAIT_SECONDS": 20.0,
        "LOG_LEVEL": "WARNING",
        # Limits stay on (every request passes them) but out of reach: tests/api/test_rate_limits.py lowers them.
        "RATE_LIMIT_DEFAULT": "100000/minute",
        "RATE_LIMIT_CREATE": "100000/minute",
        # Never the developer's own var/local_api_key
        "LOCAL_API_KEY_FILE": f"{blob_dir}-local_api_key",
        **backend.store_settings,
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory):
    from flask_migrate import upgrade

    from storyboard import create_app

    blob_dir = str(tmp_path_factory.mktemp("blobs"))
    application = create_app(settings_for(backend, blob_dir), env={})
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        from storyboard.models import db

        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Each test starts with empty tables, an empty blob folder and no failures counted by the rate limits."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    from storyboard.queue import drain_local

    drain_local()
    with application.app_context():
        from storyboard.models import db

        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
    backend = request.getfixturevalue("backend")
    if backend.blob_storage == "s3":
        _empty_bucket_prefix(backend.store_settings)
    root = application.config["BLOB_STORAGE_DIR"]
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    application.extensions.pop("storyboard_blob_store", None)
    # Failed logins and bad keys of one test must not spend the next test's budget.
    application.extensions["storyboard_limits"].reset()


_s3_clients: dict[str, object] = {}


def _empty_bucket_prefix(settings: dict) -> None:
    """Delete every object under the s3 backend's prefix (blobs and any staging keys a test left)."""
    from storyboard.storage.s3 import make_client

    # One client per backend: building one costs about 0.1 s of CPU, more than the listing and the deletes.
    prefix, bucket = settings["S3_PREFIX"], settings["S3_BUCKET_NAME"]
    client = _s3_clients.get(prefix) or _s3_clients.setdefault(prefix, make_client(settings))
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


class ApiClient:
    """A test client that sends one user's API key with every request."""

    def __init__(self, client, key: str, user):
        self.client, self.key, self.user = client, key, user

    def open(self, method: str, path: str, **kwargs):
        headers = {"X-API-Key": self.key, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)

    def head(self, path, **kw):
        return self.open("HEAD", path, **kw)


def _api_for(app, username: str) -> ApiClient:
    with app.app_context():
        user, key = factories.make_user(username)
        user_id = user.id
    with app.app_context():
        from storyboard.models import User, db

        user = db.session.get(User, user_id)
        db.session.expunge(user)
    return ApiClient(app.test_client(), key, user)


@pytest.fixture
def api(app):
    """User A's client."""
    return _api_for(app, "alice")


@pytest.fixture
def other(app):
    """User B's client: A's ids must be invisible to it."""
    return _api_for(app, "bob")
