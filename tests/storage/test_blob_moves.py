"""`flask blobs migrate` and `flask blobs verify` between the backend's own store and a real S3 server (moto's
process): moved in batches and after a killed run, every digest checked, and the API serving every asset from
wherever its row says its bytes are throughout."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from tests.api.test_assets import upload
from tests.support.envelope import assert_ok
from tests.support.s3_server import app_on_s3
from tests.support.workers import ROOT, worker_env


def _png(seed: int) -> bytes:
    """A distinct small PNG per seed (its own blob and thumbnail)."""
    image = Image.frombytes("RGB", (64, 48), hashlib.sha256(str(seed).encode()).digest() * 288)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def with_s3(app, s3_server):
    """The session's app able to reach the S3 server (a key prefix of its own); its configured store unchanged."""
    yield from app_on_s3(app, s3_server, write=False, S3_MAX_ATTEMPTS=1)


def _cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=["blobs", *args])
    return result.exit_code, result.output


def _stores(app) -> dict[str | None, int]:
    from storyboard.models import Blob, db

    with app.app_context():
        rows = db.session.execute(select(Blob.store, func.count()).group_by(Blob.store)).all()
        return {store: n for store, n in rows}


def _s3_keys(app) -> list[str]:
    from storyboard.storage import store_named

    with app.app_context():
        store = store_named("s3")
        listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
        return [item["Key"] for item in listing.get("Contents", [])]


def _all_served(api, assets: dict[str, bytes]) -> None:
    for asset_id, data in assets.items():
        response = api.get(f"/api/v3/assets/{asset_id}/data")
        assert response.status_code == 200 and response.data == data, asset_id
        ranged = api.get(f"/api/v3/assets/{asset_id}/data", headers={"Range": "bytes=10-99"})
        assert ranged.status_code == 206 and ranged.data == data[10:100], asset_id
        assert api.get(f"/api/v3/assets/{asset_id}/thumbnail").status_code == 200, asset_id


def test_blobs_move_to_s3_in_batches_and_back_with_every_digest_verified(with_s3, api, backend):
    app, home = with_s3, backend.blob_storage
    assets = {}
    for seed in range(4):
        data = _png(seed)
        assets[assert_ok(upload(api, f"p{seed}.png", data, type="image", name=f"P{seed}"), 201)["id"]] = data
    assert _stores(app) == {home: 8}  # each image and its thumbnail
    with app.app_context():
        from storyboard.models import db

        db.session.execute(text("UPDATE asset_blobs SET store = NULL"))  # as rows from before revision 0010 are
        db.session.commit()
    _all_served(api, assets)  # NULL: the configured store

    # An interrupted move: three blobs, then the service serves every asset from both stores
    code, out = _cli(app, "migrate", "--to", "s3", "--limit", "3")
    assert code == 0 and "moved 3, failed 0" in out and "5 left" in out, out
    assert _stores(app) == {None: 5, "s3": 3}
    _all_served(api, assets)
    code, out = _cli(app, "verify")
    assert code == 0 and "checked 8: missing 0, mismatched 0, unreferenced 0" in out, out

    # Resumed: the rest move, nothing moves twice
    code, out = _cli(app, "migrate", "--to", "s3")
    assert code == 0 and "moved 5, failed 0" in out, out
    assert _stores(app) == {"s3": 8}
    assert len([k for k in _s3_keys(app) if "/blobs/" in k]) == 8
    _all_served(api, assets)
    code, out = _cli(app, "migrate", "--to", "s3")
    assert code == 0 and "moved 0, failed 0" in out, out

    # And back, dropping the S3 copies as each blob lands home
    code, out = _cli(app, "migrate", "--to", home, "--delete-source")
    assert code == 0 and "moved 8, failed 0, old copies removed 8" in out, out
    assert _stores(app) == {home: 8}
    assert _s3_keys(app) == []
    _all_served(api, assets)
    code, out = _cli(app, "verify", "--quiet")
    assert code == 0 and out.strip() == "checked 8: missing 0, mismatched 0, unreferenced 0", out


