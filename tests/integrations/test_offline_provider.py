"""The offline writer: deterministic, and a real ad storyboard for whatever brief it gets."""

from __future__ import annotations

import random

import pytest

from storyboard.integrations.llm.base import SHOT_TYPES, WORDS_PER_SECOND, AssetBrief, Brief
from storyboard.integrations.llm.offline import OfflineProvider
from storyboard.integrations.llm.scene_count import for_duration as target_scene_count
from storyboard.services.storyboards.writer import rewrite_scene, write_storyboard

PRODUCTS = ["Acme Cold Brew", "Nimbus Running Shoes", "Ledgerly", "SolarNest home battery", "Pawsome Treats"]
AUDIENCES = ["busy commuters", "first-time home owners", "small business owners", "runners over 40", "dog lovers"]
MESSAGES = ["Barista coffee in ten seconds", "Run further with less strain", "Your books, done while you sleep"]
CTAS = ["Order now at acme.com", "Try it free", "Download the app today and get 20% off your first month", "Shop now"]
STYLES = ["bright and modern", "cinematic", "hand-drawn", "documentary", "minimalist"]
ROLES = ["product_shot", "hero", "logo", "background", None, "lifestyle"]
TYPES = ["image", "video", "audio", "image"]


def make_brief(i: int) -> Brief:
    rng = random.Random(i)
    assets = tuple(
        AssetBrief(f"asset-{i}-{n}", rng.choice(TYPES), f"asset {n}", role=rng.choice(ROLES))
        for n in range(rng.randint(0, 8))
    )
    brand = {"colors": rng.sample(["#112233", "gold", "navy", "#FF6B35"], 2), "fonts": ["Inter"]}
    return Brief(
        product=rng.choice(PRODUCTS),
        target_audience=rng.choice(AUDIENCES),
        key_message=rng.choice(MESSAGES),
        call_to_action=CTAS[2] if i == 0 else rng.choice(CTAS),  # brief 0: a long CTA in a 5 s ad
        style=rng.choice(STYLES),
        tone=rng.choice([None, "warm", "energetic"]),
        visual_elements=tuple(rng.sample(["steam", "sunrise", "close smiles", "city streets"], rng.randint(0, 3))),
        music_style=rng.choice([None, "lo-fi beats"]),
        duration=5.0 if i == 0 else rng.choice([5.0, 7.5, 12.0, 15.0, 20.0, 30.0, 45.0, 59.9, 60.0, 90.0, 120.0]),
        format=rng.choice(["16:9", "9:16", "1:1"]),
        brand=rng.choice([None, brand]),
        campaign_goal=rng.choice([None, "Drive first orders"]),
        assets=assets,
    )


@pytest.mark.parametrize("i", range(50))
def test_fifty_briefs_give_valid_ads(i):
    brief = make_brief(i)
    written = write_storyboard(OfflineProvider(), brief, lo=3, hi=7)
    drafts = written.scenes
    # Offline output needs no repair; at most a warning when the call to action cannot fit a tiny ad.
    assert all(r.startswith("warned that") for r in written.repairs) and written.attempts == 1
    assert len(drafts) == target_scene_count(brief.duration, 3, 7)
    assert round(sum(d.duration for d in drafts), 1) == brief.duration
    assert all(1.0 <= d.duration <= 60.0 and round(d.duration, 1) == d.duration for d in drafts)
    assert brief.call_to_action in drafts[-1].script
    assert any(brief.product in d.description + d.script for d in drafts[:-1])
    used = [a for d in drafts for a in d.assets]
    assert set(used) == {a.id for a in brief.assets}
    assert drafts[0].transition == "fade" and all(d.shot_type in SHOT_TYPES for d in drafts)
    for d in drafts:
        fits = len(d.script.split()) <= d.duration * WORDS_PER_SECOND
        assert fits or d.metadata.get("warnings")


def test_same_brief_gives_the_same_storyboard():
    first = write_storyboard(OfflineProvider(), make_brief(3), lo=3, hi=7).scenes
    assert write_storyboard(OfflineProvider(), make_brief(3), lo=3, hi=7).scenes == first


def test_storyboard_follows_an_ad_arc_and_places_assets_by_role():
    assets = (
        AssetBrief("bg", "video", "Street", role="background"),
        AssetBrief("bottle", "image", "Bottle", role="product_shot"),
        AssetBrief("logo", "image", "Logo", role="logo"),
    )
    brief = Brief("Acme Cold Brew", "commuters", "Coffee in ten seconds", "Order now", "modern", assets=assets)
    drafts = write_storyboard(OfflineProvider(), brief, lo=3, hi=7).scenes
    beats = [d.metadata["beat"] for d in drafts]
    assert beats == ["hook", "problem", "reveal", "cta"]
    assert drafts[0].assets == ["bg"] and drafts[2].assets == ["bottle"] and drafts[3].assets == ["logo"]
    assert "Acme Cold Brew" in drafts[2].script


def test_brand_colours_style_and_visuals_reach_the_descriptions():
    brief = Brief(
        "Nimbus", "runners", "Run further", "Try it free", "cinematic",
        visual_elements=("mountain trail",), brand={"colors": ["teal"], "restrictions": ["no logos of rivals"]},
    )  # fmt: skip
    drafts = write_storyboard(OfflineProvider(), brief, lo=3, hi=7).scenes
    text = " ".join(d.description for d in drafts)
    assert "teal" in text and "cinematic" in text and "mountain trail" in text
    assert drafts[0].metadata["brandRestrictions"] == "no logos of rivals"


def test_feedback_visibly_and_deterministically_changes_a_scene():
    brief = make_brief(7)
    drafts = write_storyboard(OfflineProvider(), brief, lo=3, hi=7).scenes
    scene = drafts[1]

    def redo(feedback, constraints=None):
        return rewrite_scene(
            OfflineProvider(), brief, scene, drafts, feedback=feedback, constraints=constraints
        ).scenes[0]

    new = redo("use a close-up and make it shorter")
    assert new == redo("use a close-up and make it shorter")
    assert new.description != scene.description and "close-up and make it shorter" in new.description
    assert new.shot_type == "close-up" and new.duration < scene.duration
    assert new.scene_number == scene.scene_number and new.metadata["beat"] == scene.metadata["beat"]
    assert redo("warmer light").description != new.description
    assert redo(None, {"duration": 4.2}).duration == 4.2


def test_regenerating_all_with_feedback_keeps_count_and_changes_content():
    brief = make_brief(11)
    first = write_storyboard(OfflineProvider(), brief, lo=3, hi=7).scenes
    again = write_storyboard(
        OfflineProvider(), brief, lo=3, hi=7, feedback="more humour", current=first, keep_count=len(first)
    ).scenes
    assert len(again) == len(first) and all(s.metadata["feedback"] == "more humour" for s in again)
    assert round(sum(s.duration for s in again), 1) == brief.duration
