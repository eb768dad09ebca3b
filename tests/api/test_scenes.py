"""Scenes over HTTP: list, read by number or id, typed edits with a version check, delete, regenerate, revisions."""

from __future__ import annotations

import json

from tests.support.envelope import assert_error, assert_ok
from tests.support.jobs import add_asset, scene_reply


def _url(job, ref="") -> str:
    return f"/api/v3/jobs/{job['id']}/scenes" + (f"/{ref}" if ref != "" else "")


def test_list_and_get_by_number_or_id(api, job):
    scenes = assert_ok(api.get(_url(job)))["scenes"]
    assert [s["sceneNumber"] for s in scenes] == [1, 2, 3, 4] and scenes == job["scenes"]
    second = scenes[1]
    assert assert_ok(api.get(_url(job, 2))) == second == assert_ok(api.get(_url(job, second["id"])))
    assert second["jobId"] == job["id"] and second["version"] == 1
    assert_error(api.get(_url(job, 9)), 404, "Scene not found")
    assert_error(api.get(_url(job, "not-a-scene")), 404, "Scene not found")


def test_other_users_scenes_are_404(api, other, job):
    scene = job["scenes"][0]
    for method, path in [
        ("GET", _url(job)),
        ("GET", _url(job, 1)),
        ("DELETE", _url(job, scene["id"])),
        ("GET", _url(job, "1/revisions")),
        ("POST", _url(job, "1/revisions/1/restore")),
    ]:
        assert_error(other.open(method, path), 404)
    assert_error(other.put(_url(job, 1), json={"description": "mine now"}), 404)
    assert_error(other.post(_url(job, "1/regenerate"), json={}), 404)
    assert assert_ok(api.get(_url(job, 1)))["description"] == scene["description"]


def test_edit_changes_fields_bumps_version_and_keeps_a_revision(app, api, job):
    asset = add_asset(app, api.user.id)
    body = {
        "description": "Close on the cap",
        "duration": 6.5,
        "shotType": "close-up",
        "assets": [asset],
        "metadata": {"mood": "calm"},
        "sceneNumber": 9,
        "unknown": 1,
    }
    scene = assert_ok(api.put(_url(job, 2), json=body))
    assert (scene["description"], scene["duration"], scene["shotType"]) == ("Close on the cap", 6.5, "close-up")
    assert scene["assets"] == [asset] and scene["metadata"] == {"mood": "calm"}
    assert scene["sceneNumber"] == 2 and scene["version"] == 2 and scene["id"] == job["scenes"][1]["id"]
    assert scene["script"] == job["scenes"][1]["script"]
    revisions = assert_ok(api.get(_url(job, "2/revisions")))
    assert [(r["kind"], r["actor"]) for r in revisions] == [("generated", "ai:offline"), ("edited", "user:alice")]
    assert revisions[-1]["scene"]["description"] == "Close on the cap"
    events = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/events"))
    assert events[-1]["kind"] == "scene_edited" and events[-1]["actor"] == "user:alice"


def test_edit_is_validated(app, api, other, job):
    for body in (
        {"duration": 0},
        {"duration": 61},
        {"duration": "abc"},
        {"assets": "x"},
        {"metadata": [1]},
        {"description": ""},
        {},
    ):
        assert_error(api.put(_url(job, 1), json=body), 422)
    theirs = add_asset(app, other.user.id)
    assert_error(api.put(_url(job, 1), json={"assets": [theirs]}), 404, f"Asset not found: {theirs}")
    assert assert_ok(api.get(_url(job, 1)))["version"] == 1


def test_an_edited_script_too_long_for_its_scene_is_flagged_not_cut(api, job):
    long_script = " ".join(["word"] * 40)
    scene = assert_ok(api.put(_url(job, 1), json={"script": long_script, "duration": 4}))
    assert scene["script"] == long_script
    assert any("voice-over needs about 16.0 s" in w for w in scene["metadata"]["warnings"])
    fixed = assert_ok(api.put(_url(job, 1), json={"script": "Short and sweet."}))
    assert "warnings" not in fixed["metadata"]


def test_stale_version_loses_with_409(api, job):
    assert_ok(api.put(_url(job, 1), json={"description": "First edit", "version": 1}))
    assert_error(api.put(_url(job, 1), json={"description": "Second edit", "version": 1}), 409, "changed by")
    assert_error(api.put(_url(job, 1), json={"description": "Third"}, headers={"If-Match": '"1"'}), 409)
    assert_ok(api.put(_url(job, 1), json={"description": "Fourth"}, headers={"If-Match": 'W/"2"'}))
    assert_error(api.put(_url(job, 1), json={"description": "x"}, headers={"If-Match": "abc"}), 422)
    assert assert_ok(api.get(_url(job, 1)))["description"] == "Fourth"


