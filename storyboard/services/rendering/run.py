"""Rendering an approved job into its video: claim, copy media, render, store, finish — safe to run twice.

Short transactions only: the job is claimed and committed, media are copied out of the store, and the
long ffmpeg work runs with no transaction open; progress and the cancel check are one statement each.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from storyboard import errors
from storyboard.integrations.render import RenderCancelled, RenderResult, poster_frame, render_video
from storyboard.models import RENDERABLE, Blob, Job, db, utcnow
from storyboard.services.core import costs, scratch
from storyboard.services.core.transactions import UnitOfWork, abandon, end_read, unit_of_work
from storyboard.services.jobs import events
from storyboard.services.rendering.inputs import RenderInputs, gather, materialise
from storyboard.storage import get_store

log = logging.getLogger(__name__)

CANCEL_POLL_SECONDS = 1.0
HASH_READ_BYTES = 1024 * 1024
WORKDIR_PREFIX = "render-job-"
FAIL_HINT = "Check the scenes' media (delete an asset that cannot be read), then retry the job (action retry)."


def progress(total: int, done: int, percent: int, message: str, current: int | None = None) -> dict:
    return {
        "current_stage": "rendering",
        "scenes_total": total,
        "scenes_completed": done,
        "current_scene": current,
        "estimated_completion_seconds": None,
        "message": message,
        "percent": percent,
    }


class CancelCheck:
    """should_cancel for the renderer: true once the job is no longer `rendering` (cancelled, finished, gone)."""

    def __init__(self, job_id: str, every: float = CANCEL_POLL_SECONDS):
        self.job_id, self.every, self.last, self.stopped = job_id, every, 0.0, False

    def __call__(self) -> bool:
        if not self.stopped and time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            status = db.session.scalar(select(Job.status).where(Job.id == self.job_id))
            end_read()
            self.stopped = status != "rendering"
        return self.stopped


def _save_progress(job_id: str, values: dict) -> None:
    # Conditional, so a late progress line never overwrites a cancel or a finish.
    db.session.execute(update(Job).where(Job.id == job_id, Job.status == "rendering").values(progress=values))
    db.session.commit()


def _reporter(inputs: RenderInputs):
    total = len(inputs.scenes)

    def report(done: int, _total: int, message: str) -> None:
        current = inputs.scenes[done].number if done < total else None
        percent = 5 + (85 * done) // total if done < total else 90
        _save_progress(inputs.job_id, progress(total, done, percent, message, current))

    return report


def render_job(job_id: str) -> None:
    """Render the job's storyboard into its video and poster blobs, ending `completed`, `failed` or untouched
    when cancelled; a no-op unless the job is `in_progress` (or `rendering`, on a retry)."""
    inputs = _claim(job_id)
    if inputs is None:
        return
    workdir = Path(scratch.make(WORKDIR_PREFIX, work_root()))
    try:
        _render_and_store(inputs, workdir)
    except RenderCancelled:
        log.info("render of job %s stopped: the job is no longer rendering", job_id)
    except errors.StoryboardError as exc:
        fail(job_id, exc)
    finally:
        abandon()  # whatever happened, no transaction stays open
        shutil.rmtree(workdir, ignore_errors=True)


def work_root() -> str:
    root = current_app.config.get("RENDER_WORK_DIR") or tempfile.gettempdir()
    Path(root).mkdir(parents=True, exist_ok=True)
    return root


def _claim(job_id: str) -> RenderInputs | None:
    job = db.session.get(Job, job_id)
    if job is None or job.status not in RENDERABLE:
        log.info("render of job %s skipped: status %s", job_id, job.status if job else "missing")
        abandon()
        return None
    inputs, previous = gather(job), job.status
    if not inputs.scenes:
        fail(job_id, errors.Unprocessable("The storyboard has no scenes"))
        return None
    if previous == "rendering":
        # A retry after a lost worker: not a status change, but worth a line in the job's history.
        events.record(job, "render_restarted", actor=events.SYSTEM, message="Rendering again after an interruption")
        job.progress = progress(len(inputs.scenes), 0, 2, "Preparing media")
    else:
        job.version += 1
        events.change_status(
            job,
            "rendering",
            actor=events.SYSTEM,
            reason="Preparing media",
            percent=2,
            scenes_total=len(inputs.scenes),
            scenes_completed=0,
            current_scene=None,
        )
    job.started_at, job.error, job.error_detail, job.audio = utcnow(), None, None, None
    db.session.commit()
    return inputs


def _render_and_store(inputs: RenderInputs, workdir: Path) -> None:
    should_cancel = CancelCheck(inputs.job_id)
    scenes, spec = materialise(inputs, workdir / "media", should_cancel)
    out = workdir / "video.mp4"
    result = render_video(
        scenes, spec, str(out), workdir=str(workdir), on_progress=_reporter(inputs), should_cancel=should_cancel
    )
    total = len(inputs.scenes)
    _save_progress(inputs.job_id, progress(total, total, 95, "Saving the video"))
    poster = poster_frame(str(out))
    should_cancel.last = 0.0  # look once more, right before storing
    if should_cancel():
        raise RenderCancelled("store")
    _finish(inputs, out, poster, result)


def _finish(inputs: RenderInputs, out: Path, poster: bytes, result: RenderResult) -> None:
    """Store the video and poster and complete the job in one unit of work (no blob stays if it fails)."""
    with unit_of_work() as work:
        video, thumb = _store_outputs(out, poster, work)
        _complete(inputs, video, thumb, result)


def _store_outputs(out: Path, poster: bytes, work: UnitOfWork) -> tuple[Blob, Blob]:
    """The video goes in as a file of known digest: the filesystem store links it, the s3 store uploads it straight
    to its content key (no staging object, no server-side copy), the postgres store hashes nothing again."""
    store = get_store()
    video, _ = store.put_file(str(out), "video/mp4", _sha256_of(out), staged=work.discard_blob_on_failure)
    thumb, _ = store.put_bytes(poster, "image/jpeg", staged=work.discard_blob_on_failure)
    return video, thumb


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _complete(inputs: RenderInputs, video: Blob, thumb: Blob, result: RenderResult) -> None:
    total, now = len(inputs.scenes), utcnow()
    values = dict(
        status="completed",
        video_blob_id=video.id,
        poster_blob_id=thumb.id,
        video_duration=result.duration,
        audio=result.audio,  # what the soundtrack carries, for job.audio
        actual_cost=costs.actual(inputs.image_count, result.duration, current_app.config),
        completed_at=now,
        progress={**progress(total, total, 100, "Video rendering complete"), "current_stage": "completed"},
        version=Job.version + 1,
    )
    done = db.session.execute(update(Job).where(Job.id == inputs.job_id, Job.status == "rendering").values(**values))
    if done.rowcount != 1:
        raise RenderCancelled("store")  # cancelled (or finished by a duplicate run) while storing
    job = db.session.get(Job, inputs.job_id)
    events.status_changed(job, "rendering", "completed", actor=events.SYSTEM, reason="Video rendering complete")


def fail(job_id: str, exc: errors.StoryboardError) -> None:
    """Mark a job that is still in_progress/rendering as failed, with an actionable error; commits."""
    abandon()  # whatever the failed attempt left in the session
    job = db.session.get(Job, job_id)
    if job is None or job.status not in RENDERABLE:
        abandon()
        return
    job.error = exc.message
    failure = exc.failure
    job.error_detail = failure.but(stage=failure.stage or "render", hint=failure.hint or FAIL_HINT).as_detail()
    job.version += 1
    events.change_status(job, "failed", actor=events.SYSTEM, reason=exc.message)
    db.session.commit()
