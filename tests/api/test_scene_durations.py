"""The brief's duration D holds: rewrites of the whole storyboard write D, edits that change the total warn on
the job, `rebalance_durations` scales the scenes back, and a storyboard keeps its minimum number of scenes."""

from __future__ import annotations

import threading

import pytest

from tests.support.envelope import assert_error, assert_ok
from tests.support.jobs import scene_reply, scenes_reply
from tests.support.webhook_receiver import Receiver

BRIEF_SECONDS = 30  # the `job` fixture's brief


def act(api, job_id: str, action: str, **body):
    return api.post(f"/api/v3/jobs/{job_id}/actions", json={"action": action, **body})


def _job(api, job) -> dict:
    return assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))


def _total(scenes) -> float:
    return round(sum(s["duration"] for s in scenes), 1)


def _mismatch(actual: float) -> list[dict]:
    message = f"Scenes add up to {actual:g} s; the brief asks for {BRIEF_SECONDS} s"
    shown = int(actual) if float(actual).is_integer() else actual
    return [{"code": "duration_mismatch", "message": message, "expected": BRIEF_SECONDS, "actual": shown}]


def _drift(api, job, seconds: float = 5.0) -> float:
    """Lengthen scene 1 by `seconds` with a PUT; returns the new total."""
    first = job["scenes"][0]
    assert_ok(api.put(f"/api/v3/jobs/{job['id']}/scenes/1", json={"duration": first["duration"] + seconds}))
    return round(BRIEF_SECONDS + seconds, 1)


def test_a_fresh_storyboard_has_no_warning_and_no_rebalance(api, job):
    assert _total(job["scenes"]) == BRIEF_SECONDS
    assert job["warnings"] == [] and "rebalance_durations" not in job["allowedActions"]
    assert_error(act(api, job["id"], "rebalance_durations"), 409, "already add up to the brief's duration")


def test_a_duration_edit_warns_on_the_job_and_in_the_list(api, job):
    total = _drift(api, job)
    shown = _job(api, job)
    assert shown["warnings"] == _mismatch(total) and total == 35
    assert "rebalance_durations" in shown["allowedActions"]
    [item] = assert_ok(api.get("/api/v3/jobs"))
    assert item["warnings"] == shown["warnings"] and item["allowedActions"] == shown["allowedActions"]


def test_rebalance_scales_back_to_the_briefs_duration_with_revisions_and_an_event(api, job):
    _drift(api, job, seconds=7.5)
    before = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/scenes"))["scenes"]
    data = assert_ok(act(api, job["id"], "rebalance_durations"))
    after = data["scenes"]
    assert data["message"] == "Scene durations rebalanced to 30 s"
    assert _total(after) == BRIEF_SECONDS and all(1 <= s["duration"] <= 60 for s in after)
    assert all(round(s["duration"], 1) == s["duration"] for s in after)
    # In proportion: the lengthened first scene stays the longest, the order of lengths is kept.
    assert sorted(range(4), key=lambda i: after[i]["duration"]) == sorted(range(4), key=lambda i: before[i]["duration"])
    shown = _job(api, job)
    assert shown["warnings"] == [] and "rebalance_durations" not in shown["allowedActions"]
    assert shown["scenes"] == after
    changed = [s for s, old in zip(after, before, strict=True) if s["duration"] != old["duration"]]
    assert changed and all(
        s["version"] == old["version"] + 1 for s, old in zip(after, before, strict=True) if s in changed
    )
    revisions = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/scenes/{changed[0]['sceneNumber']}/revisions"))
    assert (revisions[-1]["kind"], revisions[-1]["actor"]) == ("rebalanced", "user:alice")
    events = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/events"))
    assert events[-1]["kind"] == "durations_rebalanced" and events[-1]["data"] == {"from": 37.5, "to": 30.0}
    assert_error(act(api, job["id"], "rebalance_durations"), 409, "nothing to rebalance")


def test_a_regeneration_with_a_duration_constraint_warns_and_regenerate_all_writes_the_briefs_duration(api, job, llm):
    last = job["scenes"][-1]
    llm.reply(scene_reply(sceneNumber=4, script="Order today and taste the difference."))
    body = {"sceneNumber": 4, "constraints": {"duration": 5}}
    assert assert_ok(act(api, job["id"], "regenerate_scene", **body))["scene"]["duration"] == 5
    total = round(BRIEF_SECONDS - last["duration"] + 5, 1)
    assert total != BRIEF_SECONDS and _job(api, job)["warnings"] == _mismatch(total)
    llm.reply(scenes_reply(4, duration=6.0))
    scenes = assert_ok(act(api, job["id"], "regenerate_all_scenes"))["scenes"]
    assert _total(scenes) == BRIEF_SECONDS and len(scenes) == 4
    prompt = llm.requests[-1].prompt
    assert "a 30-second" in prompt and f"{total:g}-second" not in prompt
    assert _job(api, job)["warnings"] == []


