"""GET/HEAD /api/v3/jobs/{id}/video and /video/thumbnail: bytes, Range, ETag, and 404 until completed."""

from __future__ import annotations

import pytest

from storyboard.models import User, db
from storyboard.services import rendering
from storyboard.storage import get_store
from tests.support import factories
from tests.support.envelope import assert_error, assert_ok
from tests.support.render_jobs import make_render_job


def _owner(app, api):
    return db.session.get(User, api.user.id)


def _card(seconds: float = 0.8) -> dict:
    return dict(
        duration=seconds,
        description="The bottle glows",
        script="Stay hydrated.",
        shot_type="wide",
        transition="cut",
        assets=[],
    )


@pytest.fixture
def rendered(app, api, tmp_path, monkeypatch):
    """A job rendered for real by the service; returns its id."""
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path))
    with app.app_context():
        owner = _owner(app, api)
        job = make_render_job(owner, factories.make_client(owner), [_card(), _card()], resolution="480p")
        rendering.render_job(job.id)
        return job.id


@pytest.fixture
def completed(app, api, media_files):
    """A completed job whose video and poster are stored sample files (no render needed); returns (id, bytes)."""
    with app.app_context():
        owner = _owner(app, api)
        data = media_files.read("mp4")
        video, _ = get_store().put_bytes(data, "video/mp4")
        poster, _ = get_store().put_bytes(media_files.read("jpeg"), "image/jpeg")
        job = make_render_job(
            owner,
            factories.make_client(owner),
            [_card()],
            status="completed",
            video_blob_id=video.id,
            poster_blob_id=poster.id,
            video_duration=2.0,
        )
        return job.id, data


@pytest.mark.slow
def test_a_rendered_video_streams_whole_in_ranges_and_by_head(api, rendered):
    job = assert_ok(api.get(f"/api/v3/jobs/{rendered}"))
    assert job["status"] == "completed" and job["videoUrl"] == f"/api/v3/jobs/{rendered}/video"
    whole = api.get(job["videoUrl"])
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "video/mp4"
    assert whole.data[4:8] == b"ftyp"
    part = api.get(job["videoUrl"], headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206 and part.data == whole.data[100:1124]
    assert part.headers["Content-Range"] == f"bytes 100-1123/{len(whole.data)}"
    head = api.head(job["videoUrl"])
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(whole.data))
    poster = api.get(job["thumbnailUrl"])
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"
    assert poster.data[:3] == b"\xff\xd8\xff"


def test_video_answers_etag_and_304(api, completed):
    job_id, data = completed
    first = api.get(f"/api/v3/jobs/{job_id}/video")
    assert first.data == data and first.headers["Accept-Ranges"] == "bytes"
    again = api.get(f"/api/v3/jobs/{job_id}/video", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_range_past_the_end_is_416(api, completed):
    job_id, data = completed
    response = api.get(f"/api/v3/jobs/{job_id}/video", headers={"Range": f"bytes={len(data) + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(data)}"


def test_thumbnail_is_the_poster_jpeg(api, completed, media_files):
    job_id, _data = completed
    response = api.get(f"/api/v3/jobs/{job_id}/video/thumbnail")
    assert response.status_code == 200 and response.data == media_files.read("jpeg")
    assert response.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("status", ["storyboard_review", "in_progress", "rendering", "failed", "cancelled"])
def test_video_is_not_available_until_completed(app, api, status):
    with app.app_context():
        owner = _owner(app, api)
        job_id = make_render_job(owner, factories.make_client(owner), [_card()], status=status).id
    assert_error(api.get(f"/api/v3/jobs/{job_id}/video"), 404, "Video not available")
    assert_error(api.get(f"/api/v3/jobs/{job_id}/video/thumbnail"), 404, "not available")
    assert api.head(f"/api/v3/jobs/{job_id}/video").status_code == 404


def test_another_users_video_is_404(api, other, completed):
    job_id, _data = completed
    assert_error(other.get(f"/api/v3/jobs/{job_id}/video"), 404, "Job not found")
    assert_error(other.get(f"/api/v3/jobs/{job_id}/video/thumbnail"), 404, "Job not found")
    assert other.head(f"/api/v3/jobs/{job_id}/video").status_code == 404


def test_unknown_job_video_is_404(api):
    assert_error(api.get("/api/v3/jobs/nope/video"), 404, "Job not found")
