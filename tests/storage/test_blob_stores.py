"""The BlobStore contract, on the store each backend uses (filesystem with SQLite, chunks in Postgres with Postgres)
and on the s3 store against a real S3 server process (moto's), whatever the database."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import pytest
from sqlalchemy import text

from storyboard.models import Blob, db
from storyboard.storage import get_store

DATA = os.urandom(3 * 1024 * 1024 + 12345)  # spans several 1 MiB slices, ends mid-slice


@pytest.fixture(params=["configured", "s3"])
def store(request, ctx, app):
    """The backend's own store, then the s3 store (a key prefix of its own per test) installed as the app's."""
    if request.param == "configured":
        return get_store()
    from storyboard.storage.s3 import S3BlobStore, make_client

    server = request.getfixturevalue("s3_server")
    settings = server.settings(S3_PREFIX=f"t-{uuid.uuid4().hex[:8]}/")
    s3 = S3BlobStore(make_client(settings), settings["S3_BUCKET_NAME"], settings["S3_PREFIX"])
    app.extensions["storyboard_blob_store"] = s3  # _clean_state drops it after the test
    return s3


def holds(store, sha: str) -> bool | None:
    """Whether the store keeps bytes under the content's own name (None: rows, not names, hold them)."""
    if store.name == "filesystem":
        return store.path(sha).is_file()
    if store.name == "s3":
        return store.key(sha) in s3_keys(store)
    return None


def s3_keys(store) -> set[str]:
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
    return {item["Key"] for item in listing.get("Contents", [])}


def test_put_stores_once_per_content_and_reads_back(store):
    blob, created = store.put_stream(io.BytesIO(DATA), "video/mp4")
    db.session.commit()
    assert created and blob.sha256 == hashlib.sha256(DATA).hexdigest() and blob.size_bytes == len(DATA)
    again, created_again = store.put_stream(io.BytesIO(DATA), "video/mp4")
    assert not created_again and again.id == blob.id
    assert b"".join(store.open_range(blob)) == DATA


@pytest.mark.parametrize(
    "start, end", [(0, 0), (10, 99), (1024 * 1024 - 5, 1024 * 1024 + 5), (len(DATA) - 7, len(DATA) - 1)]
)
def test_ranges_read_exactly_the_bytes_asked_for(store, start, end):
    blob, _ = store.put_stream(io.BytesIO(DATA), "application/octet-stream")
    db.session.commit()
    chunks = list(store.open_range(blob, start, end))
    assert b"".join(chunks) == DATA[start : end + 1]
    assert max(len(c) for c in chunks) <= 1024 * 1024


def test_rolled_back_put_leaves_no_bytes(store):
    blob, created = store.put_stream(io.BytesIO(b"short-lived"), "text/plain")
    sha = blob.sha256
    db.session.rollback()
    store.discard_uncommitted(sha)
    assert db.session.query(Blob).filter_by(sha256=sha).count() == 0
    assert holds(store, sha) in (False, None)


def test_empty_content_is_a_valid_blob(store):
    blob, _ = store.put_stream(io.BytesIO(b""), "text/plain")
    db.session.commit()
    assert blob.size_bytes == 0 and store.exists(blob)


def test_deleting_content_removes_it(store):
    blob, _ = store.put_stream(io.BytesIO(b"to delete"), "text/plain")
    db.session.commit()
    sha = blob.sha256
    db.session.delete(blob)
    db.session.commit()
    store.delete_content(sha)
    assert db.session.query(Blob).filter_by(sha256=sha).count() == 0
    assert holds(store, sha) in (False, None)


def lose_content(store, blob) -> None:
    """Damage the store behind the row's back, as a lost disk or a bad restore would."""
    if store.name == "filesystem":
        store.path(blob.sha256).unlink()
    elif store.name == "s3":
        store.client.delete_object(Bucket=store.bucket, Key=store.key(blob.sha256))
    else:
        db.session.execute(text("DELETE FROM asset_blob_chunks WHERE blob_id = :id"), {"id": blob.id})
        db.session.commit()


@pytest.mark.parametrize(
    "start, end",
    [(0, 0), (10, 99), (1024 * 1024 - 5, 1024 * 1024 + 5), (len(DATA) - 7, len(DATA) - 1), (0, len(DATA) - 1)],
)
def test_read_now_returns_exactly_the_span(store, start, end):
    blob, _ = store.put_stream(io.BytesIO(DATA), "application/octet-stream")
    db.session.commit()
    assert store.read_now(blob, start, end) == DATA[start : end + 1]


def test_read_now_says_none_when_the_content_is_gone(store):
    blob, _ = store.put_stream(io.BytesIO(DATA), "application/octet-stream")
    db.session.commit()
    lose_content(store, blob)
    assert store.read_now(blob, 0, 99) is None and not store.exists(blob)


def test_open_file_is_positioned_at_the_start_of_the_span(store):
    blob, _ = store.put_stream(io.BytesIO(DATA), "application/octet-stream")
    db.session.commit()
    f = store.open_file(blob, 12345)
    if store.name != "filesystem":
        assert f is None  # no files: the response streams or reads at once instead
        return
    with f:
        assert f.read(100) == DATA[12345:12445]
    store.path(blob.sha256).write_bytes(DATA[:-1])  # truncated behind the row's back: never promised as whole
    assert store.open_file(blob, 0) is None
    lose_content(store, blob)
    assert store.open_file(blob, 0) is None


@pytest.mark.parametrize("known", [True, False])
def test_put_file_stores_a_local_file_and_leaves_it_in_place(store, tmp_path, known):
    source = tmp_path / "download"
    source.write_bytes(DATA)
    sha = hashlib.sha256(DATA).hexdigest()
    blob, created = store.put_file(str(source), "video/mp4", sha if known else None)
    db.session.commit()
    assert created and blob.sha256 == sha and blob.size_bytes == len(DATA)
    assert source.read_bytes() == DATA  # the caller's file, still whole
    source.unlink()  # what the caller's cleanup does: the blob must not depend on it
    assert b"".join(store.open_range(blob)) == DATA
    again = tmp_path / "again"
    again.write_bytes(DATA)
    same, created_again = store.put_file(str(again), "video/mp4", sha if known else None)
    assert not created_again and same.id == blob.id


def test_staged_hears_of_the_bytes_before_their_row_exists(store):
    """The hook a unit of work registers its undo with runs once the bytes are stored and before the row is
    inserted, so a failure anywhere after it still removes them."""
    seen = []

    def staged(sha: str) -> None:
        seen.append((sha, db.session.query(Blob).filter_by(sha256=sha).count(), holds(store, sha)))

    blob, created = store.put_stream(io.BytesIO(DATA), "application/octet-stream", staged=staged)
    expected_on_disk = True if store.name in ("filesystem", "s3") else None
    assert created and seen == [(blob.sha256, 0, expected_on_disk)]