def test_regenerate_all_and_reject_after_a_drift_write_the_briefs_duration_offline(api, job):
    _drift(api, job)
    scenes = assert_ok(act(api, job["id"], "regenerate_all_scenes"))["scenes"]
    assert _total(scenes) == BRIEF_SECONDS and len(scenes) == 4
    assert _job(api, job)["warnings"] == []
    assert_ok(api.delete(f"/api/v3/jobs/{job['id']}/scenes/2"))
    dropped = round(BRIEF_SECONDS - scenes[1]["duration"], 1)
    assert _job(api, job)["warnings"] == _mismatch(dropped)
    rejected = assert_ok(act(api, job["id"], "reject_storyboard", feedback="show the bottle closer"))["scenes"]
    assert _total(rejected) == BRIEF_SECONDS and len(rejected) == 3
    assert _job(api, job)["warnings"] == []


def test_a_revert_that_changes_the_total_warns(api, job):
    _drift(api, job)
    assert_ok(act(api, job["id"], "rebalance_durations"))
    assert_ok(act(api, job["id"], "revert_scene", sceneNumber=1, revision=2))  # the edited 5 s longer
    total = _total(assert_ok(api.get(f"/api/v3/jobs/{job['id']}/scenes"))["scenes"])
    assert total != BRIEF_SECONDS and _job(api, job)["warnings"] == _mismatch(total)


def test_deleting_below_the_minimum_scene_count_is_409(app, api, job, monkeypatch):
    assert app.config["SCENES_PER_VIDEO_MIN"] == 3
    assert_ok(api.delete(f"/api/v3/jobs/{job['id']}/scenes/2"))
    response = api.delete(f"/api/v3/jobs/{job['id']}/scenes/3")
    assert_error(response, 409, "Cannot delete scene 3: a storyboard keeps at least 3 scenes (SCENES_PER_VIDEO_MIN)")
    assert [s["sceneNumber"] for s in _job(api, job)["scenes"]] == [1, 3, 4]
    monkeypatch.setitem(app.config, "SCENES_PER_VIDEO_MIN", 1)
    for number in (1, 3):
        assert_ok(api.delete(f"/api/v3/jobs/{job['id']}/scenes/{number}"))
    assert_error(api.delete(f"/api/v3/jobs/{job['id']}/scenes/4"), 409, "Cannot delete the last scene")


def test_rebalance_is_refused_outside_review(api, job):
    _drift(api, job)
    assert_ok(act(api, job["id"], "cancel"))
    shown = _job(api, job)
    assert shown["allowedActions"] == [] and shown["warnings"] == _mismatch(35)
    assert_error(act(api, job["id"], "rebalance_durations"), 409, "not allowed when job status is 'cancelled'")


def test_the_webhook_carries_the_warning_as_get_shows_it(api, job):
    receiver = Receiver().start()
    try:
        assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url}))
        _drift(api, job)
        assert_ok(act(api, job["id"], "cancel"))
        from storyboard.queue import drain_local

        drain_local()
    finally:
        receiver.stop()
    [delivery] = receiver.received
    assert delivery.payload["job"]["warnings"] == _mismatch(35) == _job(api, job)["warnings"]


def test_concurrent_duration_edits_keep_the_total_exact(app, api, job):
    """Edits of different scenes take turns on the job's row, so the stored total never misses one."""
    barrier, results = threading.Barrier(4), []

    def edit(number: int) -> None:
        barrier.wait()
        client = app.test_client()
        headers = {"X-API-Key": api.key}
        url = f"/api/v3/jobs/{job['id']}/scenes/{number}"
        results.append(client.put(url, json={"duration": 2.0 + number}, headers=headers).status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [200] * 4
    assert _job(api, job)["warnings"] == _mismatch(3.0 + 4.0 + 5.0 + 6.0)


@pytest.mark.parametrize("seconds", [0.04, -0.04])
def test_a_difference_below_a_tenth_is_rounding_not_a_warning(api, job, seconds):
    first = job["scenes"][0]
    assert_ok(api.put(f"/api/v3/jobs/{job['id']}/scenes/1", json={"duration": first["duration"] + seconds}))
    assert _job(api, job)["warnings"] == []
