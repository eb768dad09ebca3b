"""The provider against what real OpenAI-compatible servers do (llama.cpp, Ollama, OpenAI, one-slot local
servers), each played by the local server through the real `openai` client."""

from __future__ import annotations

import json
import logging
import time

import pytest
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from storyboard import errors, queue
from storyboard.integrations.llm import openai_compat
from storyboard.integrations.llm.replies import extract_json
from storyboard.services.storyboards.writer import write_storyboard
from tests.integrations.test_llm_openai import BRIEF, KEY, scenes
from tests.support.llm_server import LLMServer


@pytest.fixture(autouse=True)
def forget_learned_modes():
    """What a server accepts is remembered per URL; a later test's server may get the same port."""
    yield
    openai_compat.learned_modes.clear()


@pytest.fixture
def server(llm_retry_pauses):
    with LLMServer() as srv:
        yield srv


@pytest.fixture
def one_slot(llm_retry_pauses):
    with LLMServer(one_at_a_time=True) as srv:
        yield srv


def provider(server: LLMServer, **settings):
    return server.provider(KEY, **settings)


def write(server: LLMServer, **settings):
    return write_storyboard(provider(server, **settings), BRIEF, lo=3, hi=7).scenes


def modes(server: LLMServer) -> list[str]:
    return [r.response_format for r in server.requests]


# --- structured output: fall back and remember ---------------------------------------------------


def test_llama_cpp_rejecting_json_schema_falls_back_within_the_generation(server, caplog):
    server.llama_cpp().reply(scenes(4))
    with caplog.at_level(logging.WARNING, logger=openai_compat.__name__):
        assert len(write(server)) == 4
    # One rejected request (not retried: it cannot succeed), then json_object in the same generation.
    assert modes(server) == ["json_schema", "json_object"]
    warnings = [r for r in caplog.records if r.name == openai_compat.__name__]
    assert len(warnings) == 1 and "json_object from now on" in warnings[0].getMessage()
    assert "Input should be 'text' or 'json_object'" in warnings[0].getMessage()


def test_the_next_generation_starts_in_the_mode_that_worked(server, caplog):
    server.llama_cpp().reply(scenes(4)).reply(scenes(4))
    write(server)
    caplog.clear()
    assert len(write(server)) == 4  # a new provider, as every job builds one
    assert modes(server) == ["json_schema", "json_object", "json_object"]
    assert not [r for r in caplog.records if r.name == openai_compat.__name__]


def test_the_memory_is_per_model(server):
    server.llama_cpp().reply(scenes(4)).reply(scenes(4))
    write(server, AI_MODEL="llama-3.2-1b")
    server.gate = None
    write(server, AI_MODEL="qwen2.5-7b")
    assert modes(server) == ["json_schema", "json_object", "json_schema"]


def test_a_server_rejecting_every_mode_falls_back_to_plain_instructions(server):
    server.reject_modes("json_schema", "json_object", error={"message": "grammar-based sampling is not enabled"})
    server.reply(scenes(4))
    assert len(write(server)) == 4
    assert modes(server) == ["json_schema", "json_object", "none"]
    assert "exactly 4 scenes" in server.requests[-1].prompt  # the shape is in the prompt itself


def test_an_explicit_mode_is_where_it_starts(server):
    server.llama_cpp().reply(scenes(4))
    write(server, AI_STRUCTURED_OUTPUT="json_object")
    assert modes(server) == ["json_object"]


def test_a_mode_problem_left_after_every_fallback_says_what_to_set(server):
    error = {"message": f"Failed to parse grammar (key {KEY})", "type": "server_error"}
    server.fail(500, error=error).fail(500, error=error)
    with pytest.raises(errors.UpstreamFailed, match=r"AI provider failed \(HTTP 500\)") as failed:
        write(server, AI_STRUCTURED_OUTPUT="json_object")
    failure = failed.value.failure
    assert modes(server) == ["json_object", "none"]  # none was the last one to try; neither was retried
    assert "AI_STRUCTURED_OUTPUT" in failure.hint and failure.retryable is False
    assert "Failed to parse grammar" in failure.upstream_message and KEY not in repr(failure)


# --- server errors keep their words ----------------------------------------------------------------


