"""Production notes for the crew: what the camera shows in each scene, from the brief's look and assets."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .words import spoken

SHOT_NAMES = {
    "wide": "Wide shot",
    "medium": "Medium shot",
    "close-up": "Close-up",
    "extreme-close-up": "Extreme close-up",
    "product": "Product shot",
    "tracking": "Tracking shot",
    "montage": "Montage",
}
_FRAMING = {"9:16": "vertical 9:16 framing", "1:1": "square 1:1 framing"}
_GRADES = {"warm": "warm, golden", "cool": "cool, blue-leaning", "bright": "bright, airy", "dark": "dark, moody"}
LIMIT = 990
_AGREE = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")


@dataclass(frozen=True)
class Look:
    """The brief's visual words, ready for the templates."""

    product: str
    audience: str
    style: str
    mood: str
    visuals: tuple[str, ...]
    palette: str
    framing: str
    font: str
    message: str
    cta: str
    plural: bool

    def visual(self, index: int) -> str:
        return self.visuals[index % len(self.visuals)]


def look(brief: Any, audience: str, mood: str, plural: bool) -> Look:
    brand = brief.brand or {}
    fonts = strings(brand.get("fonts"))
    colours = strings(brand.get("colors"))[:3]
    return Look(
        product=clip(brief.product, 120),
        audience=clip(audience, 120),
        style=clip(brief.style, 80) or "clean",
        mood=clip(mood, 60),
        visuals=tuple(clip(v, 160) for v in brief.visual_elements if str(v).strip()) or ("natural light",),
        palette=f"brand colours {' and '.join(colours)}" if colours else "a clean, high-contrast palette",
        framing=_FRAMING.get(brief.format, "widescreen 16:9 framing"),
        font=f" set in {fonts[0]}" if fonts else "",
        message=clip(spoken(brief.key_message), 200),
        cta=clip(brief.call_to_action, 200),
        plural=plural,
    )


_T = {
    "hook": (
        "opening on {visual}, {style} style with {palette}; a bold first frame that makes {audience} stop scrolling.",
        "cold open on {visual}; {style} look, {mood} mood, movement that pulls {audience} in within a second.",
        "the film starts mid-moment: {visual} in {framing}, {palette}, {mood} energy from the first frame.",
        "a striking detail of {visual} fills the frame, then the camera pulls back; {style} style, {mood} mood.",
        "sound and picture hit together on {visual}; {framing}, {palette}, {style} finish.",
    ),
    "problem": (
        "{Audience} in an everyday moment that shows the need {product} answers; {visual}, {mood} mood.",
        "relatable scene: one of {audience} hits a familiar snag before {product} arrives; {visual}, {framing}.",
        "the old routine, shown honestly: {audience} juggling too much; muted take on {palette}, {style} style.",
        "split attention: {audience} checking the time, slightly frustrated; {visual} in the background.",
        "a small, real annoyance from the day of {audience}, played with a light touch; {framing}, {mood} mood.",
    ),
    "reveal": (
        "the reveal: {product} centred in {framing}, lit to bring out {palette}; {visual}, {style} style.",
        "hero moment: {product} turning into frame against {palette}; {style} finish, {mood} mood.",
        "{product} [enters|enter] the frame and the scene brightens; clean background in {palette}, {framing}.",
        "slow push-in on {product}, light catching its details; {visual}, {style} style.",
        "{product} placed in the middle of the moment from the opening; {palette}, {mood} mood.",
    ),
    "benefit": (
        "{Audience} using {product}, the promise made visible; {visual}, {palette}.",
        "close on the moment {product} makes a difference for {audience}; {visual}, {mood} mood.",
        "before and after in one move: the same moment, now easy with {product}; {framing}, {style} style.",
        "a relaxed smile from one of {audience} as {product} [does its|do their] job; {visual}, {palette}.",
        "{product} in the hands of {audience}, natural and unposed; {style} style, {mood} mood.",
    ),
    "demo": (
        "{product} in action, step by step, camera following the hands of a user; {visual}, {style} style.",
        "how it works: quick sequence of {product} being used for real; {visual}, {palette}.",
        "three quick steps with {product}, each a clean graphic beat; {framing}, {palette}.",
        "over-the-shoulder view as {audience} use {product} for the first time; {visual}, {mood} mood.",
        "a detail of {product} at work, shown at a readable pace; {style} style, {framing}.",
    ),
    "proof": (
        "montage of {audience} with {product} across the day; {mood} energy, {palette}.",
        "quick cuts of real moments with {product}; {visual}, {style} style.",
        "faces of happy {audience}, one after another, each with {product}; {framing}, {palette}.",
        "reviews and ratings appear as simple on-screen graphics over footage of {product}; {style} style.",
        "a community of {audience} sharing {product}; warm light, {palette}, {mood} mood.",
    ),
    "cta": (
        'end card: {product} and logo on {palette}, the call to action on screen{font}: "{cta}".',
        'final frame: {product} in {framing} with {palette}; on-screen text{font} reads "{cta}".',
        'the camera settles on {product}; logo lock-up and "{cta}"{font} animate in over {palette}.',
        'closing frame: {product} front and centre, the call to action "{cta}"{font} below; {mood} mood.',
        'logo and {product} on a clean background in {palette}; "{cta}"{font} holds for the last second.',
    ),
}


class Describer:
    """Picks each scene's production note, never one the job has just seen."""

    def __init__(self, the_look: Look, seed: int, seen: Iterable[str] = ()):
        self.look, self.seed = the_look, seed
        self.seen = {d.strip() for d in seen}
        self.used: set[str] = set()

    def describe(self, beat: str, index: int, shot: str, extras: Sequence[str] = ()) -> str:
        options = [self._fill(t, index, shot, extras) for t in self._ordered(beat, index)]
        fresh = [o for o in options if o not in self.seen and o not in self.used]
        note = (fresh or [o for o in options if o not in self.used] or options)[0]
        self.used.add(note)
        return note

    def _ordered(self, beat: str, index: int) -> list[str]:
        templates = list(_T.get(beat, _T["benefit"]))
        random.Random(f"{self.seed}|look|{beat}|{index}").shuffle(templates)
        return templates

    def _fill(self, template: str, index: int, shot: str, extras: Sequence[str]) -> str:
        w = self.look
        body = template.format(
            product=w.product, audience=w.audience, Audience=w.audience[:1].upper() + w.audience[1:],
            style=w.style, mood=w.mood, visual=w.visual(index), palette=w.palette, framing=w.framing,
            font=w.font, cta=w.cta,
        )  # fmt: skip
        body = _AGREE.sub(lambda m: m.group(2) if w.plural else m.group(1), body)
        note = " ".join([f"{SHOT_NAMES.get(shot, shot.capitalize())} — {body}", *extras])
        return clip(note, LIMIT)


def grade_note(grade: str | None) -> list[str]:
    return [f"Colour grade: {_GRADES[grade]}."] if grade in _GRADES else []


def asset_note(ids: Sequence[str], names: Mapping[str, str]) -> list[str]:
    shown = [f"'{clip(names[i], 60)}'" for i in ids if names.get(i)]
    return [f"Uses {', '.join(shown)}."] if shown else []


def strings(value: Any) -> list[str]:
    """A brand guideline's list of strings (a lone string stands for a one-item list)."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [clip(v, 80) for v in items if isinstance(v, str | int | float) and str(v).strip()]


def clip(text: Any, limit: int) -> str:
    """At most `limit` characters, cut at a word (no ellipsis: the checks read "..." as a placeholder)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else (text[:limit].rsplit(" ", 1)[0] or text[:limit]).rstrip(" ,;:")
