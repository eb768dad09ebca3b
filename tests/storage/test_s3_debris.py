"""The sweeper's `blob_debris`: a killed writer's staging objects and unfinished multipart uploads leave the bucket
once older than BLOB_DEBRIS_MAX_AGE_SECONDS; younger ones, blobs and other prefixes stay (a real moto server)."""

from __future__ import annotations

import io
import uuid

import pytest

from storyboard.services import maintenance
from storyboard.storage import get_store
from tests.storage.test_s3_store import keys, open_uploads, s3_store
from tests.support.s3_server import app_on_s3


@pytest.fixture
def on_s3(app, s3_server):
    yield from app_on_s3(app, s3_server)


def leave_debris(store) -> tuple[str, str]:
    """What a writer killed mid-put leaves: a staging object, and a multipart upload never completed."""
    staged = store.staging_key(uuid.uuid4().hex)
    store.client.put_object(Bucket=store.bucket, Key=staged, Body=b"half a render")
    upload = store.client.create_multipart_upload(Bucket=store.bucket, Key=store.staging_key(uuid.uuid4().hex))
    store.client.upload_part(
        Bucket=store.bucket, Key=upload["Key"], UploadId=upload["UploadId"], PartNumber=1, Body=b"part one"
    )
    return staged, upload["UploadId"]


def test_old_staging_objects_and_unfinished_uploads_go_blobs_stay(ctx, s3_server):
    store = s3_store(s3_server.settings(S3_PREFIX=f"d-{uuid.uuid4().hex[:8]}/"))
    neighbour = s3_store(s3_server.settings(S3_PREFIX=f"n-{uuid.uuid4().hex[:8]}/"))
    blob, _ = store.put_stream(io.BytesIO(b"a real blob"), "text/plain")
    young = store.staging_key(uuid.uuid4().hex)
    store.client.put_object(Bucket=store.bucket, Key=young, Body=b"a live writer's")
    theirs = leave_debris(neighbour)

    # Younger than the threshold (an hour): a live writer's staging object is left alone. (moto 5.2.5 reports
    # every multipart upload as initiated on 2010-11-10, so on it an upload is always old: S3 gives the real time.)
    store.sweep_debris(3600)
    assert keys(store) == {store.key(blob.sha256), young}
    staged, upload_id = leave_debris(store)
    assert [u["UploadId"] for u in open_uploads(store)] == [upload_id]

    # Older than the threshold (a negative age puts the cutoff ahead of the server's clock): all debris goes.
    assert store.sweep_debris(-60) == 3
    assert keys(store) == {store.key(blob.sha256)} and open_uploads(store) == []
    assert b"".join(store.open_range(blob)) == b"a real blob"
    # Another store's prefix in the same bucket is not this store's to sweep.
    assert theirs[0] in keys(neighbour) and [u["UploadId"] for u in open_uploads(neighbour)] == [theirs[1]]
    assert store.sweep_debris(-60) == 0


def test_the_sweep_reports_blob_debris_from_its_setting(on_s3, monkeypatch):
    with on_s3.app_context():
        store = get_store()
        staged, _ = leave_debris(store)
        store.client.abort_multipart_upload(  # only the staging object: moto dates every upload 2010 (see above)
            Bucket=store.bucket, Key=open_uploads(store)[0]["Key"], UploadId=open_uploads(store)[0]["UploadId"]
        )
        monkeypatch.setitem(on_s3.config, "BLOB_DEBRIS_MAX_AGE_SECONDS", 3600.0)
        assert maintenance.sweep()["blob_debris"] == 0 and keys(store) == {staged}
        leave_debris(store)
        monkeypatch.setitem(on_s3.config, "BLOB_DEBRIS_MAX_AGE_SECONDS", -60.0)
        assert maintenance.sweep()["blob_debris"] == 3
        assert keys(store) == set() and open_uploads(store) == []


def test_a_sweep_with_s3_unreachable_still_does_the_rest(on_s3, monkeypatch):
    from tests.support.s3_server import free_port

    monkeypatch.setitem(on_s3.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(on_s3.config, "S3_MAX_ATTEMPTS", 1)
    with on_s3.app_context():
        done = maintenance.sweep()
    assert done["blob_debris"] is None and done["scratch"] >= 0 and "revoked_tokens" in done


def test_stores_without_staging_objects_sweep_nothing(ctx):
    assert get_store().name in {"filesystem", "postgres"}
    assert maintenance.sweep()["blob_debris"] == 0
