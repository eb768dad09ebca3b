"""What only the s3 store does: multipart uploads in parts, no staging or half upload left behind, S3's failures
as the envelope's errors, HeadBucket for /readyz; against a real S3 server process (moto's)."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import uuid

import pytest

from storyboard import errors
from storyboard.models import Blob, db
from storyboard.storage import _build
from storyboard.storage.s3 import S3BlobStore, make_client
from tests.support.s3_server import free_port

PART = 5 * 1024 * 1024  # S3's (and moto's) smallest part but the last
BIG = os.urandom(2 * PART + 4321)


def s3_store(settings: dict, part_bytes: int = PART) -> S3BlobStore:
    return S3BlobStore(make_client(settings), settings["S3_BUCKET_NAME"], settings.get("S3_PREFIX", ""), part_bytes)


@pytest.fixture
def store(ctx, s3_server):
    return s3_store(s3_server.settings(S3_PREFIX=f"t-{uuid.uuid4().hex[:8]}/"))


def keys(store) -> set[str]:
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
    return {item["Key"] for item in listing.get("Contents", [])}


def open_uploads(store) -> list:
    return store.client.list_multipart_uploads(Bucket=store.bucket, Prefix=store.prefix).get("Uploads", [])


class Breaks(io.RawIOBase):
    """A stream that gives `good` bytes, then fails as a client hanging up mid-upload would."""

    def __init__(self, good: bytes):
        self.inner = io.BytesIO(good)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.inner.read(size)
        if not chunk:
            raise OSError("client went away")
        return chunk


def test_a_body_longer_than_a_part_goes_up_in_parts_and_reads_back(store):
    calls = []  # botocore's own event hook: which requests the store sent
    store.client.meta.events.register("before-call.s3.*", lambda model, params, **_: calls.append(model.name))
    blob, created = store.put_stream(io.BytesIO(BIG), "video/mp4")
    db.session.commit()
    assert created and blob.sha256 == hashlib.sha256(BIG).hexdigest() and blob.size_bytes == len(BIG)
    assert b"".join(store.open_range(blob)) == BIG
    assert b"".join(store.open_range(blob, PART - 3, PART + 3)) == BIG[PART - 3 : PART + 4]
    assert calls.count("UploadPart") == 3 and "PutObject" not in calls and "CompleteMultipartUpload" in calls


def test_a_body_shorter_than_a_part_is_one_put(store):
    calls = []
    store.client.meta.events.register("before-call.s3.*", lambda model, params, **_: calls.append(model.name))
    blob, _ = store.put_stream(io.BytesIO(b"small"), "text/plain")
    assert "PutObject" in calls and "CreateMultipartUpload" not in calls
    assert b"".join(store.open_range(blob)) == b"small"


def test_only_the_content_key_remains_after_a_put(store):
    blob, _ = store.put_stream(io.BytesIO(BIG), "video/mp4")
    again, created = store.put_stream(io.BytesIO(BIG), "video/mp4")
    assert not created and again.id == blob.id
    assert keys(store) == {store.key(blob.sha256)} and open_uploads(store) == []


def test_a_failed_multipart_upload_is_aborted_and_leaves_nothing(store):
    with pytest.raises(OSError):
        store.put_stream(Breaks(BIG[: PART + 10]), "video/mp4")
    assert open_uploads(store) == [] and keys(store) == set()
    assert db.session.query(Blob).count() == 0


def test_a_known_local_file_goes_straight_to_its_content_key(store, tmp_path):
    source = tmp_path / "render.mp4"
    source.write_bytes(BIG)
    sha = hashlib.sha256(BIG).hexdigest()
    blob, created = store.put_file(str(source), "video/mp4", sha)
    assert created and blob.size_bytes == len(BIG) and keys(store) == {store.key(sha)}


def test_check_asks_the_bucket(store, s3_server):
    assert store.check(0) == "ok"
    assert s3_store(s3_server.settings(S3_BUCKET_NAME="no-such-bucket")).check(0) == "unavailable"


def test_an_unreachable_server_is_503(ctx, s3_server):
    gone = s3_store(s3_server.settings(S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", S3_MAX_ATTEMPTS=1))
    with pytest.raises(errors.Unavailable) as caught:
        gone.put_stream(io.BytesIO(b"bytes"), "text/plain")
    assert caught.value.status == 503 and "cannot be reached" in caught.value.message
    assert gone.check(0) == "unavailable"


def test_a_server_that_never_answers_is_504(ctx, s3_server):
    with socket.socket() as silent:  # the kernel accepts the connection; nobody ever answers on it
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        mute = s3_store(s3_server.settings(S3_ENDPOINT_URL=url, S3_TIMEOUT_SECONDS=0.5, S3_MAX_ATTEMPTS=1))
        blob = Blob(id="b", sha256="0" * 64, size_bytes=10, content_type="text/plain")
        with pytest.raises(errors.UpstreamTimeout) as caught:
            mute.read_now(blob, 0, 9)
    assert caught.value.status == 504


def test_a_server_that_went_away_is_503(ctx, tmp_path):
    from tests.support.s3_server import BUCKET, S3Server

    server = S3Server(tmp_path).start()
    try:
        store = s3_store(server.settings(S3_MAX_ATTEMPTS=1))
        store.client.create_bucket(Bucket=BUCKET)
        blob, _ = store.put_stream(io.BytesIO(BIG), "video/mp4")
        assert store.read_now(blob, 0, 9) == BIG[:10]
    finally:
        server.stop()
    with pytest.raises(errors.Unavailable):
        list(store.open_range(blob))


def test_blob_storage_type_s3_builds_the_store_from_settings(s3_server):
    built = _build({"BLOB_STORAGE_TYPE": "s3", **s3_server.settings(S3_PREFIX="p/")})
    assert isinstance(built, S3BlobStore) and built.prefix == "p/" and built.check(0) == "ok"


class Generated(io.RawIOBase):
    """`size` pseudo-random bytes made as they are read, so the test itself holds no copy of the body."""

    def __init__(self, size: int):
        self.left, self.block = size, os.urandom(64 * 1024)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = min(self.left, len(self.block) if size < 0 else size)
        self.left -= n
        whole, rest = divmod(n, len(self.block))
        return b"".join([self.block] * whole + [self.block[:rest]])


def test_a_long_upload_holds_about_one_part_in_memory(store):
    import tracemalloc

    total = 8 * PART + 17
    tracemalloc.start()
    try:
        blob, _ = store.put_stream(Generated(total), "video/mp4")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert blob.size_bytes == total and peak < 2 * PART, f"peak {peak / 2**20:.1f} MiB for 5 MiB parts"