def test_a_server_error_keeps_its_redacted_message(server):
    server.fail(500, error={"message": f"CUDA error: out of memory (key {KEY})", "type": "internal_server_error"})
    with pytest.raises(errors.UpstreamFailed, match=r"AI provider failed \(HTTP 500\)") as failed:
        write(server, AI_MAX_RETRIES="0")
    failure = failed.value.failure
    assert failure.upstream_message == "CUDA error: out of memory (key ***)"
    assert failure.upstream_status == 500 and failure.retryable is True and failure.hint == "try again later"


def test_a_server_error_without_an_openai_body_keeps_its_text(server):
    server.raw("upstream model crashed", status=502)
    with pytest.raises(errors.UpstreamFailed, match=r"HTTP 502") as failed:
        write(server, AI_MAX_RETRIES="0")
    assert failed.value.failure.upstream_message == "upstream model crashed"


# --- replies: prose, wrappers, the token limit, refusals -----------------------------------------


def test_ollama_prose_around_a_fence_is_a_storyboard(server):
    server.ollama(scenes(4))
    text = provider(server).complete_storyboard(BRIEF, 4)
    assert text.startswith("Here is the storyboard") and extract_json(text) == scenes(4)
    server.ollama(scenes(4))
    assert len(write(server)) == 4 and len(server.requests) == 2


def test_a_wrapped_storyboard_is_returned_as_the_text(server):
    wrapped = {"storyboard": scenes(4)}
    server.reply(wrapped).reply(wrapped)
    text = provider(server).complete_storyboard(BRIEF, 4)
    assert extract_json(text) == wrapped
    assert len(write(server)) == 4  # the rules unwrap it


def test_a_complete_reply_at_the_token_limit_is_accepted(server):
    server.reply(scenes(4), finish_reason="length")
    assert len(write(server)) == 4 and len(server.requests) == 1


def test_a_complete_fenced_reply_cut_off_in_its_afterword_is_accepted(server):
    server.reply("```json\n" + json.dumps(scenes(4)) + "\n```\nThis storyboard opens with a", finish_reason="length")
    assert len(write(server)) == 4


