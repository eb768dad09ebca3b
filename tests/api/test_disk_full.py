"""A full blob disk: 507 with the envelope, nothing half-written, and /readyz says so.

The disks are real, mounted for the test (root only; elsewhere the tests are skipped): a 3 MiB tmpfs holding
the filesystem store, its scratch folder and /readyz's probe file, and, for the Postgres store, a 3 MiB tmpfs
tablespace holding the chunk table.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.envelope import assert_error, assert_ok
from tests.support.media_files import noise_wav

MIB = 1024 * 1024


@pytest.fixture
def small_disk(app, tmp_path):
    """The app's blob store on a 3 MiB tmpfs, for this test only."""
    from storyboard.storage.filesystem import FilesystemStore

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    saved = app.extensions.get("storyboard_blob_store")
    app.extensions["storyboard_blob_store"] = FilesystemStore(str(mount))
    try:
        yield mount
    finally:
        app.extensions["storyboard_blob_store"] = saved
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _files(root) -> list[str]:
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


def _rows(app) -> tuple[int, int]:
    from storyboard.models import Asset, Blob, db

    with app.app_context():
        return db.session.scalar(select(func.count(Asset.id))), db.session.scalar(select(func.count(Blob.id)))


def test_an_upload_that_does_not_fit_answers_507_and_keeps_nothing(app, api, small_disk):
    small = assert_ok(
        api.post(
            "/api/v3/assets",
            data={"file": (io.BytesIO(noise_wav(MIB)), "fits.wav"), "type": "audio"},
            content_type="multipart/form-data",
        ),
        201,
    )
    before_rows, before_files = _rows(app), sorted(_files(small_disk))
    response = api.post(
        "/api/v3/assets",
        data={"file": (io.BytesIO(noise_wav(3 * MIB)), "big.wav"), "type": "audio"},
        content_type="multipart/form-data",
    )
    assert_error(response, 507, "Insufficient storage: the blob store's disk is full")
    assert "Traceback" not in response.get_data(as_text=True)
    assert _rows(app) == before_rows and sorted(_files(small_disk)) == before_files
    assert api.get(small["url"]).status_code == 200  # what was stored before still serves


def test_a_download_that_does_not_fit_answers_507_and_keeps_nothing(app, api, small_disk, media_server):
    url = media_server.add("/big.wav", noise_wav(4 * MIB), content_type="audio/wav")
    response = api.post("/api/v3/assets/from-url", json={"name": "big", "type": "audio", "url": url})
    assert_error(response, 507, "Insufficient storage: the blob store's disk is full")
    assert _rows(app) == (0, 0) and _files(small_disk) == []


def test_readyz_reports_a_nearly_full_blob_store(app, small_disk, monkeypatch):
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["blob_store"] == "nearly full"
    assert ready.get_json()["status"] == "degraded"
    monkeypatch.setitem(app.config, "MAX_ASSET_DOWNLOAD_SIZE_MB", 1)  # 2 MiB free is enough for 1 MB files
    ready = client.get("/readyz")
    assert ready.get_json() == {"status": "ok", "checks": {**ready.get_json()["checks"], "blob_store": "ok"}}
    with open(small_disk / "filler", "wb") as filler:  # every block taken: not even a probe file fits
        with pytest.raises(OSError):
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["blob_store"] == "unavailable"


@pytest.fixture
def small_database_disk(app):
    """The Postgres store's chunk table on a 3 MiB tmpfs tablespace, for this test only."""
    from sqlalchemy import text

    from storyboard.models import db

    if app.config["BLOB_STORAGE_TYPE"] != "postgres":
        pytest.skip("the chunk table belongs to the postgres store")
    mount = Path(tempfile.mkdtemp(prefix="sb-pgdisk-"))  # under /tmp: the server's user must reach it
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    subprocess.run(["chown", "postgres:postgres", str(mount)], check=True)
    name, moved = f"sb_tiny_{os.getpid()}", False
    with app.app_context():
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE TABLESPACE {name} LOCATION '{mount}'"))
            # Earlier tests' deleted chunks still take pages: start from an empty file, so the move is small.
            conn.execute(text("TRUNCATE asset_blob_chunks"))
            conn.execute(text(f"ALTER TABLE asset_blob_chunks SET TABLESPACE {name}"))
            moved = True
        yield mount
    finally:
        with engine.connect() as conn:
            if moved:
                conn.execute(text("ALTER TABLE asset_blob_chunks SET TABLESPACE pg_default"))
            conn.execute(text(f"DROP TABLESPACE IF EXISTS {name}"))
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def test_a_full_database_disk_answers_507_for_the_postgres_store(app, api, small_database_disk):
    response = api.post(
        "/api/v3/assets",
        data={"file": (io.BytesIO(noise_wav(5 * MIB)), "big.wav"), "type": "audio"},
        content_type="multipart/form-data",
    )
    assert_error(response, 507, "Insufficient storage: the database's disk is full")
    assert _rows(app) == (0, 0)
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import db
        from storyboard.models.blob import BlobChunk

        assert db.session.scalar(select(func.count()).select_from(BlobChunk)) == 0  # no chunk committed
    # Postgres keeps the pages the rolled-back COPY took (until a vacuum, which itself needs room): the disk
    # stays full, and the next put is refused the same way, never with a 500.
    again = api.post(
        "/api/v3/assets",
        data={"file": (io.BytesIO(noise_wav(MIB // 2)), "small.wav"), "type": "audio"},
        content_type="multipart/form-data",
    )
    assert_error(again, 507, "Insufficient storage: the database's disk is full")
    assert _rows(app) == (0, 0)
