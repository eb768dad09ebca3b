"""One offline writing: the brief's language and voice, the reviewer's wishes, and the scenes they give."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from ..base import Brief, SceneDraft
from . import arc, describe, feedback, language, words
from .supers import Supers
from .voice import CURSOR, Speech, Voice, essential, plain, split_clauses

SHOTS = {
    "hook": ("wide", "tracking"),
    "problem": ("medium", "tracking"),
    "reveal": ("product", "close-up"),
    "benefit": ("close-up", "medium"),
    "demo": ("tracking", "medium"),
    "proof": ("montage", "medium"),
    "cta": ("product", "wide"),
}
_TRANSITIONS = {"hook": "fade", "reveal": "dissolve", "proof": "dissolve", "cta": "fade"}
_MOODS = {"playful": "playful", "calm": "calm", "warm": "warm", "bold": "energetic", "premium": "premium"}
_FILL = 0.66  # share of a scene's spoken-word budget the voice-over aims to use
_LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese",
                   "it": "Italian", "ja": "Japanese", "ar": "Arabic"}  # fmt: skip


class Plan:
    """The decisions of one call: built from the brief and the feedback, then asked for scenes."""

    def __init__(self, brief: Brief, text: str | None, *, seed: int, seen: Sequence[SceneDraft]):
        self.brief, self.seed = brief, seed
        self.wishes = feedback.read(text)
        self.applied: list[str] = []
        self.left: list[str] = []
        self.fill = _FILL
        self.speech = self._speech()
        mood = _MOODS.get(self.speech.tone or "", self.speech.tone or "") or brief.tone or _brand_tone(brief)
        self.mood = describe.clip(mood or "confident", 60)
        self.voice = Voice(self.speech, [s.script for s in seen], [s.metadata.get(CURSOR) for s in seen])
        the_look = describe.look(brief, self.speech.audience, self.mood, words.plural(self.speech.product))
        self.describer = describe.Describer(the_look, seed, [s.description for s in seen])
        self.rng = random.Random(f"{seed}|{text}|{len(seen)}")
        self.names = {a.id: a.name for a in brief.assets}

    def _speech(self) -> Speech:
        b, w = self.brief, self.wishes
        texts = [b.product, b.target_audience, b.key_message, b.call_to_action, b.campaign_goal or ""]
        lang = w.language or language.resolve(b.language, texts)
        if w.language:
            self.applied.append(f"voice-over in {_LANGUAGE_NAMES[w.language]}")
        end = "。" if lang == "ja" else "."
        audience = words.spoken(w.audience or b.target_audience) or words.spoken(b.target_audience)
        if w.audience:
            self.applied.append(f"audience {audience}")
        tone = w.tone or words.tone_of(b.tone) or words.tone_of(_brand_tone(b))
        if w.tone:
            self.applied.append(f"tone {w.tone}")
        product = words.spoken(b.product) or b.product
        about = " ".join([product, product, b.key_message, b.campaign_goal or "", audience])
        return Speech(
            language=lang,
            product=product,
            audience=audience,
            message=words.sentence(b.key_message, end),
            cta=words.sentence(b.call_to_action, end),
            plural=lang == "en" and words.plural(product),
            kind=words.classify(about, words.KINDS),
            audience_group=words.classify(audience, words.AUDIENCE_GROUPS),
            tone=tone,
            tone_first=bool(w.tone),
            audience_first=bool(w.audience),
            seed=self.seed,
        )

    def report(self) -> dict:
        return feedback.report(self.applied, self.wishes, self.left)

    # --- a whole storyboard -------------------------------------------------------------------------------

    def storyboard(self, beats: Sequence[str], current: Sequence[SceneDraft]) -> list[dict[str, Any]]:
        """The scenes of `beats`, durations summing to the brief's, key message and call to action spoken."""
        self._storyboard_wishes()
        n, silent = len(beats), self.wishes.voice is False
        self.count = n
        say = self._what_to_say(beats, silent)
        needs = [sum(words.cost(s, self.speech.language) for s in parts) for parts in say]
        durations = arc.durations(self.brief.duration, beats, needs)
        placement = arc.place_assets(self.brief.assets, beats)
        scenes = []
        for i, beat in enumerate(beats):
            required = self._fitted(say[i], durations[i])
            script = "".join(required) if silent else self.voice.script(beat, durations[i], required, self.fill)
            old = current[i] if i < len(current) else None
            shot = self._shot(beat, old.shot_type if old else None)
            extras = self._extras(beat, i, placement[i], silent and i == self._message_index(beats))
            scenes.append({
                "sceneNumber": i + 1,
                "duration": durations[i],
                "description": self.describer.describe(beat, i, shot, extras),
                "script": script,
                "onScreenText": "",
                "shotType": shot,
                "transition": "fade" if i == 0 else self.wishes.transition or _TRANSITIONS.get(beat, "cut"),
                "assets": placement[i],
                "metadata": {**self._metadata(beat, i), CURSOR: self.voice.position(beat)},
            })  # fmt: skip
        headlines = Supers(self.brief, self.speech).storyboard(beats, [s["script"] for s in scenes])
        for scene, text in zip(scenes, headlines, strict=True):
            scene["onScreenText"] = text
        if n and self.wishes.transition:
            self.applied.append(f"transition {self.wishes.transition}")
        return scenes

    def _storyboard_wishes(self) -> None:
        w, total = self.wishes, f"{self.brief.duration:g} s"
        if w.stretch:
            self.fill = 0.45 if w.stretch < 1 else 0.97
            less = "less" if w.stretch < 1 else "more"
            self.applied.append(f"{less} voice-over (the storyboard keeps the brief's {total})")
        if w.seconds:
            self.left.append(f"a length of {w.seconds:g} s (a storyboard keeps the brief's {total})")
        if w.voice is False:
            self.applied.append("no voice-over (the last scene still says the call to action)")
        elif w.voice:
            self.fill = max(self.fill, 0.9)
            self.applied.append("voice-over in every scene")
        if w.shot:
            self.applied.append(f"shot type {w.shot}")
        self._grade_applied()

    def _what_to_say(self, beats: Sequence[str], silent: bool) -> list[list[str]]:
        """The sentences each scene must say: key message, words the reviewer asked for, call to action."""
        n, s = len(beats), self.speech
        say: list[list[str]] = [[] for _ in beats]
        say[-1].append(s.cta)
        if silent:
            return say
        at = self._message_index(beats)
        mention_at = at + 1 if at + 1 < n - 1 else at
        say[at].insert(0, s.message)
        for mention in self._mentions():
            say[mention_at].append(mention)
            if not self._fits(say):
                say[mention_at].remove(mention)
                self.left.append(f'say "{mention}" (no room in a {self.brief.duration:g} s spot)')
            else:
                self.applied.append(f'says "{mention}"')
        if not self._fits(say):
            others = sum(self._tenths(p) for i, p in enumerate(say) if i != at)
            room = (round(self.brief.duration * 10) - others) // arc.TENTHS_PER_WORD
            rest = [p for p in say[at] if p != s.message]
            budget = room - sum(words.cost(p, s.language) for p in rest)
            say[at][say[at].index(s.message)] = essential(s.message, s.language, self._floor(budget))
        return say

    def _message_index(self, beats: Sequence[str]) -> int:
        return next((i for b in ("reveal", "benefit") for i, x in enumerate(beats) if x == b), len(beats) - 1)

    def _tenths(self, parts: list[str]) -> int:
        low = min(10, round(self.brief.duration * 10) // max(1, self.count))
        spoken = sum(words.cost(p, self.speech.language) for p in parts) * arc.TENTHS_PER_WORD
        return max(low, spoken)

    def _fits(self, say: list[list[str]]) -> bool:
        return sum(self._tenths(p) for p in say) <= round(self.brief.duration * 10)

    def _fitted(self, required: list[str], duration: float) -> list[str]:
        """The required sentences, the key message cut to its essential clause if the scene is too short."""
        lang, s = self.speech.language, self.speech
        budget = max(1, int(duration * 2.5 + 1e-9))
        others = sum(words.cost(p, lang) for p in required if p != s.message)
        return [essential(p, lang, self._floor(budget - others)) if p == s.message else p for p in required]

    def _floor(self, budget: int) -> int:
        """Words the key message may take: `budget`, but never less than a short clause of it (up to five
        words); when even that does not fit, the call to action's scene gives way (the rules warn)."""
        clauses = split_clauses(self.speech.message.rstrip(".。"), self.speech.language) or [self.speech.message]
        shortest = min(words.cost(c, self.speech.language) for c in clauses)
        return max(budget, min(shortest, 5), 2)

    # --- one scene ----------------------------------------------------------------------------------------

    def scene(self, old: SceneDraft, neighbours: Sequence[SceneDraft], constraints: Mapping) -> dict[str, Any]:
        """`old` rewritten in its beat, with the reviewer's wishes applied where they can be."""
        numbers = [n.scene_number for n in neighbours]
        beat = old.metadata.get("beat") or arc.beat_at(old.scene_number, numbers)
        last = not numbers or old.scene_number > max(numbers)
        duration = self._scene_duration(old, constraints)
        required = self._scene_required(old, beat, last, duration)
        script = self._scene_script(beat, last, duration, required, old)
        shot = self._shot(beat, old.shot_type)
        if self.wishes.shot:
            self.applied.append(f"shot type {self.wishes.shot}")
        self._grade_applied()
        if self.wishes.transition:
            self.applied.append(f"transition {self.wishes.transition}")
        extras = self._extras(beat, old.scene_number - 1, old.assets, not script and self._says_message(old))
        must = [a for a in constraints.get("mustIncludeAssets") or [] if isinstance(a, str)]
        supers = Supers(self.brief, self.speech, [n.on_screen_text for n in neighbours])
        return {
            "sceneNumber": old.scene_number,
            "duration": duration,
            "description": self.describer.describe(beat, old.scene_number - 1, shot, extras),
            "script": script,
            "onScreenText": supers.for_beat("cta" if last else beat, script),
            "shotType": shot,
            "transition": self.wishes.transition or old.transition,
            "assets": list(dict.fromkeys([*old.assets, *must])),
            "metadata": {**self._metadata(beat, old.scene_number - 1), CURSOR: self.voice.position(beat)},
        }

    def _scene_duration(self, old: SceneDraft, constraints: Mapping) -> float:
        forced, w = constraints.get("duration"), self.wishes
        if isinstance(forced, int | float) and not isinstance(forced, bool) and 0 < forced <= 60:
            return float(forced)
        if w.seconds:
            seconds = round(min(max(w.seconds, 1.0), 60.0), 1)
            self.applied.append(f"duration {seconds:g} s")
            return seconds
        if w.stretch:
            seconds = round(min(max(old.duration * w.stretch, 1.0), 60.0), 1)
            self.applied.append(f"{'shorter' if w.stretch < 1 else 'longer'} ({old.duration:g} s to {seconds:g} s)")
            return seconds
        return old.duration

    def _says_message(self, old: SceneDraft) -> bool:
        said = plain(old.script)
        clauses = [plain(c) for c in split_clauses(self.brief.key_message, self.speech.language)]
        return old.metadata.get("beat") == "reveal" or any(c and c in said for c in clauses)

    def _scene_required(self, old: SceneDraft, beat: str, last: bool, duration: float) -> list[str]:
        s, lang = self.speech, self.speech.language
        budget = max(1, int(duration * 2.5 + 1e-9))
        required = [s.message] if self._says_message(old) or beat == "reveal" else []
        if last:
            required.append(s.cta)
        for mention in self._mentions():
            if sum(words.cost(p, lang) for p in [*required, mention]) <= budget or not required:
                required.insert(len(required) - 1 if last else len(required), mention)
                self.applied.append(f'says "{mention}"')
            else:
                self.left.append(f'say "{mention}" (no room in a {duration:g} s scene)')
        return self._fitted(required, duration)

    def _scene_script(self, beat: str, last: bool, duration: float, required: list[str], old: SceneDraft) -> str:
        w = self.wishes
        if w.voice is False:
            self.applied.append("no voice-over" + (" but the call to action" if last else ""))
            return self.speech.cta if last else ""
        if w.voice:
            self.fill = 0.9
            self.applied.append("voice-over on" if not old.script else "more voice-over")
        return self.voice.script(beat, duration, required, self.fill)

    # --- shared -------------------------------------------------------------------------------------------

    def _mentions(self) -> list[str]:
        end = "。" if self.speech.language == "ja" else "."
        return [m for m in (words.sentence(x, end) for x in self.wishes.mentions) if m]

    def _shot(self, beat: str, avoid: str | None) -> str:
        if self.wishes.shot:
            return self.wishes.shot
        options = [s for s in SHOTS.get(beat, SHOTS["benefit"]) if s != avoid] or list(SHOTS.get(beat, ("medium",)))
        return self.rng.choice(options)

    def _grade_applied(self) -> None:
        if self.wishes.grade:
            self.applied.append(f"colour grade {self.wishes.grade}")

    def _extras(self, beat: str, index: int, assets: Sequence[str], show_message: bool) -> list[str]:
        extras = [f'On-screen text: "{self.describer.look.message}".'] if show_message else []
        if self.wishes.audience and beat != "cta":
            extras.append(f"Cast: {self.describer.look.audience}.")
        return [*extras, *describe.grade_note(self.wishes.grade), *describe.asset_note(assets, self.names)]

    def _metadata(self, beat: str, index: int) -> dict[str, Any]:
        b, look = self.brief, self.describer.look
        meta: dict[str, Any] = {"beat": beat, "setting": look.visual(index), "mood": self.mood}
        if index == 0 and b.music_style:
            meta["music"] = b.music_style
        restrictions = "; ".join(describe.strings((b.brand or {}).get("restrictions")))[:300]
        if restrictions:
            meta["brandRestrictions"] = restrictions
        return meta


def _brand_tone(brief: Brief) -> str | None:
    tone = (brief.brand or {}).get("tone")
    return tone if isinstance(tone, str) else None
