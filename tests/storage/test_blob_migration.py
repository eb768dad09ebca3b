"""Migration 0003 on a database with data: BYTEA blobs of 0002 move into chunks (and back on downgrade)."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text

C = 256 * 1024
NOW = "2026-01-01 00:00:00"
CONTENT = {
    "multi": os.urandom(3 * C + 12345),
    "exact": os.urandom(2 * C),
    "small": b"0123456789",
    "empty": b"",
    "null": None,  # a blob the filesystem store held on a Postgres database: no bytes in the row
}


def _old_rows(db) -> dict[str, str]:
    """Rows as revision 0002 stored them, one asset pointing at the multi-chunk blob; returns blob ids."""
    ids = {key: str(uuid.uuid4()) for key in CONTENT}
    user_id = str(uuid.uuid4())
    db.session.execute(
        text("INSERT INTO users (id, username, is_active, created_at) VALUES (:id, 'old', true, :now)"),
        {"id": user_id, "now": NOW},
    )
    for key, data in CONTENT.items():
        db.session.execute(
            text(
                "INSERT INTO asset_blobs (id, sha256, size_bytes, content_type, data, created_at)"
                " VALUES (:id, :sha, :size, 'application/octet-stream', :data, :now)"
            ),
            {
                "id": ids[key],
                "sha": key.ljust(64, "0"),
                "size": 1 if data is None else len(data),
                "data": data,
                "now": NOW,
            },
        )
    db.session.execute(
        text(
            "INSERT INTO assets (id, user_id, name, type, status, blob_id, uploaded_at, updated_at)"
            " VALUES (:id, :user, 'old', 'document', 'ready', :blob, :now, :now)"
        ),
        {"id": str(uuid.uuid4()), "user": user_id, "blob": ids["multi"], "now": NOW},
    )
    db.session.commit()
    return ids


def test_old_bytea_blobs_stay_readable_after_the_upgrade(fresh_app, backend):
    from flask_migrate import downgrade, upgrade

    from storyboard.models import Blob, db

    with fresh_app.app_context():
        upgrade(revision="0002")
        if backend.name != "postgres":
            # Only the postgres store ever wrote asset_blobs.data; here the upgrade must keep rows and references.
            ids = _old_rows(db)
            upgrade()
            assert db.session.scalar(text("SELECT blob_id FROM assets")) == ids["multi"]
            assert db.session.scalar(text("SELECT count(*) FROM asset_blobs")) == len(CONTENT)
            return
        ids = _old_rows(db)
        upgrade()
        from storyboard.storage.postgres import PostgresStore

        store = PostgresStore()
        chunks = dict(
            db.session.execute(text("SELECT blob_id, count(*) FROM asset_blob_chunks GROUP BY blob_id")).all()
        )
        assert chunks == {ids["multi"]: 4, ids["exact"]: 2, ids["small"]: 1}
        for key, data in CONTENT.items():
            blob = db.session.get(Blob, ids[key])
            if data is None:
                assert not store.exists(blob)
                continue
            assert store.exists(blob)
            assert b"".join(store.open_range(blob)) == data
            if len(data) > C:
                assert b"".join(store.open_range(blob, C - 2, C + 2)) == data[C - 2 : C + 3]
        db.session.commit()

        downgrade(revision="0002")
        back = dict(db.session.execute(text("SELECT id, data FROM asset_blobs")).all())
        assert {key: (bytes(back[ids[key]]) if back[ids[key]] is not None else None) for key in CONTENT} == CONTENT