def test_delete_keeps_numbers_and_never_goes_below_the_minimum(api, job):
    assert assert_ok(api.delete(_url(job, 2))) == {"message": "Scene deleted successfully"}
    assert [s["sceneNumber"] for s in assert_ok(api.get(_url(job)))["scenes"]] == [1, 3, 4]
    assert_error(api.get(_url(job, 2)), 404)
    assert_error(api.delete(_url(job, 1)), 409, "keeps at least 3 scenes")
    assert [s["sceneNumber"] for s in assert_ok(api.get(_url(job)))["scenes"]] == [1, 3, 4]


def test_with_a_minimum_of_one_the_last_scene_still_stays(app, api, job, monkeypatch):
    monkeypatch.setitem(app.config, "SCENES_PER_VIDEO_MIN", 1)
    for number in (1, 2, 3):
        assert_ok(api.delete(_url(job, number)))
    assert_error(api.delete(_url(job, 4)), 409, "last scene")


def test_scenes_are_locked_after_approval(api, job, renders):
    assert_ok(api.post(f"/api/v3/jobs/{job['id']}/actions", json={"action": "approve"}))
    assert_error(api.put(_url(job, 1), json={"description": "late"}), 409)
    assert_error(api.delete(_url(job, 1)), 409)
    assert_error(api.post(_url(job, "1/regenerate"), json={}), 409, "not allowed when job status is")
    assert_error(api.post(_url(job, "1/revisions/1/restore")), 409)


def test_regenerate_one_scene_keeps_identity_and_the_others(app, api, job, llm):
    target = job["scenes"][1]
    assert_ok(api.put(_url(job, 2), json={"metadata": {"note": "keep me"}}))
    llm.reply(scene_reply(sceneNumber=7, duration=3.0))
    body = {"feedback": "make it calmer", "constraints": {"duration": 8}}
    scene = assert_ok(api.post(_url(job, f"{target['id']}/regenerate"), json=body))
    assert scene["id"] == target["id"] and scene["sceneNumber"] == 2 and scene["duration"] == 8
    assert scene["description"] == "A calmer shot of the bottle on a desk" and scene["version"] == 3
    assert scene["metadata"]["note"] == "keep me" and scene["metadata"]["mood"] == "calm"
    after = assert_ok(api.get(_url(job)))["scenes"]
    assert [s for s in after if s["sceneNumber"] != 2] == [s for s in job["scenes"] if s["sceneNumber"] != 2]
    assert "make it calmer" in llm.requests[0].prompt
    last = assert_ok(api.get(_url(job, "2/revisions")))[-1]
    assert (last["kind"], last["actor"], last["feedback"]) == ("regenerated", "ai:openai", "make it calmer")


def test_failed_regeneration_leaves_the_scene_with_502(app, api, job, llm, monkeypatch):
    monkeypatch.setitem(app.config, "AI_MAX_RETRIES", 0)
    llm.fail(500)
    assert_error(api.post(_url(job, "2/regenerate"), json={"feedback": "x"}), 502, "Failed to regenerate scene")
    llm.reply("not json").reply("still not json")
    assert_error(api.post(_url(job, "2/regenerate"), json={}), 502, "Failed to regenerate scene")
    assert assert_ok(api.get(_url(job, 2))) == job["scenes"][1]


def test_regenerate_validates_constraints(api, job):
    assert_error(api.post(_url(job, "1/regenerate"), json={"constraints": {"duration": 0}}), 422)
    assert_error(api.post(_url(job, "1/regenerate"), json={"constraints": "long"}), 422)


def test_restore_a_revision(api, job):
    original = job["scenes"][0]
    assert_ok(api.put(_url(job, 1), json={"description": "Edited", "duration": 3}))
    scene = assert_ok(api.post(_url(job, "1/revisions/1/restore")))
    assert scene["description"] == original["description"] and scene["duration"] == original["duration"]
    assert scene["version"] == 3
    revisions = assert_ok(api.get(_url(job, "1/revisions")))
    assert [r["kind"] for r in revisions] == ["generated", "edited", "reverted"]
    assert revisions[-1]["feedback"] == "Restored revision 1"
    assert_error(api.post(_url(job, "1/revisions/9/restore")), 404, "Revision not found")


def test_scene_json_carries_no_secrets_or_internals(api, job):
    text = json.dumps(assert_ok(api.get(_url(job))))
    assert "user_id" not in text and "generation" not in text
