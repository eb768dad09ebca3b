"""Action `retry` on a failed job: the storyboard is written again from the stored brief, or the approved
storyboard rendered again, through the usual statuses, history and webhooks; only a failed job can retry."""

from __future__ import annotations

import pytest

from storyboard.models import Asset, Client, User, db
from storyboard.queue import drain_local
from storyboard.storage import get_store
from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief, make_job
from tests.support.jobs import scenes_reply
from tests.support.render_jobs import store_asset
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import Receiver


@pytest.fixture
def receiver(api):
    """A webhook receiver registered as the user's default URL."""
    server = Receiver().start()
    assert_ok(api.put("/api/v3/webhook", json={"url": server.url}))
    yield server
    server.stop()


def act(api, job_id: str, action: str, **body):
    return api.post(f"/api/v3/jobs/{job_id}/actions", json={"action": action, **body})


def _job(api, job_id: str) -> dict:
    return assert_ok(api.get(f"/api/v3/jobs/{job_id}"))


def _until(api, job_id: str, statuses: tuple[str, ...], timeout: float = 60) -> dict:
    return wait_for(
        lambda: (j := _job(api, job_id))["status"] in statuses and j, timeout, what=lambda: _job(api, job_id)
    )


def _changes(api, job_id: str) -> list[tuple[str, str, str]]:
    events = assert_ok(api.get(f"/api/v3/jobs/{job_id}/events"))
    return [(e["fromStatus"], e["toStatus"], e["actor"]) for e in events if e["kind"] == "status_changed"]


def _webhooks_match_history(api, receiver, job_id: str) -> list[tuple[str, str]]:
    """Wait until every status change in the job's history has reached the receiver (deliveries run in
    parallel, so in any order); returns the changes, sorted."""
    history = sorted((f, t) for f, t, _actor in _changes(api, job_id))

    def delivered():
        drain_local()
        got = [(r.payload["previousStatus"], r.payload["job"]["status"]) for r in receiver.received]
        ids = [r.payload["job"]["id"] for r in receiver.received]
        return sorted(g for g, i in zip(got, ids, strict=True) if i == job_id) == history

    wait_for(delivered, 30, what=lambda: [r.payload["job"]["status"] for r in receiver.received])
    return history


def test_retry_after_a_failed_generation_writes_the_storyboard(app, api, acme, llm, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "AI_MAX_RETRIES", 0)
    llm.fail(500)
    failed = assert_error(api.post("/api/v3/jobs", json=brief(acme["client"])), 502, "Failed to generate scenes")
    job = failed["data"]
    assert job["status"] == "failed" and job["errorDetail"]["retryable"] is True
    assert job["allowedActions"] == ["retry"] and job["scenes"] == []

    llm.reply(scenes_reply(4))
    data = assert_ok(act(api, job["id"], "RETRY"))
    assert data["message"] == "Job retried: the storyboard is being written again"
    assert data["job"]["error"] is None and data["job"]["errorDetail"] is None
    assert data["job"]["status"] in ("pending", "storyboard_processing", "storyboard_review")

    done = _until(api, job["id"], ("storyboard_review", "failed"))
    assert done["status"] == "storyboard_review", done["error"]
    assert len(done["scenes"]) == 4 and done["warnings"] == [] and done["error"] is None
    assert "approve_storyboard" in done["allowedActions"] and "retry" not in done["allowedActions"]
    assert _changes(api, job["id"]) == [
        ("pending", "storyboard_processing", "system"),
        ("storyboard_processing", "failed", "system"),
        ("failed", "pending", "user:alice"),
        ("pending", "storyboard_processing", "system"),
        ("storyboard_processing", "storyboard_review", "ai:openai"),
    ]
    events = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/events"))
    [retried] = [e for e in events if e["kind"] == "job_retried"]
    assert retried["data"]["work"] == "storyboard" and retried["data"]["error"] == job["error"]
    assert ("failed", "pending") in _webhooks_match_history(api, receiver, job["id"])
    assert_error(act(api, job["id"], "retry"), 409, "Action 'retry' not allowed when job status is 'storyboard_review'")


def test_retry_downloads_the_briefs_url_assets_again(app, api, acme, media_server, media_files):
    url = media_server.add("/hero.png", b"busy", status=503, content_type="text/plain")
    body = brief(acme["client"])
    body["creative"]["assets"] = [{"url": url, "name": "Hero", "role": "hero"}]
    job = assert_error(api.post("/api/v3/jobs", json=body), 502, "Failed to download asset")["data"]
    assert job["errorDetail"]["stage"] == "ingest" and job["assetIds"] == []

    media_server.add("/hero.png", media_files.read("png"), content_type="image/png")
    assert_ok(act(api, job["id"], "retry"))
    done = _until(api, job["id"], ("storyboard_review", "failed"))
    assert done["status"] == "storyboard_review", done["error"]
    [asset_id] = done["assetIds"]
    asset = assert_ok(api.get(f"/api/v3/assets/{asset_id}"))
    assert (asset["status"], asset["name"], asset["sourceUrl"]) == ("ready", "Hero", url)
    assert asset_id in {a for s in done["scenes"] for a in s["assets"]}


def _unreadable_asset(app, api, acme, media_files) -> str:
    """A ready video asset whose stored bytes no decoder reads (a store that kept a broken upload)."""
    with app.app_context():
        owner, client = db.session.get(User, api.user.id), db.session.get(Client, acme["client"])
        asset = store_asset(owner, client, media_files, "mp4")
        with open(media_files.path("mp4_garbage"), "rb") as stream:
            blob, _ = get_store().put_stream(stream, "video/mp4")
        db.session.get(Asset, asset.id).blob_id = blob.id
        db.session.commit()
        return asset.id


