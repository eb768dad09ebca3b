"""The openai-client provider and the storyboard writer against a scripted local OpenAI-compatible server."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

import pytest

from storyboard import errors
from storyboard.integrations.llm import AssetBrief, Brief, get_provider
from storyboard.integrations.llm.offline import OfflineProvider
from storyboard.services.storyboards.writer import rewrite_scene, write_storyboard
from tests.support.llm_server import LLMServer

KEY = "sk-test-secret-0123456789abcdef"
ASSETS = (
    AssetBrief("asset-bottle", "image", "Bottle on white", role="product_shot", width=1200, height=1200),
    AssetBrief("asset-logo", "image", "Logo", role="logo", tags=("brand_logo",)),
    AssetBrief("asset-city", "video", "City at dawn", role="background", duration=12.0),
)
BRIEF = Brief(
    product="Acme Cold Brew",
    target_audience="busy commuters",
    key_message="Barista coffee in ten seconds",
    call_to_action="Order now at acme.com",
    style="bright and modern",
    tone="upbeat",
    visual_elements=("steam rising", "city sunrise"),
    duration=30.0,
    client_name="Acme",
    brand={"colors": ["#FF6B35", "navy"], "tone": "playful", "restrictions": ["no competitor cups"]},
    campaign_name="Spring launch",
    campaign_goal="Drive first orders from commuters",
    assets=ASSETS,
)


@pytest.fixture
def server(llm_retry_pauses):
    with LLMServer() as srv:
        yield srv


def provider(server: LLMServer, **settings):
    return server.provider(KEY, **settings)


def scenes(count: int, *, duration: float = 7.5, assets=None, last_script="Order now at acme.com.") -> dict:
    items = []
    for i in range(count):
        script = last_script if i == count - 1 else f"Line {i + 1}."
        items.append(
            {
                "sceneNumber": i + 1,
                "duration": duration,
                "description": f"Shot {i + 1} of Acme Cold Brew",
                "script": script,
                "shotType": "wide",
                "transition": "cut",
                "assets": (assets or {}).get(i, []),
                "metadata": {"setting": "kitchen", "mood": "bright"},
            }
        )
    return {"scenes": items}


def write(server: LLMServer, **settings):
    return write_storyboard(provider(server, **settings), BRIEF, lo=3, hi=7).scenes


def total(drafts) -> float:
    return round(sum(d.duration for d in drafts), 1)


def test_good_reply_becomes_the_storyboard(server):
    server.reply(scenes(4, assets={2: ["asset-bottle"], 3: ["asset-logo"], 0: ["asset-city"]}))
    drafts = write(server)
    assert [d.scene_number for d in drafts] == [1, 2, 3, 4]
    assert total(drafts) == 30.0
    assert drafts[2].assets == ["asset-bottle"] and drafts[0].transition == "fade"
    assert len(server.requests) == 1


def test_request_carries_brief_brand_goal_assets_and_schema(server):
    server.reply(scenes(4))
    write(server)
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    for text in ("Acme Cold Brew", "busy commuters", "Order now at acme.com", "#FF6B35", "no competitor cups"):
        assert text in sent.prompt
    assert "Drive first orders from commuters" in sent.prompt
    assert all(a.id in sent.prompt for a in ASSETS) and "product_shot" in sent.prompt
    assert "exactly 4 scenes" in sent.prompt
    fmt = sent.json["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["scenes"]


def test_nine_scenes_for_a_short_ad_get_a_corrective_retry(server):
    server.reply(scenes(9)).reply(scenes(4))
    assert len(write(server)) == 4
    assert "it needs 4" in server.requests[1].prompt


def test_nine_scenes_for_a_long_ad_are_truncated_to_seven(server):
    server.reply(scenes(9))
    long_brief = replace(BRIEF, duration=90.0)
    drafts = write_storyboard(provider(server), long_brief, lo=3, hi=7).scenes
    assert len(drafts) == 7 and len(server.requests) == 1
    assert "Order now at acme.com" in drafts[-1].script
    assert total(drafts) == 90.0


def test_one_scene_gets_one_corrective_retry(server):
    server.reply(scenes(1)).reply(scenes(4))
    drafts = write(server)
    assert len(drafts) == 4 and len(server.requests) == 2
    assert "previous answer was rejected" in server.requests[1].prompt
    assert "1 scenes" in server.requests[1].prompt


def test_one_scene_twice_fails_cleanly(server):
    server.reply(scenes(1)).reply(scenes(1))
    with pytest.raises(errors.UpstreamFailed) as failed:
        write(server)
    assert failed.value.message.startswith("Failed to generate scenes: ")
    assert failed.value.failure.stage == "storyboard_llm" and failed.value.failure.provider == "openai"
    assert len(server.requests) == 2


def test_reply_in_code_fences_is_accepted(server):
    server.reply("```json\n" + json.dumps(scenes(4)) + "\n```")
    assert len(write(server)) == 4


def test_invalid_json_is_retried_then_fails(server):
    server.reply('{"scenes": [{"sceneNumber": 1,').reply("not json at all")
    with pytest.raises(errors.UpstreamFailed, match="not valid JSON"):
        write(server)
    assert len(server.requests) == 2


def test_invalid_json_then_good_reply_succeeds(server):
    server.reply("Sure! Here is your storyboard.").reply(scenes(4))
    assert len(write(server)) == 4


def test_unknown_asset_ids_are_dropped_and_every_job_asset_used(server):
    server.reply(scenes(4, assets={0: ["made-up-id"], 1: ["asset-bottle", "../../etc/passwd"]}))
    drafts = write(server)
    used = [a for d in drafts for a in d.assets]
    assert "made-up-id" not in used and "../../etc/passwd" not in used
    assert {a.id for a in ASSETS} <= set(used)
    assert "asset-logo" in drafts[-1].assets


def test_durations_summing_to_twice_the_target_are_rescaled_exactly(server):
    reply = scenes(4)
    for scene, seconds in zip(reply["scenes"], (10, 20, 20, 10), strict=True):
        scene["duration"] = seconds
    server.reply(reply)
    drafts = write(server)
    assert [d.duration for d in drafts] == [5.0, 10.0, 10.0, 5.0]


def test_rate_limit_then_success_honours_retry_after(server, llm_retry_pauses):
    server.fail(429, headers={"retry-after": "3"}).reply(scenes(4))
    assert len(write(server)) == 4
    # One pause of the server's 3 s (the client's own first backoff is under 1 s), then the second request.
    assert llm_retry_pauses == [3.0] and len(server.requests) == 2


def test_rate_limit_after_retries_is_retryable_failure(server):
    server.fail(429, headers={"retry-after": "0"}).fail(429, headers={"retry-after": "0"})
    with pytest.raises(errors.UpstreamFailed) as failed:
        write(server, AI_MAX_RETRIES="1")
    assert failed.value.message == "AI provider rate limit reached"
    assert failed.value.failure.retryable is True and failed.value.failure.upstream_status == 429


def test_server_errors_are_retried_by_the_client(server, llm_retry_pauses):
    server.fail(500).fail(500).reply(scenes(4))
    assert len(write(server, AI_MAX_RETRIES="2")) == 4
    assert len(server.requests) == 3 and len(llm_retry_pauses) == 2 and all(p > 0 for p in llm_retry_pauses)


def test_server_errors_beyond_the_retries_fail(server):
    server.fail(500).fail(500)
    with pytest.raises(errors.UpstreamFailed, match=r"AI provider failed \(HTTP 500\)") as failed:
        write(server, AI_MAX_RETRIES="1")
    assert failed.value.failure.retryable is True and len(server.requests) == 2


def test_slow_provider_times_out(server):
    # The reply would come after 60 s (the server drops it at teardown): a valid storyboard unless the
    # client's 0.5 s timeout ends the wait first.
    server.slow(60, scenes(4))
    with pytest.raises(errors.UpstreamTimeout) as failed:
        write(server, AI_TIMEOUT_SECONDS="0.5", AI_MAX_RETRIES="0")
    assert failed.value.message == "AI provider timed out" and failed.value.failure.retryable is True
    assert len(server.requests) == 1


def test_rejected_key_is_reported_without_the_key(server):
    error = {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error"}
    server.fail(401, error={**error, "code": "invalid_api_key"})
    with pytest.raises(errors.UpstreamFailed) as failed:
        write(server)
    assert failed.value.message == "AI provider rejected the API key"
    assert failed.value.failure.hint == "check AI_API_KEY" and failed.value.failure.retryable is False
    assert KEY not in failed.value.message and KEY not in repr(failed.value.failure)
    assert KEY[:12] not in repr(failed.value.failure)


@pytest.mark.parametrize("status, code", [(402, None), (429, "insufficient_quota")])
def test_exhausted_balance_is_reported(server, status, code):
    server.fail(status, error={"message": "You exceeded your current quota", "type": "x", "code": code})
    with pytest.raises(errors.UpstreamFailed, match="AI provider account balance exhausted") as failed:
        write(server, AI_MAX_RETRIES="0")
    assert failed.value.failure.retryable is False


def test_bad_request_keeps_a_redacted_upstream_message(server):
    server.fail(400, error={"message": f"Unrecognized request argument supplied: seed (key {KEY})", "type": "x"})
    with pytest.raises(errors.UpstreamFailed, match=r"HTTP 400") as failed:
        write(server)
    assert failed.value.failure.upstream_message == "Unrecognized request argument supplied: seed (key ***)"
    assert KEY not in repr(failed.value.failure) and len(server.requests) == 1


def test_unreachable_provider_is_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = {"AI_PROVIDER": "openai", "AI_API_KEY": KEY, "AI_BASE_URL": f"http://127.0.0.1:{port}/v1"}
    with pytest.raises(errors.UpstreamFailed, match="Could not reach the AI provider"):
        write_storyboard(get_provider({**settings, "AI_MAX_RETRIES": "0"}), BRIEF, lo=3, hi=7)


def test_refusal_is_an_explicit_failure_without_retry(server):
    server.reply(None, refusal="I can't help with that.")
    with pytest.raises(errors.UpstreamFailed, match="refused the request: I can't help with that") as failed:
        write(server)
    assert failed.value.failure.retryable is False and failed.value.failure.hint
    assert len(server.requests) == 1


def test_cut_off_reply_is_an_explicit_failure(server):
    server.reply('{"scenes": [', finish_reason="length")
    with pytest.raises(errors.UpstreamFailed, match="cut off at the token limit"):
        write(server)


def test_non_api_body_is_unreadable(server):
    server.raw("<html>gateway</html>", content_type="application/json")
    with pytest.raises(errors.UpstreamFailed, match="unreadable reply"):
        write(server)


def test_anthropic_uses_json_object_mode_and_its_default_model(server):
    server.reply(scenes(4))
    drafts = write(server, AI_PROVIDER="anthropic")
    sent = server.requests[0].json
    assert len(drafts) == 4
    assert sent["model"] == "claude-sonnet-4-5" and sent["response_format"] == {"type": "json_object"}
    assert '{"scenes": [' in server.requests[0].prompt  # the shape is in the prompt for such servers


def test_structured_output_can_be_switched_off(server):
    server.reply(scenes(4))
    write(server, AI_STRUCTURED_OUTPUT="none", AI_MODEL="llama3.1")
    assert "response_format" not in server.requests[0].json
    assert server.requests[0].json["model"] == "llama3.1"


def test_key_goes_only_in_the_authorization_header(server):
    server.reply(scenes(4))
    write(server)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(server.requests[0].json)


def test_provider_choice_from_settings():
    assert isinstance(get_provider({}), OfflineProvider)
    assert get_provider({"AI_API_KEY": KEY}).name == "openai"
    assert get_provider({"OPENAI_API_KEY": KEY}).model == "gpt-4o-mini"
    with pytest.raises(errors.UpstreamFailed, match="Unsupported AI provider: grok"):
        get_provider({"AI_PROVIDER": "grok", "AI_API_KEY": KEY})
    with pytest.raises(errors.UpstreamFailed, match="not configured"):
        get_provider({"AI_PROVIDER": "openai"})


def test_scene_rewrite_through_the_server(server):
    current = write_storyboard(OfflineProvider(), BRIEF, lo=3, hi=7).scenes
    target = current[1]
    target.metadata["note"] = "keep me"
    reply = {**scenes(1)["scenes"][0], "sceneNumber": 9, "duration": 3.0, "metadata": {"mood": "calm"}}
    server.reply(reply)
    new = rewrite_scene(
        provider(server), BRIEF, target, current, feedback="make it calmer", constraints={"duration": 6.5}
    ).scenes[0]
    assert new.scene_number == 2 and new.duration == 6.5
    assert new.metadata["note"] == "keep me" and new.metadata["mood"] == "calm"
    sent = server.requests[0]
    assert "make it calmer" in sent.prompt and current[0].description in sent.prompt
    assert sent.json["response_format"]["json_schema"]["name"] == "scene"
