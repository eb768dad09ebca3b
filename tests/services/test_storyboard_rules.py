"""Repair rules for storyboards and single scenes, without a provider."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from storyboard.integrations.llm.base import AssetBrief, Brief, SceneDraft
from storyboard.integrations.llm.scene_count import SceneCount
from storyboard.services.storyboards import rules

BRIEF = Brief("Acme Cold Brew", "commuters", "Coffee in ten seconds", "Order now at acme.com", "modern")


def scene(n: int = 1, **fields) -> dict:
    base = {"sceneNumber": n, "duration": 5, "description": f"Shot {n}", "script": f"Line {n}."}
    return {**base, "shotType": "wide", "transition": "cut", "assets": [], "metadata": {}, **fields}


def repair(items, brief: Brief = BRIEF, *, lo=3, hi=7, target=4, strict=True):
    return rules.repair_storyboard(items, brief, SceneCount(lo, hi, target), strict=strict)


def draft(n: int, **fields) -> SceneDraft:
    base = dict(scene_number=n, duration=5.0, description=f"Shot {n}", script=f"Line {n}.")
    return SceneDraft(**{**base, "shot_type": "wide", "transition": "cut", "assets": [], "metadata": {}, **fields})


@pytest.mark.parametrize(
    "raw",
    [
        "```json\n" + json.dumps({"scenes": [scene()]}) + "\n```",
        "```JSON\n" + json.dumps([scene()]) + "```",
        "```\n" + json.dumps({"storyboard": [scene()]}) + "\n```",
        json.dumps({"data": [scene()]}).encode(),
        {"result": [scene()]},
        [scene()],
    ],
)
def test_parse_accepts_fences_wrappers_and_bare_lists(raw):
    assert rules.parse_scenes(raw)[0]["description"] == "Shot 1"


@pytest.mark.parametrize(
    "raw, problem",
    [("Here you go!", "not valid JSON"), ('{"scenes": "none"}', "not a list"), ("42", "not a list")],
)
def test_parse_reports_what_was_wrong(raw, problem):
    with pytest.raises(rules.ReplyProblem, match=problem):
        rules.parse_scenes(raw)


def test_too_many_scenes_are_cut_keeping_the_last():
    items = [scene(i) for i in range(1, 10)]
    items[-1]["script"] = "Order now at acme.com"
    drafts, repairs = repair(items, target=7)
    assert len(drafts) == 7 and drafts[-1].description == "Shot 9"
    assert [d.scene_number for d in drafts] == list(range(1, 8))
    assert "truncated 9 scenes to 7" in repairs


def test_too_few_scenes_cannot_be_repaired():
    with pytest.raises(rules.ReplyProblem, match="has 2 scenes; it needs 4"):
        repair([scene(1), scene(2)])


def test_count_far_from_target_is_refused_only_when_strict():
    items = [scene(i) for i in range(1, 7)]
    with pytest.raises(rules.ReplyProblem, match="has 6 scenes; it needs 4"):
        repair(items)
    assert len(repair(items, strict=False)[0]) == 6


@pytest.mark.parametrize("item, problem", [("a scene", "not a JSON object"), ({"script": "hi"}, "no description")])
def test_broken_scene_cannot_be_repaired(item, problem):
    with pytest.raises(rules.ReplyProblem, match=problem):
        repair([scene(1), item, scene(3), scene(4)])


@pytest.mark.parametrize(
    "weights, total, expected",
    [
        ([1, 1, 1], 10, [3.3, 3.3, 3.4]),
        ([0, 0, 0, 0], 30, [7.5, 7.5, 7.5, 7.5]),
        ([100, 1, 1], 120, [60.0, 30.0, 30.0]),
        ([0.01, 10, 10], 30, [1.0, 14.5, 14.5]),
        ([3, None, 3], 9, [3.0, 3.0, 3.0]),
    ],
)
def test_fit_durations_sums_exactly_within_bounds(weights, total, expected):
    assert rules.fit_durations(weights, total) == expected


@pytest.mark.parametrize("total", [5.0, 7.3, 29.9, 30.0, 59.9, 119.9, 120.0])
@pytest.mark.parametrize("count", [3, 4, 5, 6, 7])
def test_fit_durations_always_hits_the_target(total, count):
    fitted = rules.fit_durations([1.7 * (i + 1) for i in range(count)], total)
    assert round(sum(fitted) * 10) == round(total * 10)
    assert all(round(d, 1) == d and d <= 60 for d in fitted)
    assert all(d >= 1 for d in fitted) or total < count


def test_string_durations_are_read():
    drafts, _ = repair([scene(1, duration="6s"), scene(2, duration="6 seconds"), scene(3), scene(4)])
    assert round(sum(d.duration for d in drafts), 1) == 30.0


def test_unknown_assets_dropped_and_unused_ones_placed_by_role():
    assets = (
        AssetBrief("bg", "video", "Street", role="background"),
        AssetBrief("bottle", "image", "Bottle", role="product_shot"),
        AssetBrief("logo", "image", "Logo", tags=("brand_logo",)),
        AssetBrief("song", "audio", "Track"),
        AssetBrief("extra", "image", "Lifestyle"),
    )
    brief = replace(BRIEF, assets=assets)
    items = [scene(1, assets=["nope", "extra", "extra"]), scene(2), scene(3, shotType="Product Shot"), scene(4)]
    drafts, repairs = repair(items, brief)
    assert [d.assets for d in drafts] == [["extra", "bg", "song"], [], ["bottle"], ["logo"]]
    assert any("dropped unknown asset ids from scene 1: nope" in r for r in repairs)


def test_missing_call_to_action_is_appended_to_the_last_scene():
    drafts, repairs = repair([scene(i) for i in range(1, 5)])
    assert drafts[-1].script == "Line 4. Order now at acme.com."
    assert "appended the call to action to scene 4" in repairs


def test_call_to_action_is_recognised_despite_case_and_punctuation():
    items = [scene(i) for i in range(1, 4)] + [scene(4, script="ORDER NOW at acme.com!")]
    drafts, _ = repair(items)
    assert drafts[-1].script == "ORDER NOW at acme.com!"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("Close up", "close-up"),
        ("CLOSE-UP SHOT", "close-up"),
        ("Extreme close-up", "extreme-close-up"),
        ("wide_shot", "wide"),
        ("Establishing shot", "wide"),
        ("Medium Shot", "medium"),
        ("Dutch angle", "dutch-angle"),
        (None, "medium"),
    ],
)
def test_shot_types_are_normalised(given, expected):
    assert rules.normalise_shot(given) == expected


@pytest.mark.parametrize(
    "given, expected",
    [("Crossfade", "dissolve"), ("Fade to black", "fade"), ("Hard Cut", "cut"), ("spin-o-rama", "cut"), (7, "cut")],
)
def test_transitions_are_normalised(given, expected):
    assert rules.normalise_transition(given) == expected


def test_first_scene_fades_in():
    drafts, repairs = repair([scene(1, transition="Wipe")] + [scene(i) for i in range(2, 5)])
    assert drafts[0].transition == "fade" and any("scene 1 transition" in r for r in repairs)


def test_long_voice_over_is_cut_at_a_sentence():
    script = "This is the first sentence. " + "And here is a second sentence that runs on and on. " * 3
    drafts, repairs = repair([scene(1, duration=4, script=script)] + [scene(i) for i in range(2, 5)])
    assert drafts[0].script == "This is the first sentence."
    assert any("shortened the voice-over of scene 1" in r for r in repairs)


def test_single_long_sentence_is_cut_at_a_word_boundary():
    assert rules.shorten_script("one two three four five six seven", 4) == "one two three four…"
    assert rules.shorten_script("one two three, four five six", 5) == "one two three…"


def test_last_scene_keeps_the_call_to_action_when_shortened():
    long = "We built this for you over many years of careful work. It changes mornings. Order now at acme.com."
    items = [scene(i, duration=8) for i in range(1, 4)] + [scene(4, duration=2, script=long)]
    drafts, _ = repair(items, replace(BRIEF, duration=26.0))
    assert drafts[-1].script == "Order now at acme.com."
    assert "warnings" not in drafts[-1].metadata


def test_call_to_action_too_long_for_its_scene_is_kept_with_a_warning():
    cta = "Download the app today and get twenty percent off your very first month"
    brief = replace(BRIEF, call_to_action=cta, duration=12.0)
    items = [scene(1, duration=3), scene(2, duration=3), scene(3, duration=5), scene(4, duration=1)]
    drafts, repairs = repair(items, brief, target=3)
    assert cta in drafts[-1].script
    assert drafts[-1].metadata["warnings"][0].startswith("voice-over needs about")
    assert any(r.startswith("warned that scene 4") for r in repairs)


def test_text_is_cleaned_and_capped():
    dirty = "Shot\x00 with \u202eevil\x1b[31m text\x7f"
    drafts, _ = repair([scene(1, description=dirty, script="Hi\x07.")] + [scene(i) for i in range(2, 5)])
    assert drafts[0].description == "Shot with evil[31m text" and drafts[0].script == "Hi."
    capped = rules.clean_text("word " * 400)
    assert len(capped) <= 1000 and capped.endswith("…")


def test_metadata_is_kept_json_safe():
    assert rules.clean_metadata("mood: calm") == {}
    assert rules.clean_metadata({"mood": "calm\x00", "bad": float("nan"), "n": 2}) == {"mood": "calm", "n": 2}


def test_rewritten_scene_keeps_number_and_merges_metadata():
    old = draft(2, metadata={"note": "mine", "mood": "dull", "warnings": ["old"]}, assets=["a1"])
    others = [draft(1, assets=["a1"]), draft(3)]
    reply = {"sceneNumber": 7, "description": "New shot", "shotType": "Close up", "metadata": {"mood": "bright"}}
    brief = replace(BRIEF, assets=(AssetBrief("a1", "image", "A"),))
    new, _ = rules.repair_scene(reply, brief, old, others)
    assert new.scene_number == 2 and new.description == "New shot" and new.shot_type == "close-up"
    assert new.metadata == {"note": "mine", "mood": "bright"}
    assert new.script == "Line 2." and new.duration == 5.0 and new.assets == ["a1"]


def test_rewritten_scene_takes_constraint_duration_exactly():
    new, _ = rules.repair_scene(scene(2, duration=9), BRIEF, draft(2), [draft(1)], constraints={"duration": 4.25})
    assert new.duration == 4.25


def test_rewritten_scene_keeps_assets_no_other_scene_uses():
    assets = tuple(AssetBrief(i, "image", i) for i in ("a1", "a2", "a3"))
    brief = replace(BRIEF, assets=assets)
    old = draft(2, assets=["a1", "a2"])
    reply = scene(2, assets=["ghost"])
    new, repairs = rules.repair_scene(
        reply, brief, old, [draft(1, assets=["a1"])], constraints={"mustIncludeAssets": ["a3"]}
    )
    assert new.assets == ["a2", "a3"] and any("ghost" in r for r in repairs)


def test_rewritten_first_and_last_scenes_follow_their_place():
    first, _ = rules.repair_scene(scene(1, transition="cut"), BRIEF, draft(1), [draft(2), draft(3)])
    last, _ = rules.repair_scene(scene(3), BRIEF, draft(3), [draft(1), draft(2)])
    assert first.transition == "fade" and last.script.endswith("Order now at acme.com.")


@pytest.mark.parametrize(
    "raw, ok",
    [({"scene": scene(2)}, True), ({"scenes": [scene(2)]}, True), ([scene(2), scene(3)], False), ({"x": 1}, False)],
)
def test_rewritten_scene_shapes(raw, ok):
    if ok:
        assert rules.repair_scene(raw, BRIEF, draft(2), [draft(1)])[0].description == "Shot 2"
    else:
        with pytest.raises(rules.ReplyProblem):
            rules.repair_scene(raw, BRIEF, draft(2), [draft(1)])
