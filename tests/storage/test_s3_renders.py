"""A render on BLOB_STORAGE_TYPE=s3 (a real moto server, real ffmpeg): the video goes straight to its content key,
with no staging object and no server-side copy, because the render hashes its own output first."""

from __future__ import annotations

import hashlib

import pytest

from storyboard.models import Blob, db
from storyboard.services import rendering
from storyboard.storage import get_store
from tests.storage.test_s3_store import keys, open_uploads
from tests.support import factories
from tests.support.render_jobs import make_render_job, reload_job
from tests.support.s3_server import app_on_s3


@pytest.fixture
def on_s3(app, s3_server, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path / "render-work"))
    yield from app_on_s3(app, s3_server)


@pytest.mark.slow
def test_a_render_stores_its_video_at_its_sha_key_without_a_copy(on_s3):
    with on_s3.app_context():
        owner, _ = factories.make_user("renderer")
        client = factories.make_client(owner, name="Aurora")
        scene = dict(duration=0.6, description="Title card", script="", shot_type="wide", transition="cut", assets=[])
        job = make_render_job(owner, client, [scene, dict(scene)], resolution="480p")
        store = get_store()
        assert store.name == "s3"
        calls = []  # botocore's own event hook: every request the store sends while rendering
        store.client.meta.events.register("before-call.s3.*", lambda model, params, **_: calls.append(model.name))
        rendering.render_job(job.id)
        job = reload_job(job.id)
        assert job.status == "completed", (job.error, job.error_detail)
        video = db.session.get(Blob, job.video_blob_id)
        data = b"".join(store.open_range(video))
        assert data[4:8] == b"ftyp" and hashlib.sha256(data).hexdigest() == video.sha256
        assert len(data) == video.size_bytes
        # The video: one upload to its content key. The poster (bytes, hashed as they go) still takes the staging
        # copy, so exactly one CopyObject, and never an UploadPartCopy.
        assert store.key(video.sha256) in keys(store)
        assert calls.count("CopyObject") == 1 and "UploadPartCopy" not in calls
        poster = db.session.get(Blob, job.poster_blob_id)
        assert keys(store) == {store.key(video.sha256), store.key(poster.sha256)} and open_uploads(store) == []
