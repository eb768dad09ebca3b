"""The postgres store's chunk table: ranges across chunk boundaries, staged chunks, bounded memory, disconnects."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import uuid

import pytest
from sqlalchemy import func, insert, select, text

from storyboard import errors
from storyboard.models import Asset, Blob, db
from storyboard.models.blob import BlobChunk
from storyboard.services.core.blobs import READ_NOW_BYTES
from storyboard.storage import get_store

pytestmark = pytest.mark.postgres

C = 256 * 1024  # storage.postgres.CHUNK_BYTES, spelled out so a change of the stored format shows here
DATA = os.urandom(3 * C + 777)
EXACT = os.urandom(2 * C)  # ends on a chunk boundary: no short (or empty) last chunk


@pytest.fixture
def store(ctx):
    store = get_store()
    if store.name != "postgres":
        pytest.skip("the chunk table belongs to the postgres store")
    from storyboard.storage.postgres import CHUNK_BYTES

    assert CHUNK_BYTES == C
    return store


def put(store, data: bytes, content_type: str = "application/octet-stream") -> Blob:
    blob, _ = store.put_stream(io.BytesIO(data), content_type)
    db.session.commit()
    return blob


def chunk_rows(blob_id: str | None = None) -> list[tuple[int, int]]:
    """(seq, length) of the chunks of `blob_id`, or of every chunk."""
    query = select(BlobChunk.seq, func.length(BlobChunk.data)).order_by(BlobChunk.blob_id, BlobChunk.seq)
    if blob_id is not None:
        query = query.where(BlobChunk.blob_id == blob_id)
    return [tuple(row) for row in db.session.execute(query)]


def read(store, blob, start=0, end=None) -> list[bytes]:
    chunks = list(store.open_range(blob, start, end))
    assert all(0 < len(c) <= 1024 * 1024 for c in chunks)
    return chunks


def test_a_blob_is_stored_as_full_chunks_and_a_short_last_one(store):
    blob = put(store, DATA)
    assert chunk_rows(blob.id) == [(0, C), (1, C), (2, C), (3, 777)]
    assert b"".join(read(store, blob)) == DATA


@pytest.mark.parametrize(
    "start, end",
    [
        (0, 0),  # the first byte
        (C - 1, C - 1),  # the last byte of a chunk
        (C, C),  # the first byte of the next
        (C - 1, C),  # two bytes across a boundary
        (C, 2 * C - 1),  # exactly one chunk
        (C - 1, 2 * C),  # one chunk plus a byte each side
        (5, 3 * C + 5),  # first and last chunk sliced, two whole between
        (3 * C, 3 * C + 776),  # exactly the short tail
        (len(DATA) - 1, len(DATA) - 1),  # the last byte
        (0, len(DATA) - 1),  # everything
    ],
)
def test_ranges_across_chunk_boundaries(store, start, end):
    blob = put(store, DATA)
    chunks = read(store, blob, start, end)
    assert b"".join(chunks) == DATA[start : end + 1]
    assert len(chunks) == end // C - start // C + 1  # one piece per chunk touched


def test_a_blob_ending_on_a_chunk_boundary_has_no_empty_tail(store):
    blob = put(store, EXACT)
    assert chunk_rows(blob.id) == [(0, C), (1, C)]
    assert b"".join(read(store, blob)) == EXACT
    assert read(store, blob, 2 * C - 1, 2 * C - 1) == [EXACT[-1:]]
    assert b"".join(read(store, blob, C, None)) == EXACT[C:]
    assert b"".join(read(store, blob, C - 3, 10 * C)) == EXACT[C - 3 :]  # an end past the blob is clipped
    assert read(store, blob, 2 * C, None) == []  # a start past the end reads nothing
    assert store.exists(blob)


def test_empty_and_tiny_blobs(store):
    empty, tiny = put(store, b""), put(store, b"x")
    assert chunk_rows(empty.id) == [] and read(store, empty) == [] and store.exists(empty)
    assert chunk_rows(tiny.id) == [(0, 1)] and read(store, tiny) == [b"x"] and store.exists(tiny)


def test_known_content_keeps_no_staged_chunks(store):
    blob = put(store, DATA)
    again, created = store.put_stream(io.BytesIO(DATA), "video/mp4")
    assert not created and again.id == blob.id
    assert len(chunk_rows()) == 4  # before the commit too: the staged copy is gone already
    db.session.commit()
    assert len(chunk_rows()) == 4


def test_losing_a_race_for_the_same_content_drops_the_staged_chunks(store, monkeypatch):
    """Another transaction commits the same sha between our lookup and our insert: theirs wins, ours goes."""
    sha, real = hashlib.sha256(DATA).hexdigest(), db.session.begin_nested
    theirs = str(uuid.uuid4())

    def other_commits_first():
        with db.engine.connect() as other:
            other.execute(insert(Blob).values(id=theirs, sha256=sha, size_bytes=len(DATA), content_type="video/mp4"))
            other.commit()
        return real()

    monkeypatch.setattr(db.session, "begin_nested", other_commits_first)
    blob, created = store.put_stream(io.BytesIO(DATA), "video/mp4")
    monkeypatch.undo()
    assert not created and blob.id == theirs
    assert chunk_rows() == []  # our staged copy is gone (theirs, inserted bare here, has none)
    db.session.commit()


def test_a_rolled_back_put_leaves_no_chunks(store):
    store.put_stream(io.BytesIO(DATA), "video/mp4")
    assert len(chunk_rows()) == 4
    db.session.rollback()
    assert chunk_rows() == []


def test_deleting_the_row_deletes_its_chunks(store):
    keep, gone = put(store, b"keep me"), put(store, DATA)
    db.session.delete(gone)
    db.session.commit()
    store.delete_content(gone.sha256)
    assert chunk_rows() == [(0, 7)] and chunk_rows(keep.id) == [(0, 7)]


class Trickle(io.RawIOBase):
    """A stream that returns at most `step` bytes per read, like a socket or a form upload."""

    def __init__(self, data: bytes, step: int):
        self.data, self.pos, self.step = data, 0, step

    def readable(self):
        return True

    def read(self, size=-1):
        n = self.step if size is None or size < 0 else min(size, self.step)
        piece = self.data[self.pos : self.pos + n]
        self.pos += len(piece)
        return piece


def test_short_reads_still_make_full_chunks(store):
    blob, _ = store.put_stream(Trickle(DATA, 10_000), "application/octet-stream")
    db.session.commit()
    assert blob.sha256 == hashlib.sha256(DATA).hexdigest() and blob.size_bytes == len(DATA)
    assert chunk_rows(blob.id) == [(0, C), (1, C), (2, C), (3, 777)]
    assert b"".join(read(store, blob, C - 1, 2 * C)) == DATA[C - 1 : 2 * C + 1]


class Breaks(io.RawIOBase):
    """A stream that fails after `good` bytes (a dropped download, an upload over its cap)."""

    def __init__(self, good: int):
        self.left = good

    def readable(self):
        return True

    def read(self, size=-1):
        if self.left <= 0:
            raise OSError("connection reset")
        n = min(self.left, 64 * 1024 if size is None or size < 0 else size)
        self.left -= n
        return b"x" * n


def test_a_stream_failing_midway_leaves_nothing_after_the_rollback(store):
    keep = put(store, b"committed before")
    with pytest.raises(OSError, match="connection reset"):
        store.put_stream(Breaks(C + 100), "video/mp4")
    db.session.rollback()
    assert chunk_rows() == [(0, 16)]
    assert b"".join(read(store, keep)) == b"committed before"  # the session and the store still work


def test_missing_chunks_are_an_error_not_short_content(store):
    blob = put(store, DATA)
    db.session.execute(text("DELETE FROM asset_blob_chunks WHERE blob_id = :id AND seq = 1"), {"id": blob.id})
    db.session.commit()
    assert b"".join(read(store, blob, 0, C - 1)) == DATA[:C]
    with pytest.raises(errors.StoryboardError, match="missing bytes from chunk 1"):
        list(store.open_range(blob))
    assert store.exists(blob)  # the last chunk is there
    db.session.execute(text("DELETE FROM asset_blob_chunks WHERE blob_id = :id AND seq = 3"), {"id": blob.id})
    db.session.commit()
    assert not store.exists(blob)


def test_reads_see_committed_bytes_and_hold_no_session_transaction(store):
    blob = put(store, DATA)
    assert not db.session().in_transaction()
    pieces = store.open_range(blob, 0, 2 * C)
    first = next(pieces)
    # The session is free while the read is open: a query between chunks neither blocks nor breaks the read.
    assert db.session.scalar(select(func.count(Blob.id))) == 1
    assert first + b"".join(pieces) == DATA[: 2 * C + 1]


def test_closing_a_read_early_hands_its_connection_back(store):
    blob = put(store, DATA)
    db.session.refresh(blob)
    db.session.expunge(blob)
    db.session.remove()
    pool = db.engine.pool
    baseline = pool.checkedout()
    pieces = store.open_range(blob)
    assert next(pieces) == DATA[:C]
    assert pool.checkedout() == baseline + 1
    pieces.close()
    assert pool.checkedout() == baseline
    assert b"".join(store.open_range(blob)) == DATA  # the connection it returned is usable
    db.session.remove()
    assert pool.checkedout() == baseline


class Generated(io.RawIOBase):
    """`size` pseudo-random bytes made as they are read (no buffer of the whole content)."""

    def __init__(self, size: int):
        self.left, self.counter, self.digest = size, 0, hashlib.sha256()

    def readable(self):
        return True

    def read(self, size=-1):
        n = min(self.left, 64 * 1024 if size is None or size < 0 else size)
        out = bytearray()
        while len(out) < n:
            out += hashlib.sha512(self.counter.to_bytes(8, "big")).digest() * 512  # 32 KiB
            self.counter += 1
        piece = bytes(out[:n])
        self.left -= n
        self.digest.update(piece)
        return piece


def test_50_mb_in_and_out_with_bounded_memory(store):
    size = 50 * 1024 * 1024
    source = Generated(size)
    tracemalloc.start()
    try:
        blob, created = store.put_stream(source, "video/mp4")
        db.session.commit()
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest, total = hashlib.sha256(), 0
        for chunk in store.open_range(blob):
            digest.update(chunk)
            total += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert created and total == size and digest.hexdigest() == blob.sha256 == source.digest.hexdigest()
    assert write_peak < 4 * 1024 * 1024, write_peak
    assert read_peak < 4 * 1024 * 1024, read_peak


# --- through the API ----------------------------------------------------------------------------------------


def serve(app, api, data: bytes) -> str:
    """The /data URL of an asset of `api`'s user whose bytes (`data`) live in the postgres store."""
    with app.app_context():
        store = get_store()
        if store.name != "postgres":
            pytest.skip("the chunk table belongs to the postgres store")
        blob = put(store, data)
        asset = Asset(
            user_id=api.user.id, name="data", type="document", format="bin", content_type="application/octet-stream",
            size=len(data), blob_id=blob.id, status="ready",
        )  # fmt: skip
        db.session.add(asset)
        db.session.commit()
        return f"/api/v3/assets/{asset.id}/data"


