"""POST /jobs/{id}/actions: the state machine, approval queues rendering, rejection and regeneration keep shape
and report what became of the feedback. Durations: test_scene_durations.py; retry: test_job_retry.py."""

from __future__ import annotations

import pytest

from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import make_job
from tests.support.jobs import scene_reply, scenes_reply
from tests.support.waiting import wait_for


def act(api, job_id: str, action: str, **body):
    return api.post(f"/api/v3/jobs/{job_id}/actions", json={"action": action, **body})


def _scenes(api, job) -> list[dict]:
    return assert_ok(api.get(f"/api/v3/jobs/{job['id']}/scenes"))["scenes"]


def test_approve_moves_to_in_progress_and_queues_the_render(api, job, renders):
    data = assert_ok(act(api, job["id"], "APPROVE"))
    assert data["message"] == "Storyboard approved, video rendering started"
    assert data["job"]["status"] == "in_progress" and data["job"]["approvedAt"]
    assert data["job"]["allowedActions"] == ["cancel"]
    # The render really starts: the job leaves the queue and reports progress.
    started = wait_for(
        lambda: (j := assert_ok(api.get(f"/api/v3/jobs/{job['id']}")))["status"] != "in_progress" and j, 60
    )
    assert started["status"] in ("rendering", "completed") and started["progress"]["percent"] > 0
    error = "Action 'approve_storyboard' not allowed when job status is '" + started["status"] + "'"
    assert_error(act(api, job["id"], "approve_storyboard"), 409, error)
    events = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/events"))
    changes = [(e["toStatus"], e["actor"]) for e in events if e["kind"] == "status_changed"]
    assert changes[-2:] == [("in_progress", "user:alice"), ("rendering", "system")]


def test_cancel_is_terminal(api, job):
    assert assert_ok(act(api, job["id"], "cancel"))["message"] == "Job cancelled successfully"
    for action in ("cancel", "approve", "regenerate_all_scenes", "reject_storyboard", "regenerate_scene"):
        assert_error(act(api, job["id"], action, feedback="x", sceneNumber=1), 409, "status is 'cancelled'")
    assert assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))["allowedActions"] == []


def test_unknown_action_is_422(api, job):
    assert_error(act(api, job["id"], "publish"), 422, "Unknown action")
    assert_error(api.post(f"/api/v3/jobs/{job['id']}/actions", json={}), 422)


@pytest.mark.parametrize("status", ["pending", "storyboard_processing", "in_progress", "rendering"])
def test_only_cancel_is_allowed_outside_review(app, api, acme, status):
    with app.app_context():
        from storyboard.models import Client, User, db

        owner, client = db.session.get(User, api.user.id), db.session.get(Client, acme["client"])
        job_id = make_job(owner, client, status=status).id
    for action in ("approve", "regenerate_all_scenes", "revert_scene"):
        assert_error(act(api, job_id, action, sceneNumber=1, revision=1), 409, f"status is '{status}'")
    assert assert_ok(act(api, job_id, "Cancel"))["job"]["status"] == "cancelled"


def test_regenerate_scene_with_top_level_or_payload_parameters(api, job, llm):
    llm.reply(scene_reply()).reply(scene_reply(description="Another take", script="A line of its own."))
    first = assert_ok(act(api, job["id"], "REGENERATE_SCENE", sceneNumber=3, feedback="brighter"))
    assert first["message"] == "Scene regenerated successfully" and first["scene"]["sceneNumber"] == 3
    scene_id = job["scenes"][0]["id"]
    second = assert_ok(act(api, job["id"], "regenerate_scene", payload={"sceneId": scene_id}))
    assert second["scene"]["id"] == scene_id and second["scene"]["description"] == "Another take"
    assert_error(act(api, job["id"], "regenerate_scene"), 422, "sceneId or sceneNumber is required")


def test_regenerate_all_keeps_count_and_ids_and_writes_the_briefs_duration(api, job, llm):
    assert_ok(api.delete(f"/api/v3/jobs/{job['id']}/scenes/2"))
    before = _scenes(api, job)
    assert round(sum(s["duration"] for s in before), 1) < 30  # the deleted scene's seconds are missing
    llm.reply(scenes_reply(3, duration=5.0))
    data = assert_ok(act(api, job["id"], "regenerate_all_scenes", payload={"feedback": "more energy"}))
    after = data["scenes"]
    assert data["message"] == "Scenes regenerated successfully"
    assert [s["id"] for s in after] == [s["id"] for s in before] and [s["sceneNumber"] for s in after] == [1, 2, 3]
    assert round(sum(s["duration"] for s in after), 1) == 30  # the brief's D, not the drifted total
    assert all(s["description"].startswith("Shot") for s in after) and "more energy" in llm.requests[0].prompt
    assert after == _scenes(api, job)