@pytest.mark.slow
def test_retry_after_a_failed_render_renders_again(
    app, api, acme, media_files, receiver, renders, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path))
    body = brief(acme["client"], duration=5)
    body["creative"]["videoSpecs"]["resolution"] = "480p"
    job = assert_ok(api.post("/api/v3/jobs", json=body), 201)
    broken = _unreadable_asset(app, api, acme, media_files)
    assert_ok(api.put(f"/api/v3/jobs/{job['id']}/scenes/1", json={"assets": [broken]}))
    assert_ok(act(api, job["id"], "approve"))
    failed = _until(api, job["id"], ("failed", "completed"), 120)
    assert failed["status"] == "failed" and failed["errorDetail"]["stage"] == "render"
    assert failed["allowedActions"] == ["retry"] and failed["errorDetail"]["hint"]

    assert_ok(api.delete(f"/api/v3/assets/{broken}"))  # what the hint says: remove the unreadable media
    data = assert_ok(act(api, job["id"], "retry"))
    assert data["message"] == "Job retried: video rendering started again"
    assert data["job"]["status"] in ("in_progress", "rendering", "completed") and data["job"]["error"] is None
    done = _until(api, job["id"], ("failed", "completed"), 120)
    assert done["status"] == "completed", done["error"]
    assert done["videoUrl"] and done["errorDetail"] is None and done["allowedActions"] == []
    assert api.head(done["videoUrl"]).status_code == 200
    assert _changes(api, job["id"])[-5:] == [
        ("in_progress", "rendering", "system"),
        ("rendering", "failed", "system"),
        ("failed", "in_progress", "user:alice"),
        ("in_progress", "rendering", "system"),
        ("rendering", "completed", "system"),
    ]
    assert ("failed", "in_progress") in _webhooks_match_history(api, receiver, job["id"])


@pytest.mark.parametrize(
    "status", ["pending", "storyboard_processing", "in_progress", "rendering", "completed", "cancelled"]
)
def test_retry_is_409_unless_the_job_failed(app, api, acme, status):
    with app.app_context():
        owner, client = db.session.get(User, api.user.id), db.session.get(Client, acme["client"])
        job_id = make_job(owner, client, status=status).id
    assert "retry" not in _job(api, job_id)["allowedActions"]
    assert_error(act(api, job_id, "retry"), 409, f"Action 'retry' not allowed when job status is '{status}'")


def test_retry_of_a_review_job_is_409(api, job):
    assert_error(act(api, job["id"], "retry"), 409, "not allowed when job status is 'storyboard_review'")


def test_another_users_failed_job_is_404(app, api, other, acme):
    with app.app_context():
        owner, client = db.session.get(User, api.user.id), db.session.get(Client, acme["client"])
        job_id = make_job(owner, client, status="failed", error="Failed to generate scenes: x").id
    assert_error(act(other, job_id, "retry"), 404, "Job not found")
    assert _job(api, job_id)["status"] == "failed"


@pytest.mark.redis
@pytest.mark.slow
def test_retry_of_a_failed_generation_through_a_worker(rq_app, start_worker, api, acme, llm, receiver):
    start_worker(AI_MAX_RETRIES=0)
    llm.fail(500)
    body = brief(acme["client"])
    job = assert_error(api.post("/api/v3/jobs", json=body, headers={"Prefer": "wait=60"}), 502)["data"]
    assert job["status"] == "failed" and job["allowedActions"] == ["retry"]
    llm.reply(scenes_reply(4))
    assert_ok(act(api, job["id"], "retry"))
    done = _until(api, job["id"], ("storyboard_review", "failed"))
    assert done["status"] == "storyboard_review" and len(done["scenes"]) == 4, done["error"]
    assert [s for _f, s, _a in _changes(api, job["id"])][-3:] == [
        "pending",
        "storyboard_processing",
        "storyboard_review",
    ]
    assert ("failed", "pending") in _webhooks_match_history(api, receiver, job["id"])


@pytest.mark.redis
@pytest.mark.slow
def test_retry_of_a_failed_render_through_a_worker(rq_app, start_worker, api, acme, media_files, receiver):
    start_worker()
    body = brief(acme["client"], duration=5)
    body["creative"]["videoSpecs"]["resolution"] = "480p"
    job = assert_ok(api.post("/api/v3/jobs", json=body, headers={"Prefer": "wait=60"}), 201)
    broken = _unreadable_asset(rq_app, api, acme, media_files)
    assert_ok(api.put(f"/api/v3/jobs/{job['id']}/scenes/1", json={"assets": [broken]}))
    assert_ok(act(api, job["id"], "approve"))
    assert _until(api, job["id"], ("failed", "completed"), 180)["status"] == "failed"
    assert_ok(api.delete(f"/api/v3/assets/{broken}"))
    assert_ok(act(api, job["id"], "retry"))
    done = _until(api, job["id"], ("failed", "completed"), 180)
    assert done["status"] == "completed" and done["videoUrl"], done["error"]
    assert _changes(api, job["id"])[-3:] == [
        ("failed", "in_progress", "user:alice"),
        ("in_progress", "rendering", "system"),
        ("rendering", "completed", "system"),
    ]
    assert ("failed", "in_progress") in _webhooks_match_history(api, receiver, job["id"])
