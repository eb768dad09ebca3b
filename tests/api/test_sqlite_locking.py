"""SQLite's one write lock: reads never wait for it, writes still take it in turn, API-key bookkeeping never
makes a read wait or fail, and a revoked key is refused on the very next request.

Another connection (a plain sqlite3 one, in a thread) stands for any other writer: a worker, a second
gunicorn process. Its steps are ordered with events, never timed.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest

from tests.conftest import ApiClient
from tests.support.envelope import assert_ok
from tests.support.sqlite_writer import SAFETY_TIMEOUT, Writer, sqlite_file


@pytest.fixture
def sqlite_path(app, backend) -> str:
    return sqlite_file(app, backend)


def _client_insert(user_id: str, name: str):
    now = "2020-01-01 00:00:00.000000"
    sql = "INSERT INTO clients (id, user_id, name, description, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?)"
    return sql, (str(uuid.uuid4()), user_id, name, now, now)


def _names(api) -> set[str]:
    return {c["name"] for c in assert_ok(api.get("/api/v3/clients?limit=100"))}


def _last_used(path: str, user_id: str):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT last_used FROM api_keys WHERE user_id = ?", (user_id,)).fetchone()[0]


def test_reads_complete_while_another_connection_holds_the_write_lock(sqlite_path, api, job):
    client_id, job_id = job["clientId"], job["id"]
    reads = [
        "/api/v3/clients",
        f"/api/v3/clients/{client_id}",
        f"/api/v3/clients/{client_id}/stats",
        "/api/v3/jobs",
        "/api/v3/jobs?limit=50&status=storyboard_review",
        f"/api/v3/jobs/{job_id}",
        f"/api/v3/jobs/{job_id}/scenes",
        f"/api/v3/jobs/{job_id}/scenes/1",
        f"/api/v3/jobs/{job_id}/scenes/1/revisions",
        f"/api/v3/jobs/{job_id}/events",
        "/api/v3/campaigns",
        "/api/v3/assets",
        "/api/v3/webhook",
        "/api/auth/api-keys",
    ]
    with Writer(sqlite_path, [_client_insert(api.user.id, "Uncommitted Co")]) as writer:
        for path in reads:
            assert_ok(api.get(path))
        assert api.head("/api/v3/clients").status_code == 200
        assert api.client.get("/readyz").status_code == 200
        # A snapshot of what was committed: the writer's row is not there yet.
        assert "Uncommitted Co" not in _names(api)
        assert not writer.done.is_set()
    assert "Uncommitted Co" in _names(api)


def test_concurrent_read_then_write_requests_never_hit_database_is_locked(sqlite_path, app, api):
    """Each request reads (its API key, the client) before it writes. Deferred, two of them would deadlock
    and one would fail at once with "database is locked" (409); IMMEDIATE makes them take turns."""
    rounds, statuses = 5, []
    lock = threading.Lock()
    ready = [threading.Event(), threading.Event()]

    def work(index: int) -> None:
        me = ApiClient(app.test_client(), api.key, api.user)
        ready[index].set()
        for n in range(rounds):
            created = me.post("/api/v3/clients", json={"name": f"T{index}-{n}"})
            with lock:
                statuses.append(created.status_code)
            if created.status_code != 201:
                continue
            client_id = created.get_json()["data"]["id"]
            updated = me.put(f"/api/v3/clients/{client_id}", json={"name": f"T{index}-{n} updated"})
            with lock:
                statuses.append(updated.status_code)

    with Writer(sqlite_path, [_client_insert(api.user.id, "Held")]) as writer:
        threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(2)]
        for thread in threads:
            thread.start()
        for event in ready:
            assert event.wait(SAFETY_TIMEOUT)
        # Both threads are about to send their first write: it meets the held lock, or the other thread's.
        writer.finish()
        for thread in threads:
            thread.join(SAFETY_TIMEOUT)
    assert statuses.count(201) == 2 * rounds and statuses.count(200) == 2 * rounds, statuses
    expected = {f"T{i}-{n} updated" for i in range(2) for n in range(rounds)} | {"Held"}
    assert _names(api) == expected


def test_the_api_key_touch_is_skipped_while_the_lock_is_busy_and_recorded_later(sqlite_path, app, api):
    assert _last_used(sqlite_path, api.user.id) is None  # never used yet: the first request records it
    with Writer(sqlite_path):
        assert_ok(api.get("/api/v3/clients"))
    assert _last_used(sqlite_path, api.user.id) is None  # skipped, not waited for
    assert_ok(api.get("/api/v3/clients"))
    assert _last_used(sqlite_path, api.user.id) is not None


def test_a_revoked_key_is_refused_on_the_very_next_request_even_while_a_writer_holds_the_lock(sqlite_path, app, api):
    from storyboard.models import User, db
    from storyboard.services import accounts

    with app.app_context():
        key, plain = accounts.create_api_key(db.session.get(User, api.user.id), "second")
        key_id = key.id
    second = ApiClient(app.test_client(), plain, api.user)
    assert_ok(second.get("/api/v3/clients"))
    assert_ok(api.delete(f"/api/auth/api-keys/{key_id}"))
    with Writer(sqlite_path, [_client_insert(api.user.id, "Busy")]):
        assert second.get("/api/v3/clients").status_code == 401
        assert_ok(api.get("/api/v3/clients"))
