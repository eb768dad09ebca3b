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
