"""POST /api/v3/jobs: references checked, the storyboard written in the background, waited for, or failed cleanly."""

from __future__ import annotations

import json

import pytest

from storyboard.queue import drain_local
from tests.api.conftest import LLM_KEY
from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief
from tests.support.jobs import add_asset, create, db_counts, scenes_reply


def _valid_storyboard(job: dict, duration: float = 30.0) -> None:
    scenes = job["scenes"]
    assert 3 <= len(scenes) <= 7
    assert [s["sceneNumber"] for s in scenes] == list(range(1, len(scenes) + 1))
    assert round(sum(s["duration"] for s in scenes), 1) == duration
    assert all(0 < s["duration"] <= 60 and s["description"] for s in scenes)


def test_create_writes_the_storyboard_and_answers_201(api, acme, network, fast_webhook_retries):
    # No real DNS for the callback host: its deliveries fail and are retried through the queue in milliseconds
    # (with the default 10 s delay the end-of-test drain waited for the retry).
    body = brief(acme["client"], campaign_id=acme["campaign"], callbackUrl="https://hooks.example.com/x")
    job = assert_ok(create(api, body), 201)
    assert job["status"] == "storyboard_review" and job["campaignId"] == acme["campaign"]
    _valid_storyboard(job)
    assert len(job["scenes"]) == 4 and job["estimatedCost"] == 3.015 and job["error"] is None
    assert job["progress"]["current_stage"] == "storyboard_review" and job["progress"]["percent"] == 100
    assert job["progress"]["scenes_total"] == job["progress"]["scenes_completed"] == 4
    assert "approve_storyboard" in job["allowedActions"] and job["callbackUrl"] == "https://hooks.example.com/x"
    assert job["request"]["adBasics"]["product"] == "Aurora Smart Bottle"
    assert "Order today" in job["scenes"][-1]["script"]


def test_create_records_the_history(api, acme):
    job = assert_ok(create(api, brief(acme["client"])), 201)
    events = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/events"))
    statuses = [(e["fromStatus"], e["toStatus"]) for e in events if e["kind"] == "status_changed"]
    assert statuses == [("pending", "storyboard_processing"), ("storyboard_processing", "storyboard_review")]
    assert events[0]["kind"] == "created" and events[0]["actor"] == "user:alice"
    assert any(e["kind"] == "storyboard_generated" and e["actor"] == "ai:offline" for e in events)
    revisions = assert_ok(api.get(f"/api/v3/jobs/{job['id']}/scenes/1/revisions"))
    assert [(r["revision"], r["kind"], r["actor"]) for r in revisions] == [(1, "generated", "ai:offline")]


def test_respond_async_answers_202_and_the_job_finishes(api, acme):
    job = assert_ok(create(api, brief(acme["client"]), Prefer="respond-async"), 202)
    assert job["status"] in ("pending", "storyboard_processing", "storyboard_review")
    drain_local()
    done = assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))
    assert done["status"] == "storyboard_review" and len(done["scenes"]) == 4


def test_idempotency_key_returns_the_same_job(api, acme):
    body = brief(acme["client"])
    first = assert_ok(create(api, body, **{"Idempotency-Key": "k1"}), 201)
    again = assert_ok(create(api, body, **{"Idempotency-Key": "k1"}), 201)
    assert again["id"] == first["id"] and len(assert_ok(api.get("/api/v3/jobs"))) == 1
    assert_error(create(api, brief(acme["client"], duration=60), **{"Idempotency-Key": "k1"}), 409)


def test_foreign_client_and_campaign_are_404(app, api, other, acme):
    assert_error(create(other, brief(acme["client"])), 404, "Client not found")
    with app.app_context():
        from storyboard.models import User, db
        from tests.support.factories import make_client

        mine = make_client(db.session.get(User, other.user.id)).id
    assert_error(create(other, brief(mine, campaign_id=acme["campaign"])), 404, "Campaign not found")
    assert db_counts(app)["jobs"] == 0


def test_foreign_asset_id_is_404_and_leaves_nothing_behind(app, api, other, acme, media_server, media_files):
    theirs = add_asset(app, other.user.id)
    url = media_server.add("/p.png", media_files.read("png"), content_type="image/png")
    body = brief(acme["client"])
    body["creative"]["assets"] = [{"url": url, "type": "image"}, {"assetId": theirs}]
    assert_error(create(api, body), 404, f"Asset not found: {theirs}")
    assert db_counts(app) == {"jobs": 0, "job_scenes": 0, "assets": 1}
    assert media_server.hits["/p.png"] == 0


def test_disallowed_asset_url_is_422_and_no_job(app, api, acme):
    body = brief(acme["client"])
    body["creative"]["assets"] = [{"url": "ftp://example.com/a.png"}]
    assert_error(create(api, body), 422)
    assert db_counts(app)["jobs"] == 0


def test_existing_assets_are_placed_and_described_to_the_model(app, api, acme, llm):
    bottle = add_asset(app, api.user.id, name="Bottle", role="product_shot")
    logo = add_asset(app, api.user.id, name="Logo", width=300, height=100)
    llm.reply(scenes_reply(4, assets={1: [bottle]}))
    body = brief(acme["client"], campaign_id=acme["campaign"])
    body["creative"]["assets"] = [{"assetId": bottle}, {"assetId": logo, "role": "logo"}]
    job = assert_ok(create(api, body), 201)
    assert job["assetIds"] == [bottle, logo] and job["scenes"][1]["assets"][0] == bottle
    assert {bottle, logo} <= {a for s in job["scenes"] for a in s["assets"]}
    prompt = llm.requests[0].prompt
    for text in (bottle, logo, "product_shot", "logo", "#FF6B35", "Drive first orders", "Aurora Smart Bottle"):
        assert text in prompt


