"""`make migrate` (flask setup-database): a missing Postgres database is created, then migrated; a server that
does not answer, or a role that may not create databases, is one line naming what to do, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from tests.conftest import PG_ADMIN_URL, _plain, postgres_answers
from tests.support.workers import ROOT, worker_env

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module", autouse=True)
def _postgres():
    if reason := postgres_answers():
        pytest.skip(reason)


def _setup(app, url: str) -> subprocess.CompletedProcess:
    env = worker_env(app, DATABASE_URL=url, BLOB_STORAGE_TYPE="filesystem")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "setup-database"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _url(name: str) -> str:
    return _plain(PG_ADMIN_URL).rsplit("/", 1)[0] + "/" + name


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(_plain(PG_ADMIN_URL), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def test_a_missing_database_is_created_and_migrated(app):
    import psycopg

    name = f"sb_setup_{uuid.uuid4().hex[:10]}"
    try:
        done = _setup(app, _url(name))
        assert done.returncode == 0, done.stderr
        assert f"Created database {name} on " in done.stdout
        with psycopg.connect(_url(name)) as conn:
            tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"users", "jobs", "job_tallies", "alembic_version"} <= tables
        again = _setup(app, _url(name))  # a second run: nothing to create, nothing to migrate
        assert again.returncode == 0 and "Created" not in again.stdout, again.stderr
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_server_that_does_not_answer_is_one_line(app):
    done = _setup(app, "postgresql://postgres@127.0.0.1:1/storyboard")
    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert "Postgres at 127.0.0.1:1 does not answer as postgres: Connection refused" in line
    assert "Traceback" not in done.stderr


def test_a_role_that_may_not_create_databases_is_told_the_command(app):
    role, name = f"sb_weak_{uuid.uuid4().hex[:8]}", f"sb_setup_{uuid.uuid4().hex[:10]}"
    _admin(f"CREATE ROLE {role} LOGIN PASSWORD 'weak-pass' NOCREATEDB")
    try:
        base = _plain(PG_ADMIN_URL).rsplit("/", 1)[0].split("@", 1)[1]
        done = _setup(app, f"postgresql://{role}:weak-pass@{base}/{name}")
        assert done.returncode == 1 and "Traceback" not in done.stderr
        (line,) = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
        assert f"Database {name} does not exist on" in line and f"{role} may not create it" in line
        assert f"-O {role} {name}` as a role that may, then `make migrate` again" in line
        assert "weak-pass" not in done.stderr
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}"', f"DROP ROLE IF EXISTS {role}")
