"""The render service against real ffmpeg, real blob stores and both databases."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from storyboard import errors, queue
from storyboard.integrations.render import frame_size, voice
from storyboard.integrations.render.runner import probe
from storyboard.models import Blob, Job, JobEvent, User, db, utcnow
from storyboard.queue import drain_local
from storyboard.services import actions, maintenance, rendering
from storyboard.services.core import costs
from storyboard.services.rendering import run as renders
from storyboard.storage import get_store
from tests.support import factories
from tests.support.render_jobs import (
    SCENES,
    TOTAL_SECONDS,
    audio_rms,
    frame_spread,
    make_render_job,
    reload_job,
    store_asset,
    three_scene_job,
)

slow = pytest.mark.slow


@pytest.fixture
def work_dir(app, tmp_path, monkeypatch) -> Path:
    """Where renders keep their temp files, so a test can see that none are left."""
    folder = tmp_path / "render-work"
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(folder))
    return folder


@pytest.fixture
def owner(ctx):
    user, _key = factories.make_user("renderer")
    return user


@pytest.fixture
def client(owner):
    return factories.make_client(owner, name="Aurora", brand_guidelines={"colors": ["#0a3d62", "#f6b93b"]})


def _blob_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Blob))


def _save_blob(blob_id: str, path: Path) -> Path:
    blob = db.session.get(Blob, blob_id)
    with open(path, "wb") as out:
        for chunk in get_store().open_range(blob):
            out.write(chunk)
    return path


@slow
@pytest.mark.parametrize("fmt", ["16:9", "9:16", "1:1"])
def test_three_scene_job_renders_in_each_aspect_ratio(app, owner, client, media_files, work_dir, tmp_path, fmt):
    job = three_scene_job(owner, client, media_files, format=fmt)
    rendering.render_job(job.id)
    job = reload_job(job.id)
    assert job.status == "completed", (job.error, job.error_detail)
    video = _save_blob(job.video_blob_id, tmp_path / "video.mp4")
    facts, size = probe(str(video)), frame_size(fmt, "720p")
    assert (facts.width, facts.height) == size
    assert facts.duration == pytest.approx(TOTAL_SECONDS, abs=0.2)
    assert job.video_duration == pytest.approx(TOTAL_SECONDS, abs=0.2)
    middles = [sum(s[0] for s in SCENES[:i]) + SCENES[i][0] / 2 for i in range(len(SCENES))]
    assert all(frame_spread(video, t, size) > 8 for t in middles)
    if voice.tts_command():
        assert audio_rms(video) > 100
    assert db.session.get(Blob, job.poster_blob_id).content_type == "image/jpeg"
    assert job.actual_cost == costs.actual(1, job.video_duration, app.config)
    assert job.progress["percent"] == 100 and job.progress["scenes_completed"] == 3
    assert job.started_at and job.completed_at and job.error is None
    assert list(work_dir.iterdir()) == []


@slow
def test_progress_rises_per_scene_and_cancel_stops_the_render_leaving_nothing(
    app, owner, client, media_files, work_dir
):
    job = three_scene_job(owner, client, media_files, durations=(4.0, 4.0, 4.0))
    blobs_before = _blob_count()
    worker = threading.Thread(target=_render_in_app, args=(app, job.id))
    worker.start()
    seen = _percents_until(job.id, lambda j: (j.progress or {}).get("percent", 0) >= 33 or not worker.is_alive())
    actions.perform(db.session.get(User, owner.id), job.id, "cancel", {})
    worker.join(timeout=30)
    assert not worker.is_alive()
    job = reload_job(job.id)
    assert job.status == "cancelled" and job.video_blob_id is None and job.poster_blob_id is None
    assert seen == sorted(seen) and len(set(seen)) >= 2, seen
    assert _blob_count() == blobs_before
    assert list(work_dir.iterdir()) == []


def _render_in_app(app, job_id: str) -> None:
    with app.app_context():
        rendering.render_job(job_id)


def _percents_until(job_id: str, done) -> list[int]:
    seen: list[int] = []
    while True:
        job = reload_job(job_id)
        if job.status == "rendering":
            seen.append(job.progress["percent"])
        finished = done(job)
        # End the read before sleeping: on SQLite an open transaction holds the lock the render needs.
        db.session.rollback()
        if finished:
            return seen
        threading.Event().wait(0.05)


def test_a_late_duplicate_run_of_a_finished_job_changes_nothing(owner, client, work_dir):
    for status in ("completed", "cancelled", "failed", "storyboard_review"):
        job = make_render_job(owner, client, [_card_scene()], status=status)
        version, blobs = job.version, _blob_count()
        rendering.render_job(job.id)
        job = reload_job(job.id)
        assert (job.status, job.version, job.video_blob_id, _blob_count()) == (status, version, None, blobs)


def test_a_missing_job_is_a_no_op(owner, client, work_dir, monkeypatch):
    make_render_job(owner, client, [_card_scene()])  # an approved job the call must not pick up instead
    before, enqueued = _every_row(), []
    monkeypatch.setattr(queue, "start", lambda *args, **kwargs: enqueued.append(args))
    assert rendering.render_job("no-such-job") is None
    assert _every_row() == before and enqueued == []
    assert not work_dir.exists() or list(work_dir.iterdir()) == []


def _every_row() -> dict[str, list]:
    db.session.rollback()
    tables = db.metadata.sorted_tables
    return {t.name: db.session.execute(t.select().order_by(*t.primary_key.columns)).all() for t in tables}


def _card_scene(seconds: float = 0.6, **extra) -> dict:
    scene = dict(duration=seconds, description="Title card", script="", shot_type="wide", transition="cut", assets=[])
    return {**scene, **extra}


@slow
def test_a_job_left_rendering_by_a_dead_worker_renders_again(owner, client, work_dir):
    job = make_render_job(owner, client, [_card_scene(), _card_scene()], status="rendering", resolution="480p")
    rendering.render_job(job.id)
    job = reload_job(job.id)
    assert job.status == "completed" and job.video_blob_id
    # A retry is not a new status change, but the history shows it.
    history = db.session.execute(
        select(JobEvent.kind, JobEvent.to_status).where(JobEvent.job_id == job.id).order_by(JobEvent.id)
    ).all()
    assert [tuple(row) for row in history] == [("render_restarted", None), ("status_changed", "completed")]


@slow
def test_an_undecodable_video_fails_the_job_with_an_actionable_error(owner, client, media_files, work_dir):
    garbage = store_asset(owner, client, media_files, "mp4")
    with open(media_files.path("mp4_garbage"), "rb") as stream:
        blob, _ = get_store().put_stream(stream, "video/mp4")
    garbage.blob_id = blob.id
    db.session.commit()
    job = make_render_job(owner, client, [_card_scene(assets=[garbage.id])], resolution="480p")
    rendering.render_job(job.id)
    job = reload_job(job.id)
    assert job.status == "failed" and job.video_blob_id is None
    assert job.error.startswith("Rendering failed: ") and "/" not in job.error
    assert job.error_detail["stage"] == "render" and job.error_detail["retryable"] is False
    assert job.error_detail["hint"]
    assert list(work_dir.iterdir()) == []


@slow
def test_another_users_asset_never_reaches_the_video(app, owner, client, media_files, work_dir):
    stranger, _key = factories.make_user("stranger")
    their_client = factories.make_client(stranger)
    theirs = store_asset(stranger, their_client, media_files, "jpeg")
    job = make_render_job(owner, client, [_card_scene(assets=[theirs.id])], resolution="480p")
    rendering.render_job(job.id)
    job = reload_job(job.id)
    assert job.status == "completed"
    # No image was used, so only the rendered seconds are charged.
    assert job.actual_cost == costs.actual(0, job.video_duration, app.config)


@slow
def test_the_sweeper_requeues_a_stale_render_and_it_completes(owner, client, work_dir):
    job = make_render_job(owner, client, [_card_scene()], status="in_progress", resolution="480p")
    _age(job.id, minutes=30)
    assert maintenance.sweep_stale_renders() == {"requeued": 1, "failed": 0, "live": 0}
    drain_local()
    assert reload_job(job.id).status == "completed"


def test_the_sweeper_fails_a_render_lost_too_often(owner, client, work_dir):
    job = make_render_job(owner, client, [_card_scene()], status="rendering")
    for _ in range(maintenance.MAX_REQUEUES):
        db.session.add(JobEvent(job_id=job.id, kind="render_requeued", actor="system"))
    db.session.commit()
    _age(job.id, minutes=30)
    assert maintenance.sweep_stale_renders()["failed"] == 1
    job = reload_job(job.id)
    assert job.status == "failed" and "worker stopped" in job.error
    assert job.error_detail == {
        **errors.Failure().as_detail(),
        "stage": "render",
        "retryable": True,
        "hint": job.error_detail["hint"],
    }


def test_the_sweeper_leaves_recent_renders_alone(owner, client, work_dir):
    job = make_render_job(owner, client, [_card_scene()], status="rendering")
    assert maintenance.sweep_stale_renders() == {"requeued": 0, "failed": 0, "live": 0}
    assert reload_job(job.id).status == "rendering"


def _age(job_id: str, minutes: int) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_the_sweeper_removes_temp_folders_of_killed_renders(ctx, work_dir):
    import os

    dead, live = work_dir / f"{renders.WORKDIR_PREFIX}dead", work_dir / f"{renders.WORKDIR_PREFIX}live"
    for folder in (dead, live):
        (folder / "render-x").mkdir(parents=True)
        (folder / "render-x" / "scene-00.mp4").write_bytes(b"x")
    an_hour_ago = utcnow().timestamp() - 3600
    for path in (dead, dead / "render-x", dead / "render-x" / "scene-00.mp4"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    maintenance.sweep_stale_renders()
    assert sorted(p.name for p in work_dir.iterdir()) == [live.name]