def test_url_assets_are_downloaded_before_the_storyboard(app, api, acme, media_server, media_files):
    url = media_server.add("/hero.png", media_files.read("png"), content_type="image/png")
    body = brief(acme["client"], campaign_id=acme["campaign"])
    body["creative"]["assets"] = [{"url": url, "type": "image", "name": "Hero", "role": "hero"}]
    job = assert_ok(create(api, body), 201)
    asset = assert_ok(api.get(f"/api/v3/assets/{job['assetIds'][0]}"))
    assert asset["status"] == "ready" and asset["campaignId"] == acme["campaign"] and asset["width"] == 320
    assert asset["id"] in {a for s in job["scenes"] for a in s["assets"]}


def test_failed_download_fails_the_job_and_removes_its_assets(app, api, acme, media_server, media_files):
    kept = add_asset(app, api.user.id)
    good = media_server.add("/ok.png", media_files.read("png"), content_type="image/png")
    bad = media_server.add("/missing.png", b"nope", status=404, content_type="text/plain")
    body = brief(acme["client"])
    body["creative"]["assets"] = [{"url": good}, {"assetId": kept}, {"url": bad}]
    failed = assert_error(create(api, body), 502, "Failed to download asset")
    job = failed["data"]
    assert job["status"] == "failed" and job["errorDetail"]["stage"] == "ingest" and job["scenes"] == []
    assert job["assetIds"] == [kept] and db_counts(app)["assets"] == 1


# Each scripted LLM conversation ends in a valid storyboard or a clean failure, never a partial one.
SCENARIOS = {
    "good": ([("reply", scenes_reply(4))], {}, True),
    "nine_scenes": ([("reply", scenes_reply(9)), ("reply", scenes_reply(4))], {}, True),
    "one_scene": ([("reply", scenes_reply(1)), ("reply", scenes_reply(4))], {}, True),
    "one_scene_twice": ([("reply", scenes_reply(1)), ("reply", scenes_reply(1))], {}, False),
    "code_fences": ([("reply", "```json\n" + json.dumps(scenes_reply(4)) + "\n```")], {}, True),
    "invalid_json": ([("reply", '{"scenes": [{'), ("reply", "not json")], {}, False),
    "unknown_assets": ([("reply", scenes_reply(4, assets={0: ["made-up"], 2: ["../x"]}))], {}, True),
    "twice_the_duration": ([("reply", scenes_reply(4, duration=15.0))], {}, True),
    "rate_limit_then_success": ([("fail", 429), ("reply", scenes_reply(4))], {}, True),
    "server_error_twice_then_success": ([("fail", 500), ("fail", 500), ("reply", scenes_reply(4))], {}, True),
    "server_error_twice": ([("fail", 500), ("fail", 500)], {"AI_MAX_RETRIES": 1}, False),
    "timeout": ([("slow", 5)], {"AI_MAX_RETRIES": 0, "AI_TIMEOUT_SECONDS": 0.5}, False),
}


def _script(server, steps) -> None:
    for kind, value in steps:
        if kind == "reply":
            server.reply(value)
        elif kind == "fail":
            server.fail(value, headers={"retry-after": "0"})
        else:
            server.slow(value, scenes_reply(4))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_llm_conversation_ends_in_a_storyboard_or_a_clean_failure(app, api, acme, llm, monkeypatch, name):
    steps, settings, succeeds = SCENARIOS[name]
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    _script(llm, steps)
    response = create(api, brief(acme["client"]))
    if succeeds:
        job = assert_ok(response, 201)
        _valid_storyboard(job)
        assert "made-up" not in json.dumps(job["scenes"]) and job["scenes"][0]["shotType"] == "wide"
    else:
        job = assert_error(response, 502, "Failed to generate scenes: ")["data"]
        assert job["status"] == "failed" and job["scenes"] == [] and job["error"].startswith("Failed to generate")
        assert job["errorDetail"]["stage"] == "storyboard_llm" and job["errorDetail"]["provider"] == "openai"
        assert {"retryable", "hint", "upstream_status"} <= set(job["errorDetail"])
        assert db_counts(app)["job_scenes"] == 0


def test_rejected_key_reads_as_such_without_the_key(api, acme, llm):
    error = {"message": f"Incorrect API key provided: {LLM_KEY}", "type": "invalid_request_error"}
    llm.fail(401, error={**error, "code": "invalid_api_key"})
    body = assert_error(create(api, brief(acme["client"])), 502, "AI provider rejected the API key")
    assert body["data"]["errorDetail"]["hint"] == "check AI_API_KEY"
    assert body["data"]["errorDetail"]["retryable"] is False and LLM_KEY not in json.dumps(body)


def test_invalid_brief_is_422(api, acme):
    body = brief(acme["client"])
    body["creative"]["videoSpecs"]["duration"] = 500
    assert_error(create(api, body), 422)
