"""The storyboard writer: scene counts, retries and scene rewrites, with real providers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storyboard import errors
from storyboard.integrations.llm import Brief
from storyboard.integrations.llm.offline import OfflineProvider
from storyboard.integrations.llm.scene_count import for_duration as target_scene_count
from storyboard.services.storyboards.writer import (
    rewrite_scene,
    write_storyboard,
)
from tests.support.llm_server import LLMServer

BRIEF = Brief("Acme Cold Brew", "commuters", "Coffee in ten seconds", "Order now", "modern", duration=60.0)


@pytest.fixture
def server():
    with LLMServer() as srv:
        yield srv


def remote(server: LLMServer):
    return server.provider(AI_MAX_RETRIES="0")


@pytest.mark.parametrize(
    "duration, lo, hi, expected",
    [(5, 3, 7, 3), (15, 3, 7, 3), (15.1, 3, 7, 4), (30, 3, 7, 4), (45, 3, 7, 5), (60, 3, 7, 6), (61, 3, 7, 7)]
    + [(120, 3, 7, 7), (120, 3, 5, 5), (5, 4, 7, 4)],
)
def test_target_scene_count_follows_the_duration_rule(duration, lo, hi, expected):
    assert target_scene_count(duration, lo, hi) == expected


def test_offline_storyboard_has_the_target_count():
    written = write_storyboard(OfflineProvider(), BRIEF, lo=3, hi=7)
    assert len(written.scenes) == 6 and written.attempts == 1


def test_regenerate_all_keeps_the_scene_count(server):
    current = write_storyboard(OfflineProvider(), BRIEF, lo=3, hi=7).scenes[:5]
    server.reply(OfflineProvider().complete_storyboard(BRIEF, 5))
    drafts = write_storyboard(
        remote(server), BRIEF, lo=3, hi=7, feedback="funnier", current=current, keep_count=5
    ).scenes
    assert len(drafts) == 5
    prompt = server.requests[0].prompt
    assert "exactly 5 scenes" in prompt and "funnier" in prompt and current[0].description in prompt


def test_regenerate_all_refuses_a_different_count(server):
    server.reply(OfflineProvider().complete_storyboard(BRIEF, 4)).reply(OfflineProvider().complete_storyboard(BRIEF, 4))
    with pytest.raises(errors.UpstreamFailed, match="Failed to generate scenes: the storyboard has 4 scenes"):
        write_storyboard(remote(server), BRIEF, lo=3, hi=7, keep_count=5)


def test_far_off_count_is_accepted_on_the_retry_when_within_bounds(server):
    reply = OfflineProvider().complete_storyboard(BRIEF, 3)
    server.reply(reply).reply(reply)
    written = write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    assert len(written.scenes) == 3 and written.attempts == 2
    assert "it needs 6" in server.requests[1].prompt


def test_upstream_errors_pass_through_unprefixed(server):
    server.fail(503)
    with pytest.raises(errors.UpstreamFailed) as failed:
        write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    assert failed.value.message == "AI provider failed (HTTP 503)"


def test_rewrite_sends_two_neighbours_each_side(server):
    drafts = write_storyboard(OfflineProvider(), replace(BRIEF, duration=90.0), lo=3, hi=7).scenes
    for d in drafts:
        d.description = f"UNIQUE-{d.scene_number}"
    server.reply({"description": "Fresh take", "script": "New line."})
    new = rewrite_scene(remote(server), BRIEF, drafts[3], drafts, feedback=None, constraints=None).scenes[0]
    prompt = server.requests[0].prompt
    assert [f"UNIQUE-{n}" in prompt for n in range(1, 8)] == [False, True, True, True, True, True, False]
    assert "fresh variation" in prompt and "similar duration" in prompt
    assert new.scene_number == 4 and new.description == "Fresh take"


def test_rewrite_retries_once_then_fails_cleanly(server):
    server.reply({"script": "no description"}).reply("not json")
    scene = write_storyboard(OfflineProvider(), BRIEF, lo=3, hi=7).scenes[0]
    with pytest.raises(errors.UpstreamFailed, match="Failed to regenerate scene: the response was not valid JSON"):
        rewrite_scene(remote(server), BRIEF, scene, [scene], feedback="x", constraints=None)
    assert "scene 1 has no description" in server.requests[1].prompt


def test_offline_rewrite_applies_constraints_and_feedback():
    drafts = write_storyboard(OfflineProvider(), BRIEF, lo=3, hi=7).scenes
    drafts[2].metadata["approvedBy"] = "ana"
    new = rewrite_scene(
        OfflineProvider(), BRIEF, drafts[2], drafts, feedback="wide and silent", constraints={"duration": 7.7}
    ).scenes[0]
    assert new.duration == 7.7 and new.shot_type == "wide" and new.script == ""
    assert new.metadata["approvedBy"] == "ana" and "feedback" not in new.metadata
    assert new.assets == drafts[2].assets
