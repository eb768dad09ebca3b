"""The offline writer's on-screen text through the real writer path: a short headline per beat in the brief's
language (the product at the reveal, the key message's essence on a benefit, the CTA last), distinct per scene,
never the production notes; a rewrite keeps it distinct from its neighbours."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storyboard.integrations.llm.base import Brief
from storyboard.integrations.llm.offline import OfflineProvider
from storyboard.services.storyboards.writer import rewrite_scene, write_storyboard

BRIEFS = [
    Brief("Helios solar panels", "homeowners who hate high bills",
          "Power your home with sunlight and cut your bills in half", "Get a free quote", "clean"),
    Brief("Bergquell Mineralwasser", "sportliche Familien", "Frisches Wasser direkt aus den Alpen",
          "Jetzt im Handel entdecken", "natürlich"),
    Brief("Boulangerie Lumière", "les amateurs de pain", "Du pain frais tous les matins, fait avec amour",
          "Passez nous voir", "chaleureux"),
    Brief("抹茶ラテ", "忙しい会社員", "一杯で心が落ち着く", "今すぐ注文", "シンプル"),
    Brief("Luma Skincare Serum ✨", "women in their thirties", "Visible glow in seven days", "Claim your sample 🎁",
          "soft"),
]  # fmt: skip
DURATIONS = (5.0, 15.0, 30.0, 60.0, 120.0)


def _storyboard(brief: Brief, duration: float):
    return write_storyboard(OfflineProvider(), replace(brief, duration=duration), lo=3, hi=7).scenes


@pytest.mark.parametrize("brief", BRIEFS, ids=lambda b: b.product)
def test_each_beat_gets_its_headline_distinct_and_never_the_notes(brief):
    for duration in DURATIONS:
        scenes = _storyboard(brief, duration)
        texts = [s.on_screen_text for s in scenes]
        beats = [s.metadata["beat"] for s in scenes]
        assert texts[-1] == brief.call_to_action and texts[beats.index("reveal")] == brief.product
        if "benefit" in beats:
            essence = texts[beats.index("benefit")]
            assert essence and essence in brief.key_message
        shown = [t for t in texts if t]
        assert len(set(shown)) == len(shown), texts
        assert len(shown) >= len(scenes) - 2, (duration, texts)
        for scene, text in zip(scenes, texts, strict=True):
            assert text != scene.description and len(text) <= 60 and "\n" not in text
            assert not text.endswith((".", "。"))


def test_the_same_brief_gives_the_same_headlines():
    first, again = _storyboard(BRIEFS[0], 30.0), _storyboard(BRIEFS[0], 30.0)
    assert [s.on_screen_text for s in first] == [s.on_screen_text for s in again]


@pytest.mark.parametrize("brief", BRIEFS, ids=lambda b: b.product)
def test_a_rewritten_scene_keeps_its_beats_headline_and_repeats_no_neighbour(brief):
    scenes = _storyboard(brief, 60.0)
    for target in scenes:
        written = rewrite_scene(
            OfflineProvider(),
            replace(brief, duration=60.0),
            target,
            scenes,
            feedback="make it warmer",
            constraints=None,
        ).scenes[0]
        others = {s.on_screen_text for s in scenes if s is not target and s.on_screen_text}
        assert not written.on_screen_text or written.on_screen_text not in others
        if target is scenes[-1]:
            assert written.on_screen_text == brief.call_to_action
        if target.metadata["beat"] == "reveal":
            assert written.on_screen_text == brief.product