@pytest.fixture
def served(app, api):
    return serve(app, api, DATA)


def test_http_ranges_across_chunks(api, served):
    response = api.get(served, headers={"Range": f"bytes={C - 10}-{2 * C + 10}"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {C - 10}-{2 * C + 10}/{len(DATA)}"
    assert response.data == DATA[C - 10 : 2 * C + 11]
    whole = api.get(served)
    assert whole.status_code == 200 and whole.data == DATA


def test_a_client_that_goes_away_releases_the_connection(app, api):
    big = os.urandom(READ_NOW_BYTES + C + 5)  # streamed after the request's transaction, not read at once
    served = serve(app, api, big)
    with app.app_context():
        pool = db.engine.pool
    baseline = pool.checkedout()
    response = api.get(served, buffered=False)
    body = iter(response.response)
    assert next(body) == big[:C]
    assert pool.checkedout() >= baseline + 1
    response.close()  # what the WSGI server does when the client disconnects
    assert pool.checkedout() == baseline
    assert api.get(served).data == big


def test_a_small_span_is_read_within_the_request(app, api, served):
    """Up to READ_NOW_BYTES the bytes come with the request's own query: the body is already in memory when the
    response starts, and no connection stays checked out for it."""
    with app.app_context():
        pool = db.engine.pool
    baseline = pool.checkedout()
    response = api.get(served, headers={"Range": f"bytes={C - 3}-{3 * C + 2}"}, buffered=False)
    assert pool.checkedout() == baseline
    assert response.status_code == 206 and b"".join(response.response) == DATA[C - 3 : 3 * C + 3]


def test_a_missing_chunk_answers_404_before_any_byte(app, api, served):
    with app.app_context():
        db.session.execute(text("DELETE FROM asset_blob_chunks WHERE seq = 1"))
        db.session.commit()
    first = api.get(served, headers={"Range": f"bytes=0-{C - 1}"})  # chunk 0 is there
    assert first.status_code == 206 and first.data == DATA[:C]
    for headers in ({}, {"Range": f"bytes={C}-{C + 10}"}, {"Range": f"bytes=10-{2 * C}"}):
        response = api.get(served, headers=headers)
        assert response.status_code == 404, headers
        assert response.json["error"] == "Asset data not available"