def test_a_reply_cut_off_inside_the_json_is_refused(server):
    text = json.dumps(scenes(4))
    server.reply(text[: len(text) // 2], finish_reason="length")
    with pytest.raises(errors.UpstreamFailed, match="cut off at the token limit") as failed:
        write(server)
    assert failed.value.failure.hint and len(server.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        "I'm sorry, but I can't assist with that request.",
        "As an AI language model, I cannot write advertisements for this product.",
        "申し訳ありませんが、そのご依頼にはお応えできません。",
    ],
)
def test_a_refusal_in_plain_text_is_reported_as_a_refusal(server, reply):
    server.reply(reply)
    with pytest.raises(errors.UpstreamFailed) as failed:
        write(server)
    assert failed.value.message == f"The AI model refused the request: {reply}"
    assert failed.value.failure.retryable is False and failed.value.failure.hint
    assert len(server.requests) == 1


def test_openai_refusal_field_is_a_refusal(server):
    server.openai_refusal("I'm sorry, but I can't help with that request.")
    with pytest.raises(errors.UpstreamFailed, match="refused the request: I'm sorry") as failed:
        write(server)
    assert failed.value.failure.retryable is False and len(server.requests) == 1


def test_prose_without_json_that_is_no_refusal_gets_the_corrective_retry(server):
    server.reply("Sure! I will write it now.").reply(scenes(4))
    assert len(write(server)) == 4 and len(server.requests) == 2


# --- money and rate limits -------------------------------------------------------------------------


def test_insufficient_quota_is_asked_exactly_once(server, llm_retry_pauses):
    server.insufficient_quota().insufficient_quota().insufficient_quota()
    with pytest.raises(errors.UpstreamFailed, match="AI provider account balance exhausted") as failed:
        write(server, AI_MAX_RETRIES="2")
    assert len(server.requests) == 1 and llm_retry_pauses == []
    assert failed.value.failure.retryable is False and failed.value.failure.upstream_status == 429


def test_payment_required_is_asked_exactly_once(server):
    server.fail(402).fail(402)
    with pytest.raises(errors.UpstreamFailed, match="balance exhausted"):
        write(server, AI_MAX_RETRIES="2")
    assert len(server.requests) == 1


def test_an_ordinary_rate_limit_is_still_retried(server, llm_retry_pauses):
    error = {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}
    server.fail(429, error=error).fail(408).fail(409).reply(scenes(4))
    assert len(write(server, AI_MAX_RETRIES="3")) == 4
    assert len(server.requests) == 4 and len(llm_retry_pauses) == 3


# --- abandoned requests hang up --------------------------------------------------------------------


def test_a_timed_out_request_hangs_up(one_slot):
    one_slot.slow(30, scenes(4))
    with pytest.raises(errors.UpstreamTimeout):
        write(one_slot, AI_TIMEOUT_SECONDS="0.5", AI_MAX_RETRIES="0")
    gave_up = time.monotonic()
    [hangup] = one_slot.wait_for_hangups(1)
    assert hangup.port == one_slot.requests[0].port
    assert hangup.at - one_slot.requests[0].at < 0.5 + 1.5 and hangup.at - gave_up < 1.0


def test_a_retry_after_a_timeout_comes_after_the_hang_up(one_slot):
    one_slot.slow(30, scenes(4)).slow(30, scenes(4)).reply(scenes(4))
    assert len(write(one_slot, AI_TIMEOUT_SECONDS="0.5", AI_MAX_RETRIES="2")) == 4
    first, second, third = one_slot.requests
    hangups = one_slot.wait_for_hangups(2)
    assert [h.port for h in hangups] == [first.port, second.port]
    # Each retry arrives on a new connection once the previous one is closed (nothing else still open and
    # generating); the one slot was free at once, so no abandoned generation was waited out.
    assert second.others_open == 0 and third.others_open == 0
    assert len({first.port, second.port, third.port}) == 3


def test_a_request_interrupted_by_the_job_timeout_hangs_up(one_slot):
    one_slot.slow(30, scenes(4)).reply(scenes(4))
    with pytest.raises(JobTimeoutException), UnixSignalDeathPenalty(1, JobTimeoutException, job_id="test"):
        write(one_slot, AI_TIMEOUT_SECONDS="60")
    interrupted = time.monotonic()
    [hangup] = one_slot.wait_for_hangups(1)
    assert hangup.port == one_slot.requests[0].port and hangup.at - interrupted < 1.0
    # The next job gets the server's one slot at once, not after the abandoned 30 s generation.
    started = time.monotonic()
    assert len(write(one_slot)) == 4 and time.monotonic() - started < 3


# --- the background job waits as long as the provider may --------------------------------------------

AI_DEFAULTS = {"AI_TIMEOUT_SECONDS": 60.0, "AI_MAX_RETRIES": 2, "ASSET_DOWNLOAD_TIMEOUT_SECONDS": 60.0}


def test_the_storyboard_job_timeout_covers_the_slowest_allowed_run():
    work = queue.WORK["storyboard"]
    slow = {**AI_DEFAULTS, "AI_TIMEOUT_SECONDS": 600.0}
    # 20 downloads of 60 s, then 2 generations of 3 requests of 600 s: more than the old fixed 600 s allowed.
    assert work.timeout_for(slow) >= 20 * 60 + 2 * 3 * 600
    assert work.timeout_for({**slow, "AI_MAX_RETRIES": 0}) >= 20 * 60 + 2 * 600
    assert work.timeout_for(AI_DEFAULTS) >= 20 * 60 + 2 * 3 * 60
    quick = {"AI_TIMEOUT_SECONDS": 5.0, "AI_MAX_RETRIES": 0, "ASSET_DOWNLOAD_TIMEOUT_SECONDS": 5.0}
    assert work.timeout_for(quick) == 600  # never below the old floor


def test_the_enqueued_job_carries_the_timeout_of_the_settings(rq_app):
    from rq.job import Job

    rq_app.config.update(AI_TIMEOUT_SECONDS=900.0, AI_MAX_RETRIES=1)
    with rq_app.app_context():
        assert queue.start("storyboard", "job-timeout-test")
        job = Job.fetch(queue.WORK["storyboard"].job_id("job-timeout-test"), connection=queue.redis_connection(rq_app))
        expected = queue.WORK["storyboard"].timeout_for(rq_app.config)
        assert job.timeout == expected and expected >= 2 * 2 * 900
        job.delete()
