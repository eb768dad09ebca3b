"""Upgrading keeps the data: a database made by the first migration keeps every row through head (SQLite)."""

from __future__ import annotations

import sqlite3

from flask_migrate import upgrade

from storyboard import create_app


def test_upgrading_an_sqlite_database_keeps_users_and_what_references_them(tmp_path):
    path = tmp_path / "old.db"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "x" * 40,
        "BLOB_STORAGE_DIR": str(tmp_path / "blobs"),
    }
    app = create_app(settings, env={})
    with app.app_context():
        upgrade(revision="0001")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO users (id, username, is_admin, is_active, created_at) VALUES ('u1', 'ann', 0, 1, '2026-01-01')"
        )
        conn.execute(
            "INSERT INTO clients (id, user_id, name, description, created_at, updated_at)"
            " VALUES ('c1', 'u1', 'Acme', '', '2026-01-01', '2026-01-01')"
        )
    with app.app_context():
        upgrade()
        from storyboard.models import db

        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT username FROM users").fetchall() == [("ann",)]
        assert conn.execute("SELECT id, user_id FROM clients").fetchall() == [("c1", "u1")]
        assert "is_admin" not in {row[1] for row in conn.execute("PRAGMA table_info(users)")}


def test_scenes_made_before_0008_get_empty_on_screen_text_and_jobs_no_audio(tmp_path):
    path = tmp_path / "0007.db"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "x" * 40,
        "BLOB_STORAGE_DIR": str(tmp_path / "blobs"),
    }
    app = create_app(settings, env={})
    with app.app_context():
        upgrade(revision="0007")
    now = "2026-01-01"
    with sqlite3.connect(path) as conn:
        conn.execute(f"INSERT INTO users (id, username, is_active, created_at) VALUES ('u1', 'ann', 1, '{now}')")
        conn.execute(
            "INSERT INTO clients (id, user_id, name, description, created_at, updated_at)"
            f" VALUES ('c1', 'u1', 'Acme', '', '{now}', '{now}')"
        )
        conn.execute(
            "INSERT INTO jobs (id, user_id, client_id, status, request, generate_audio, estimated_cost, generation,"
            " version, created_at, updated_at)"
            f" VALUES ('j1', 'u1', 'c1', 'completed', '{{}}', 0, 3.0, 1, 1, '{now}', '{now}')"
        )
        conn.execute(
            "INSERT INTO job_scenes (id, job_id, scene_number, duration, description, assets, metadata, version,"
            f" created_at, updated_at) VALUES ('s1', 'j1', 1, 5.0, 'A wide shot', '[]', '{{}}', 1, '{now}', '{now}')"
        )
    with app.app_context():
        upgrade()
        from storyboard.models import db

        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT description, on_screen_text FROM job_scenes").fetchall() == [("A wide shot", "")]
        assert conn.execute("SELECT audio FROM jobs").fetchall() == [(None,)]
