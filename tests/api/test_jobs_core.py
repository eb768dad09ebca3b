"""Jobs core: dry-run cost, listing with filters and aliases, reading, events, tenancy."""

from __future__ import annotations

import re

import pytest

from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief, make_campaign, make_client, make_job


def test_dry_run_for_30_seconds_is_3_015(api):
    data = assert_ok(api.post("/api/v3/jobs/dry-run", json=brief("any")))
    assert data["estimatedCost"] == 3.015 and data["currency"] == "USD"
    assert data["breakdown"] == {"storyboard_generation": 0.9045, "image_generation": 1.5075, "video_rendering": 0.603}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT23:59:59Z", data["validUntil"])


def test_dry_run_without_video_specs_defaults_to_30_seconds_and_adds_audio(api):
    body = brief("any", generateAudio=True)
    del body["creative"]["videoSpecs"]
    data = assert_ok(api.post("/api/v3/jobs/dry-run", json=body))
    assert data["breakdown"]["audio_generation"] == 2.0 and data["estimatedCost"] == 5.015


@pytest.mark.parametrize(
    "patch",
    [
        {"videoSpecs": {"duration": 4}},
        {"videoSpecs": {"duration": 121}},
        {"videoSpecs": {"format": "4:3"}},
        {"direction": {}},
    ],
)
def test_dry_run_validates_the_brief(api, patch):
    body = brief("any")
    body["creative"].update(patch)
    assert_error(api.post("/api/v3/jobs/dry-run", json=body), 422)


@pytest.fixture
def jobs(app, api):
    with app.app_context():
        from storyboard.models import User, db

        owner = db.session.get(User, api.user.id)
        c1, c2 = make_client(owner), make_client(owner)
        camp = make_campaign(owner, c1)
        ids = {
            "review": make_job(owner, c1, camp).id,
            "rendering": make_job(owner, c1, status="rendering").id,
            "queued": make_job(owner, c2, status="in_progress").id,
        }
        return {**ids, "client": c1.id, "campaign": camp.id}


def test_list_jobs_filters_and_totals(api, jobs):
    response = api.get(f"/api/v3/jobs?client_id={jobs['client']}")
    assert {j["id"] for j in assert_ok(response)} == {jobs["review"], jobs["rendering"]}
    assert response.get_json()["meta"]["total"] == 2
    assert [j["id"] for j in assert_ok(api.get(f"/api/v3/jobs?campaign_id={jobs['campaign']}"))] == [jobs["review"]]
    assert "scenes" not in assert_ok(api.get("/api/v3/jobs"))[0]


def test_list_jobs_accepts_old_status_names(api, jobs):
    assert {j["id"] for j in assert_ok(api.get("/api/v3/jobs?status=video_processing"))} == {
        jobs["rendering"],
        jobs["queued"],
    }
    assert [j["id"] for j in assert_ok(api.get("/api/v3/jobs?status=storyboard_ready"))] == [jobs["review"]]
    assert_error(api.get("/api/v3/jobs?status=bogus"), 422)


def test_get_job_shape(api, jobs):
    job = assert_ok(api.get(f"/api/v3/jobs/{jobs['review']}"))
    assert job["status"] == "storyboard_review" and job["scenes"] == [] and job["storyboard"] is None
    assert job["audio"] == {"status": "not_requested"} and job["videoUrl"] is None
    assert "approve_storyboard" in job["allowedActions"] and job["estimatedCost"] == 3.015
    assert job["progress"]["current_stage"] == "storyboard_review"


def test_other_users_job_is_404(api, other, jobs):
    assert_error(other.get(f"/api/v3/jobs/{jobs['review']}"), 404, "Job not found")
    assert_error(other.get(f"/api/v3/jobs/{jobs['review']}/events"), 404)
    assert other.get("/api/v3/jobs").get_json()["meta"]["total"] == 0