def test_a_language_model_rewrite_reports_the_feedback_as_given_to_it(api, job, llm):
    llm.reply(scene_reply(sceneNumber=2, script="Fresh words for scene two."))
    data = assert_ok(act(api, job["id"], "regenerate_scene", sceneNumber=2, feedback="make it funnier"))
    assert data["message"] == "Scene regenerated successfully"
    assert data["feedback"] == {
        "writer": "openai",
        "model": data["feedback"]["model"],
        "applied": ["make it funnier"],
        "notApplied": None,
    }
    llm.reply(scenes_reply(4))
    data = assert_ok(act(api, job["id"], "reject_storyboard", feedback="target teenage gamers"))
    assert data["message"] == "Storyboard rejected; scenes regenerated with your feedback"
    assert data["feedback"]["applied"] == ["target teenage gamers"] and data["feedback"]["notApplied"] is None


def test_without_feedback_a_rewrite_has_no_report(api, job, llm):
    llm.reply(scene_reply(sceneNumber=2, script="Fresh words for scene two.")).reply(scenes_reply(4))
    assert "feedback" not in assert_ok(act(api, job["id"], "regenerate_scene", sceneNumber=2))
    assert "feedback" not in assert_ok(act(api, job["id"], "regenerate_all_scenes"))


def test_the_offline_writers_report_and_the_message_say_the_same(api, job):
    """The offline writer applies what it understands; the message never claims the rest was done."""
    for action, body, done in (
        ("regenerate_scene", {"sceneNumber": 2}, "Scene regenerated"),
        ("regenerate_all_scenes", {}, "Scenes regenerated"),
        ("reject_storyboard", {}, "Storyboard rejected; scenes regenerated"),
    ):
        feedback = "use a close-up and make the story about a dragon"
        data = assert_ok(act(api, job["id"], action, feedback=feedback, **body))
        report = data["feedback"]
        assert (report["writer"], report["notApplied"]) == ("offline", "make the story about a dragon")
        assert report["applied"] and all("dragon" not in a for a in report["applied"])
        assert data["message"] == f"{done}; part of the feedback needs an AI model: see feedback.notApplied"
    data = assert_ok(act(api, job["id"], "regenerate_all_scenes", feedback="rewrite it as a sonnet about the moon"))
    assert data["feedback"]["applied"] == []
    assert data["message"] == "Scenes regenerated; the feedback needs an AI model: see feedback.notApplied"


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (None, "Scenes regenerated successfully"),
        ({"applied": ["shorter"], "notApplied": None}, "Scenes regenerated successfully"),
        (
            {"applied": ["shorter"], "notApplied": "funnier"},
            "Scenes regenerated; part of the feedback needs an AI model: see feedback.notApplied",
        ),
        (
            {"applied": [], "notApplied": "funnier"},
            "Scenes regenerated; the feedback needs an AI model: see feedback.notApplied",
        ),
    ],
)
def test_a_rewrite_message_claims_only_what_the_report_says(report, message):
    from storyboard.services import actions

    data = actions._reported("Scenes regenerated successfully", "Scenes regenerated", report, scenes=[])
    assert data["message"] == message and data.get("feedback") == report and data["scenes"] == []


def test_reject_needs_feedback_keeps_it_and_applies_it(api, job, llm):
    assert_error(act(api, job["id"], "reject_storyboard"), 422, "feedback is required")
    llm.reply(scenes_reply(4))
    data = assert_ok(act(api, job["id"], "reject_storyboard", payload={"feedback": "Too slow, show the bottle"}))
    assert len(data["scenes"]) == 4 and "Too slow, show the bottle" in llm.requests[0].prompt
    stored = assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))
    assert stored["feedback"] == "Too slow, show the bottle" and stored["status"] == "storyboard_review"
    revisions = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/scenes/1/revisions"))
    assert (revisions[-1]["kind"], revisions[-1]["feedback"]) == ("rejected", "Too slow, show the bottle")


def test_failed_regenerate_all_leaves_the_old_scenes(app, api, job, llm, monkeypatch):
    monkeypatch.setitem(app.config, "AI_MAX_RETRIES", 0)
    llm.fail(503)
    assert_error(act(api, job["id"], "regenerate_all_scenes"), 502, "Failed to regenerate scenes: AI provider failed")
    llm.reply(scenes_reply(1)).reply(scenes_reply(1))
    assert_error(act(api, job["id"], "reject_storyboard", feedback="x"), 502, "Failed to regenerate scenes: ")
    assert _scenes(api, job) == job["scenes"]


def test_revert_scene_action(api, job):
    assert_ok(api.put(f"/api/v3/jobs/{job['id']}/scenes/1", json={"description": "Edited"}))
    data = assert_ok(act(api, job["id"], "revert_scene", sceneNumber=1, revision=1))
    assert data["scene"]["description"] == job["scenes"][0]["description"]
    assert_error(act(api, job["id"], "revert_scene", sceneNumber=1), 422, "revision")


def test_other_users_job_actions_are_404(api, other, job):
    for action in ("approve", "cancel", "regenerate_all_scenes"):
        assert_error(act(other, job["id"], action), 404, "Job not found")
    assert assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))["status"] == "storyboard_review"
