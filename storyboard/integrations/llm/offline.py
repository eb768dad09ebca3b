"""Deterministic offline storyboard writer: a real ad arc built from the brief, with no network."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from . import scene_count as scene_count_rule
from .base import WORDS_PER_SECOND, AssetBrief, Brief, SceneDraft

_WEIGHTS = {"hook": 0.8, "problem": 1.0, "reveal": 1.2, "benefit": 1.0, "demo": 1.0, "proof": 0.9, "cta": 1.0}
_SHOTS = {
    "hook": ("wide", "tracking"),
    "problem": ("medium", "tracking"),
    "reveal": ("product", "close-up"),
    "benefit": ("close-up", "medium"),
    "demo": ("tracking", "medium"),
    "proof": ("montage", "medium"),
    "cta": ("product", "wide"),
}
_TRANSITIONS = {"hook": "fade", "reveal": "dissolve", "proof": "dissolve", "cta": "fade"}
_FRAMING = {"9:16": "vertical 9:16 framing", "1:1": "square 1:1 framing"}
_SHOT_WORDS = {
    "close": "close-up",
    "wide": "wide",
    "product": "product",
    "track": "tracking",
    "montage": "montage",
}


class OfflineProvider:
    """Writes storyboards from templates; the same brief (and feedback) always gives the same answer."""

    name = "offline"
    model = "offline-template-v1"

    def complete_storyboard(
        self,
        brief: Brief,
        scene_count: int,
        *,
        feedback: str | None = None,
        current: Sequence[SceneDraft] = (),
        correction: str | None = None,
    ) -> dict[str, Any]:
        """A storyboard of `scene_count` scenes; feedback picks other variants and is noted in metadata."""
        rng = random.Random(_seed(brief, feedback))
        beats = scene_count_rule.beats(scene_count)
        durations = _durations(brief, beats)
        placement = _place_assets(brief.assets, beats)
        scenes = [_scene(brief, beat, i, durations[i], placement[i], rng) for i, beat in enumerate(beats)]
        if feedback:
            for scene in scenes:
                scene["metadata"]["feedback"] = _clip(feedback, 300)
        return {"scenes": scenes}

    def complete_scene(
        self,
        brief: Brief,
        scene: SceneDraft,
        neighbours: Sequence[SceneDraft],
        *,
        feedback: str | None,
        constraints: Mapping | None,
        correction: str | None = None,
    ) -> dict[str, Any]:
        """The scene rewritten in its beat; feedback changes shot, length, voice and description."""
        constraints = constraints or {}
        rng = random.Random(_seed(brief, f"{scene.scene_number}|{feedback}|{scene.description}"))
        beat = scene.metadata.get("beat") or _beat_at(scene, neighbours)
        duration = _number(constraints.get("duration")) or _feedback_duration(scene.duration, feedback)
        new = _scene(brief, beat, scene.scene_number - 1, duration, list(scene.assets), rng)
        new["sceneNumber"] = scene.scene_number
        new["assets"] = list(dict.fromkeys([*scene.assets, *_ids(constraints.get("mustIncludeAssets"))]))
        if feedback:
            _apply_feedback(new, feedback, beat)
        return new


def _seed(brief: Brief, extra: str | None) -> int:
    text = json.dumps([asdict(brief), extra], sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def _durations(brief: Brief, beats: Sequence[str]) -> list[float]:
    """Beat-weighted durations summing to the brief's, with enough time to say the call to action."""
    weights = [_WEIGHTS[b] for b in beats]
    shares = [w * brief.duration / sum(weights) for w in weights]
    needed = (len(_sentence(brief.call_to_action).split()) + 1) / WORDS_PER_SECOND
    if len(beats) > 1 and shares[-1] < needed:
        rest = brief.duration - min(needed, brief.duration * 0.6)
        shares = [w * rest / sum(weights[:-1]) for w in weights[:-1]] + [brief.duration - rest]
    tenths = [max(10, round(s * 10)) for s in shares[:-1]]
    return [t / 10 for t in tenths] + [round(brief.duration * 10 - sum(tenths)) / 10]


def _place_assets(assets: Sequence[AssetBrief], beats: Sequence[str]) -> list[list[str]]:
    placed: list[list[str]] = [[] for _ in beats]
    for asset in assets:
        placed[_asset_index(asset, beats, placed)].append(asset.id)
    return placed