def test_verify_names_a_missing_and_a_corrupt_blob_and_a_move_skips_them(with_s3, api, backend):
    from storyboard.models import Asset, Blob, db
    from storyboard.storage import store_named

    app = with_s3
    ids = [assert_ok(upload(api, f"p{n}.png", _png(n), type="image", name=f"P{n}"), 201)["id"] for n in range(2)]
    code, out = _cli(app, "migrate", "--to", "s3", "--delete-source")
    assert code == 0 and "moved 4, failed 0, old copies removed 4" in out, out
    with app.app_context():
        s3 = store_named("s3")
        lost, bad = (db.session.get(Blob, db.session.get(Asset, i).blob_id) for i in ids)
        lost_id, bad_id = lost.id, bad.id
        s3.delete_content(lost.sha256)
        s3.client.put_object(Bucket=s3.bucket, Key=s3.key(bad.sha256), Body=b"x" * bad.size_bytes)
    code, out = _cli(app, "verify")
    assert code == 1, out
    assert f"{lost_id} s3 missing from the s3 store" in out and f"{bad_id} s3 does not match its sha256" in out
    assert "checked 4: missing 1, mismatched 1" in out

    code, out = _cli(app, "migrate", "--to", backend.blob_storage)
    assert code == 1 and "moved 2, failed 2" in out, out
    assert f"{lost_id} " in out and "missing from the s3 store" in out
    assert "do not match its sha256 and size" in out
    # The two good ones came home; the two broken ones still name s3, and no half copy stayed behind
    assert _stores(app) == {backend.blob_storage: 2, "s3": 2}
    if backend.blob_storage == "postgres":
        with app.app_context():
            orphans = (
                "SELECT count(*) FROM asset_blob_chunks c JOIN asset_blobs b ON b.id = c.blob_id WHERE b.store = 's3'"
            )
            assert db.session.scalar(text(orphans)) == 0


@pytest.mark.slow
@pytest.mark.postgres
def test_a_killed_move_resumes_and_every_digest_matches(with_s3, api, backend):
    """A real `flask blobs migrate` process killed while it uploads a 40 MiB blob in parts; the next run finishes."""
    if backend.blob_storage != "postgres":
        pytest.skip("the kill lands mid-copy of a blob read from the postgres store")
    from storyboard.storage import store_named

    app = with_s3
    big = b"%PDF-1.4\n" + os.urandom(40 * 1024 * 1024)  # a document by its header; its bytes random
    assets = {assert_ok(upload(api, "big.pdf", big, type="document", name="Big"), 201)["id"]: big}
    for seed in range(3):
        data = _png(seed)
        assets[assert_ok(upload(api, f"p{seed}.png", data, type="image", name=f"P{seed}"), 201)["id"]] = data
    env = worker_env(app, **{k: app.config[k] for k in ("S3_ENDPOINT_URL", "S3_BUCKET_NAME", "S3_PREFIX", "S3_REGION")})
    env.update(S3_ACCESS_KEY_ID="test", S3_SECRET_ACCESS_KEY="test")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "blobs", "migrate", "--to", "s3"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    small = {k: v for k, v in assets.items() if v is not big}
    with app.app_context():
        s3 = store_named("s3")
        deadline = time.monotonic() + 60
        while not s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.prefix).get("Uploads"):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
            _all_served(api, small)  # the service serves while the move runs
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with app.app_context():
        from storyboard.models import Asset, Blob, db

        big_blob = db.session.get(Blob, db.session.get(Asset, next(iter(assets))).blob_id)
        assert big_blob.store == "postgres"  # killed mid-copy: its row still names the old store
        assert s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.prefix).get("Uploads")
    _all_served(api, small)
    whole = api.get(f"/api/v3/assets/{next(iter(assets))}/data")
    assert whole.status_code == 200 and hashlib.sha256(whole.data).hexdigest() == hashlib.sha256(big).hexdigest()

    code, out = _cli(app, "migrate", "--to", "s3", "--delete-source", "--quiet")
    assert code == 0 and "failed 0" in out, out
    assert _stores(app) == {"s3": 7}
    with app.app_context():
        from storyboard.models import db

        assert db.session.scalar(text("SELECT count(*) FROM asset_blob_chunks")) == 0
    code, out = _cli(app, "verify", "--quiet")
    assert code == 0 and "checked 7: missing 0, mismatched 0" in out, out
    with app.app_context():  # the killed run's unfinished upload is the sweeper's (BLOB_DEBRIS_MAX_AGE_SECONDS)
        assert s3.sweep_debris(-60) == 1
        assert not s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.prefix).get("Uploads")
    _all_served(api, small)
    ranged = api.get(f"/api/v3/assets/{next(iter(assets))}/data", headers={"Range": "bytes=1048576-2097151"})
    assert ranged.status_code == 206 and ranged.data == big[1048576:2097152]
