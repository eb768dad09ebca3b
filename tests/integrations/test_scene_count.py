"""The scene-count rule: the count for a duration, the check of a reply, and the beats of N scenes."""

from __future__ import annotations

import pytest

from storyboard.integrations.llm import scene_count
from storyboard.integrations.llm.scene_count import SceneCount


@pytest.mark.parametrize(
    "duration, expected", [(5, 3), (15, 3), (15.5, 4), (30, 4), (45, 5), (60, 6), (61, 7), (120, 7)]
)
def test_the_count_follows_the_duration_steps(duration, expected):
    assert scene_count.for_duration(duration) == expected


def test_rewriting_keeps_exactly_the_current_count():
    count = SceneCount.for_brief(30, 3, 7, keep=6)
    assert (count.lo, count.hi, count.target) == (6, 6, 6)
    assert count.problem(5, strict=False) is not None and count.problem(6, strict=True) is None


def test_too_many_scenes_lose_the_middle_and_keep_the_last():
    items, repair = SceneCount(3, 5, 4).trimmed(list("abcdefg"))
    assert items == ["a", "b", "c", "d", "g"] and repair == "truncated 7 scenes to 5"
    assert SceneCount(3, 5, 4).trimmed(list("abc")) == (list("abc"), None)


def test_strict_checks_refuse_a_count_far_from_the_target():
    count = SceneCount(3, 7, 5)
    assert count.problem(2, strict=False) == "the storyboard has 2 scenes; it needs 5 (at least 3)"
    assert count.problem(3, strict=True) == "the storyboard has 3 scenes; it needs 5"
    assert count.problem(3, strict=False) is None and count.problem(6, strict=True) is None


@pytest.mark.parametrize("count", range(1, 11))
def test_every_storyboard_has_its_count_of_beats_with_the_call_to_action_last(count):
    beats = scene_count.beats(count)
    assert len(beats) == count and beats[-1] == "cta" and beats.count("cta") == 1
    if count >= 2:
        assert "reveal" in beats
    if count >= 3:
        assert beats[0] == "hook"


def test_beats_follow_the_story_order():
    assert scene_count.beats(7) == ("hook", "problem", "reveal", "benefit", "demo", "proof", "cta")
    assert scene_count.beats(4) == ("hook", "problem", "reveal", "cta")