def _asset_index(asset: AssetBrief, beats: Sequence[str], placed: list[list[str]]) -> int:
    hints = " ".join([asset.role or "", *asset.tags, asset.name]).lower()
    if any(w in hints for w in ("logo", "brand", "closing", "end")):
        wanted: tuple[str, ...] = ("cta",)
    elif any(w in hints for w in ("product", "hero", "subject")):
        wanted = ("reveal", "benefit", "cta")
    elif asset.type == "audio" or any(w in hints for w in ("background", "first_frame", "intro")):
        wanted = ("hook", "problem")
    elif asset.type == "video":
        wanted = ("demo", "benefit", "problem", "hook")
    else:
        wanted = ("benefit", "proof", "problem", "demo", "hook")
    options = [i for i, b in enumerate(beats) if b in wanted] or list(range(len(beats)))
    if wanted[0] in ("cta", "reveal"):
        return options[0]
    # Spread supporting footage instead of piling it all into one scene.
    return min(options, key=lambda i: (len(placed[i]), i))


def _scene(brief: Brief, beat: str, index: int, duration: float, assets: list[str], rng) -> dict[str, Any]:
    words = _Words(brief, index)
    return {
        "sceneNumber": index + 1,
        "duration": duration,
        "description": _clip(rng.choice(_DESCRIPTIONS[beat])(words), 990),
        "script": _fit(_script_sentences(beat, words, rng), duration, keep_last=beat == "cta"),
        "shotType": rng.choice(_SHOTS[beat]),
        "transition": "fade" if index == 0 else _TRANSITIONS.get(beat, "cut"),
        "assets": list(assets),
        "metadata": _metadata(brief, beat, index, words),
    }


def _metadata(brief: Brief, beat: str, index: int, words: _Words) -> dict[str, Any]:
    meta: dict[str, Any] = {"beat": beat, "setting": words.setting, "mood": words.tone}
    if index == 0 and brief.music_style:
        meta["music"] = brief.music_style
    if words.restrictions:
        meta["brandRestrictions"] = words.restrictions
    return meta


class _Words:
    """The brief's own words, ready to drop into templates."""

    def __init__(self, brief: Brief, index: int):
        brand = brief.brand or {}
        self.product = _clip(brief.product, 120)
        self.audience = _clip(brief.target_audience, 120)
        self.message = _sentence(brief.key_message)
        self.cta = _sentence(brief.call_to_action)
        self.style = _clip(brief.style, 80)
        self.tone = _clip(brief.tone or brand.get("tone") or "confident", 60)
        elements = brief.visual_elements or ("natural light",)
        self.visual = _clip(elements[index % len(elements)], 160)
        self.palette = _palette(brand.get("colors"))
        self.setting = self.visual
        self.framing = _FRAMING.get(brief.format, "widescreen 16:9 framing")
        fonts = _strings(brand.get("fonts"))
        self.font = f" set in {fonts[0]}" if fonts else ""
        self.restrictions = "; ".join(_strings(brand.get("restrictions")))[:300]


def _strings(value: Any) -> list[str]:
    # Brand guidelines are free JSON: a lone string stands for a one-item list.
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [_clip(v, 80) for v in items if isinstance(v, str | int | float) and str(v).strip()]


def _palette(colors: Any) -> str:
    colors = _strings(colors)[:3]
    return f"brand colours {' and '.join(colors)}" if colors else "a clean, high-contrast palette"


