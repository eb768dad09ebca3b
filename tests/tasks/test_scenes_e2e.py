"""The storyboard workflow end to end, with Redis and a real RQ worker process writing the storyboard."""

from __future__ import annotations

import pytest

from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief, make_client
from tests.support.jobs import add_asset

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _act(api, job_id, action, **body):
    return api.post(f"/api/v3/jobs/{job_id}/actions", json={"action": action, **body})


def _scenes(api, job_id) -> list[dict]:
    return assert_ok(api.get(f"/api/v3/jobs/{job_id}/scenes"))["scenes"]


def _create(app, api, media_server, media_files) -> dict:
    with app.app_context():
        from storyboard.models import User, db

        client_id = make_client(db.session.get(User, api.user.id), name="Acme").id
    existing = add_asset(app, api.user.id, name="Logo", role="logo")
    urls = [
        media_server.add(f"/{name}", media_files.read(kind), content_type=f"image/{kind}")
        for name, kind in (("hero.png", "png"), ("shelf.jpg", "jpeg"))
    ]
    body = brief(client_id, duration=45)
    body["creative"]["assets"] = [{"url": urls[0], "role": "hero"}, {"assetId": existing}, {"url": urls[1]}]
    job = assert_ok(api.post("/api/v3/jobs", json=body, headers={"Prefer": "wait=60"}), 201)
    assert job["status"] == "storyboard_review" and len(job["scenes"]) == 5
    assert len(job["assetIds"]) == 3 and job["assetIds"][1] == existing
    assert set(job["assetIds"]) <= {a for s in job["scenes"] for a in s["assets"]}
    return job


def test_storyboard_workflow_through_a_worker(rq_app, start_worker, api, media_server, media_files):
    start_worker()
    job = _create(rq_app, api, media_server, media_files)
    job_id, before = job["id"], job["scenes"]

    scene = assert_ok(_act(api, job_id, "regenerate_scene", sceneNumber=2, feedback="show it on a desk"))["scene"]
    after = _scenes(api, job_id)
    assert scene["id"] == before[1]["id"] and after[1]["version"] == 2
    assert [s for i, s in enumerate(after) if i != 1] == [s for i, s in enumerate(before) if i != 1]

    regenerated = assert_ok(_act(api, job_id, "regenerate_all_scenes", feedback="faster"))["scenes"]
    assert [s["id"] for s in regenerated] == [s["id"] for s in before]
    assert round(sum(s["duration"] for s in regenerated), 1) == 45.0

    assert_ok(_act(api, job_id, "reject_storyboard", payload={"feedback": "warmer colours"}))
    assert assert_ok(api.get(f"/api/v3/jobs/{job_id}"))["feedback"] == "warmer colours"

    original = _scenes(api, job_id)[0]
    assert_ok(api.put(f"/api/v3/jobs/{job_id}/scenes/1", json={"description": "Edited by hand"}))
    revision = assert_ok(api.get(f"/api/v3/jobs/{job_id}/scenes/1/revisions"))[-2]["revision"]
    reverted = assert_ok(_act(api, job_id, "revert_scene", sceneNumber=1, revision=revision))["scene"]
    assert reverted["description"] == original["description"]

    approved = assert_ok(_act(api, job_id, "approve"))["job"]
    assert approved["status"] == "in_progress"
    for action in ("approve", "regenerate_scene", "regenerate_all_scenes", "reject_storyboard", "revert_scene"):
        assert_error(_act(api, job_id, action, sceneNumber=1, feedback="x", revision=1), 409, "not allowed")
    assert_error(api.put(f"/api/v3/jobs/{job_id}/scenes/1", json={"description": "late"}), 409)