_DESCRIPTIONS = {
    "hook": (
        lambda w: (
            f"Opening shot, {w.framing}: {w.visual}, shot in a {w.style} style with {w.palette}; "
            f"a bold first frame that makes {w.audience} stop scrolling."
        ),
        lambda w: (
            f"Cold open on {w.visual}; {w.style} look, {w.tone} mood, {w.palette}, "
            f"movement that pulls {w.audience} in within the first second."
        ),
    ),
    "problem": (
        lambda w: (
            f"{_cap(w.audience)} in an everyday moment that shows the need {w.product} answers; "
            f"{w.visual}, {w.tone} mood, {w.style} style."
        ),
        lambda w: (
            f"Relatable scene: one of {w.audience} hits the familiar snag before {w.product} arrives; "
            f"{w.visual}, framed for {w.framing}."
        ),
    ),
    "reveal": (
        lambda w: (
            f"Product reveal: {w.product} centred in {w.framing}, lit to bring out {w.palette}; "
            f"{w.visual}, {w.style} style."
        ),
        lambda w: f"Hero shot of {w.product} turning into frame against {w.palette}; {w.style} finish, {w.tone} mood.",
    ),
    "benefit": (
        lambda w: f"{_cap(w.audience)} using {w.product}, showing the promise: {w.message} {w.visual}, {w.palette}.",
        lambda w: f"Close on the moment {w.product} makes a difference for {w.audience}; {w.visual}, {w.tone} mood.",
    ),
    "demo": (
        lambda w: (
            f"{w.product} in action, step by step, camera tracking the hands of a user; {w.visual}, {w.style} style."
        ),
        lambda w: f"How it works: quick sequence of {w.product} being used for real; {w.visual}, {w.palette}.",
    ),
    "proof": (
        lambda w: f"Montage of smiling {w.audience} with {w.product}; {w.tone} energy, {w.palette}.",
        lambda w: f"Quick cuts of real moments with {w.product} across the day; {w.visual}, {w.style} style.",
    ),
    "cta": (
        lambda w: f'End card: {w.product} and logo on {w.palette}, the call to action on screen{w.font}: "{w.cta}"',
        lambda w: f'Final frame: {w.product} in {w.framing} with {w.palette}; on-screen text{w.font} reads "{w.cta}"',
    ),
}


def _script_sentences(beat: str, w: _Words, rng) -> list[str]:
    """Voice-over sentences in priority order (short fallbacks last); for the CTA, the CTA comes last."""
    leads = {
        "hook": [
            f"{_cap(w.audience)}, this one's for you.",
            "Ready for something better?",
            f"Imagine this: {w.message}",
        ],
        "problem": ["You want more from your day, with less hassle.", "Some days, nothing just works."],
        "reveal": [f"Meet {w.product}.", f"Introducing {w.product}."],
        "benefit": [f"{w.product} is made for {w.audience}.", "It fits right into your day."],
        "demo": [f"See how {w.product} fits right into your day.", "Simple to start, easy to love."],
        "proof": [f"{_cap(w.audience)} are already making the switch.", "Made to be loved."],
        "cta": [f"{w.product}."],
    }[beat]
    follow = {
        "hook": ["Ready?"],
        "problem": ["Sound familiar?", "There's a better way."],
        "reveal": [w.message],
        "benefit": [w.message],
        "demo": ["It just works."],
        "proof": ["Join them."],
        "cta": [w.cta],
    }[beat]
    return [rng.choice(leads), *follow]


def _fit(sentences: list[str], duration: float, *, keep_last: bool) -> str:
    """Sentences that fit the spoken-word budget, in order; a CTA scene always keeps its last sentence."""
    budget = max(1, math.floor(duration * WORDS_PER_SECOND + 1e-9))
    kept = [sentences[-1]] if keep_last else []
    for sentence in sentences[: -1 if keep_last else None]:
        if len(" ".join([*kept, sentence]).split()) <= budget:
            kept.insert(len(kept) - 1 if keep_last else len(kept), sentence)
    # Nothing fits a very short scene: it plays on picture and music alone rather than a cut-off line.
    return _clip(" ".join(kept), 990)


def _beat_at(scene: SceneDraft, neighbours: Sequence[SceneDraft]) -> str:
    numbers = [n.scene_number for n in neighbours]
    if not numbers or scene.scene_number > max(numbers):
        return "cta"
    return "hook" if scene.scene_number < min(numbers) else "benefit"


def _feedback_duration(duration: float, feedback: str | None) -> float:
    text = (feedback or "").lower()
    factor = 0.75 if "short" in text else 1.25 if "long" in text else 1.0
    return round(min(max(duration * factor, 1.0), 60.0), 1)


def _apply_feedback(scene: dict[str, Any], feedback: str, beat: str) -> None:
    """Make the reviewer's words visible: shot, voice-over, description and metadata follow them."""
    text = feedback.lower()
    scene["shotType"] = next((s for k, s in _SHOT_WORDS.items() if k in text), scene["shotType"])
    if beat != "cta" and re.search(r"\b(no|without) (voice|voice-over|voiceover|narration)|\bsilent\b", text):
        scene["script"] = ""
    note = _clip(feedback, 300)
    scene["description"] = _clip(f"{scene['description']} Reworked per review: {note}", 990)
    scene["metadata"]["feedback"] = note
    scene["metadata"]["revision"] = hashlib.sha256(feedback.encode()).hexdigest()[:8]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 < value <= 60 else None


def _ids(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _sentence(text: str) -> str:
    text = " ".join(str(text).split()).strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
