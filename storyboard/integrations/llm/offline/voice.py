"""The voice-over of an offline storyboard: lines in the brief's language, chosen for its product, tone and
audience, fitted to each scene's spoken-word budget, and never a line the job has already used."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import lines, words
from .lines import group

_SENTENCES = re.compile(r"(?<=[.!?…。！？؟])\s*")
_AGREE = re.compile(r"\[([^|\]]*)\|([^\]]*)\]")
# Lines of the shared "middle" group belong to one of three slots (by a hash of the line, so the split
# never moves). Beats sharing a slot are always neighbours (the reveal's extra lines share the benefit's,
# the close's the proof's), so a scene rewrite, which sees two scenes each side, sees every line its slot
# has used, and no line is said twice in a job.
_MIDDLE_SLOTS = ("benefit", "demo", "proof")
_SLOT_OF_BEAT = {"reveal": "benefit", "cta": "proof"}
_SHORT_PLACES = ("hook", "problem", *_MIDDLE_SLOTS)
_BOOST = 0.45  # lines for the brief's product kind, tone and audience come earlier
_MOST = 0.85  # of a scene's spoken-word budget that its lines may fill
CURSOR = "lineCursor"  # scene metadata: {place: position} of the last line the job has said there


@dataclass(frozen=True)
class Speech:
    """What the brief gives the voice: its own words, spoken, and how to pick lines."""

    language: str | None  # None: no lines in the brief's language, so only its own words are spoken
    product: str
    audience: str
    message: str
    cta: str
    plural: bool
    kind: str | None
    audience_group: str | None
    tone: str | None
    tone_first: bool  # the reviewer asked for this tone: its lines lead
    audience_first: bool  # the reviewer named the audience: lines that speak to it lead
    seed: int


def plain(text: str) -> str:
    """A sentence reduced for comparison: lower case, letters and digits only."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def sentences(script: str) -> list[str]:
    return [s for s in _SENTENCES.split(script or "") if s.strip()]


class Voice:
    """Writes the scripts of one storyboard (or one scene), skipping every line in `seen`."""

    def __init__(self, speech: Speech, seen: Iterable[str] = (), cursors: Iterable[Any] = ()):
        self.speech = speech
        # How far the job has got in each place's lines, as earlier versions recorded it (CURSOR): a
        # version that said no line (silent, or only the brief's words) still keeps the job's place.
        self.cursors: dict[str, float] = {}
        for cursor in cursors:
            for place, at in cursor.items() if isinstance(cursor, Mapping) else ():
                if isinstance(at, int | float) and not isinstance(at, bool):
                    self.cursors[place] = max(self.cursors.get(place, -1.0), float(at))
        self.reached: dict[str, float] = {}
        self.bank = lines.bank(speech.language) if speech.language else None
        self._shorts = {self._render(x) for x in self.bank.SHORT} if self.bank else set()
        self.join = self.bank.JOIN if self.bank else " "
        self.seen = {plain(s) for script in seen for s in sentences(script)}
        self.used: set[str] = set()
        self._closers: set[str] = set()

    def script(self, beat: str, duration: float, required: list[str], fill: float) -> str:
        """The scene's voice-over: `required` sentences whole, then lines up to `fill` of its budget."""
        budget = max(1, math.floor(duration * 2.5 + 1e-9))
        room = budget - sum(words.cost(s, self.speech.language) for s in required)
        if not self.bank:
            fillers = [] if required else self._own(budget)
        else:
            # Lines leave a breath of room (and a reviewer some seconds to trim) in all but tiny scenes.
            spare = 0 if budget <= 6 else math.ceil(budget * (1 - _MOST))
            fillers = self._fill(beat, room - spare, room - budget * (1 - fill), tiny=budget <= 6)
        if not fillers and not required:
            fillers = self._short(beat, budget)
        if beat == "cta":
            closing = [f for f in fillers if f in self._closers]
            parts = [*(f for f in fillers if f not in closing), *closing, *required]
        elif beat == "reveal" and fillers:
            parts = [fillers[0], *required, *fillers[1:]]
        else:
            parts = [*required, *fillers]
        self.used.update(plain(p) for p in parts)
        return self.join.join(parts)

    def _fill(self, beat: str, room: float, target: float, tiny: bool) -> list[str]:
        chosen: list[str] = []
        anchor_needed = False
        for slot in self._slots(beat):
            ordered = self._ordered(slot, beat)
            for line, kind, key, place in ordered:
                if target <= 0 or room <= 0:
                    break
                size = words.cost(line, self.speech.language)
                if line in self._shorts and (chosen or not tiny):
                    continue  # "Look." opens a tiny scene; it is no filler for a longer one
                if plain(line) in self.used or size > room:
                    # Skipping far ahead for a line that fits would move the job past lines it never said.
                    if chosen and kind == "regular":
                        break
                    continue
                chosen.append(line)
                self.used.add(plain(line))
                if kind != "late":
                    self.reached[place] = max(self.reached.get(place, -1.0), key)
                room, target = room - size, target - size
                anchor_needed = (anchor_needed or kind == "late") and kind != "regular"
            if anchor_needed:
                # A wished-for line from before where the job had got to says nothing of how far it got:
                # one line from after it keeps the next rewrite walking on.
                anchor = next((a for a in ordered if a[1] == "regular" and a[0] not in chosen and
                               words.cost(a[0], self.speech.language) <= room), None)  # fmt: skip
                if anchor:
                    chosen.append(anchor[0])
                    self.reached[anchor[3]] = max(self.reached.get(anchor[3], -1.0), anchor[2])
                anchor_needed = False
        return chosen

    def _slots(self, beat: str) -> tuple[str, ...]:
        # The reveal says one line of its own ("Meet X.") and the close up to two; anything more comes from
        # the middle group.
        return {"reveal": ("reveal", "middle"), "cta": ("cta", "middle")}.get(beat, (group(beat),))

    def position(self, beat: str) -> dict[str, float]:
        """Where the job now stands in the lines of the beat's places (kept as the scene's CURSOR)."""
        places = {"reveal": ("reveal", "benefit"), "cta": ("cta", "proof")}.get(beat, (self._place("middle", beat),))
        if beat in ("hook", "problem"):
            places = (beat,)
        at = {p: max(self.cursors.get(p, -1.0), self.reached.get(p, -1.0)) for p in places}
        # Rounded up, so the line at the cursor itself stays behind it.
        return {p: math.ceil(x * 1e6) / 1e6 for p, x in at.items() if x >= 0}

    def _place(self, slot: str, beat: str) -> str:
        return _SLOT_OF_BEAT.get(beat, beat if beat in _MIDDLE_SLOTS else "benefit") if slot == "middle" else slot

    def _ordered(self, slot: str, beat: str) -> list[tuple[str, str, float, str]]:
        """The slot's fresh lines, (line, "forced" | "late" | "regular", position, place), in the order to
        say them.

        Every line of the place has a fixed position for this brief, whatever the tone or audience. A job
        walks on from the last line it has used: lines before it were said in earlier versions (which a
        rewrite cannot see), so a slot that runs out says less rather than repeat itself. Lines that the
        reviewer's tone or audience bring in come first; when none is left ahead, one from before is
        taken ("late")."""
        place = self._place(slot, beat)
        lines_ = sorted((k, self._render(t), ok, forced) for k, t, ok, forced in self._universe(slot, beat))
        last = max((k for k, line, _, _ in lines_ if plain(line) in self.seen), default=-1.0)
        last = max(last, self.cursors.get(place, -1.0))
        fresh = [(k, line, forced) for k, line, ok, forced in lines_ if ok and plain(line) not in self.seen]
        ahead = [(k, line, forced) for k, line, forced in fresh if k > last]
        wished = [(line, "forced", k, place) for k, line, forced in ahead if forced]
        if not wished:
            wished = [(line, "late", k, place) for k, line, forced in fresh if forced and k <= last][:1]
        ordered = [*wished, *((line, "regular", k, place) for k, line, forced in ahead if not forced)]
        limit = {"reveal": 1, "cta": 2}.get(slot)
        if slot == "cta":
            self._closers.update(o[0] for o in ordered[:2])
        return ordered[:limit] if limit else ordered

    def _universe(self, slot: str, beat: str) -> list[tuple[float, str, bool, bool]]:
        """(position, line, may be said for this brief, brought in by the reviewer) for every line of the
        slot's place, in any tone, for any kind of product or audience."""
        s, bank = self.speech, self.bank
        place = self._place(slot, beat)
        pools: list[tuple[tuple[str, ...], float, bool, bool]] = [(bank.POOLS.get(slot, ()), 1.0, True, False)]
        pools += [(tuple(c for c in bank.SHORT if _slot_of(c, _SHORT_PLACES) == place), 1.0, True, False)]
        for kind, groups in bank.KINDS.items():
            pools.append((groups.get(slot, ()), _BOOST, kind == s.kind, False))
        for audience, groups in bank.AUDIENCES.items():
            pools.append((groups.get(slot, ()), _BOOST, audience == s.audience_group, False))
        for tone, groups in bank.TONES.items():
            pools.append((groups.get(slot, ()), _BOOST, tone == s.tone, s.tone_first and tone == s.tone))
        found = []
        for pool, boost, allowed, wished in pools:
            for line in pool:
                if slot == "middle" and _slot_of(line) != place:
                    continue
                forced = allowed and (wished or (s.audience_first and "{audience}" in line.lower()))
                found.append((_fraction(f"{s.seed}|{place}|{line}") * boost, line, allowed, forced))
        return found

    def _render(self, template: str) -> str:
        s = self.speech
        text = template.replace("{product}", s.product).replace("{audience}", s.audience)
        text = text.replace("{Audience}", s.audience[:1].upper() + s.audience[1:])
        return _AGREE.sub(lambda m: m.group(2) if s.plural else m.group(1), text)

    def _short(self, beat: str, budget: int) -> list[str]:
        """A scene with no fresh line left that fits says the brief's own words rather than nothing."""
        return self._own(budget)

    def _end(self) -> str:
        return self.bank.END if self.bank else "."

    def _own(self, budget: int) -> list[str]:
        taken = self.used | self.seen
        fitting = [o for o in self.own_words() if words.cost(o, self.speech.language) <= budget]
        fresh = [o for o in fitting if plain(o) not in taken] or [o for o in fitting if plain(o) not in self.used]
        return fresh[:1]

    def own_words(self) -> list[str]:
        """Distinct lines made only of the brief's words, for a language we have no lines in."""
        s, end = self.speech, self._end()
        clauses = [words.sentence(c, end) for c in split_clauses(s.message, s.language)]
        product, audience = words.sentence(s.product, end), words.sentence(s.audience, end)
        options = [product, audience, *(clauses if len(clauses) > 1 else []), f"{product} {audience}"]
        return [o for o in dict.fromkeys(options) if o.strip(". ")]


def _fraction(text: str) -> float:
    """A stable number in [0, 1) for `text` (the order of lines must not move between calls)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big") / 2**48


def _slot_of(template: str, places: tuple[str, ...] = _MIDDLE_SLOTS) -> str:
    digest = hashlib.sha256(template.encode()).digest()[0]
    return places[digest % len(places)]


def split_clauses(text: str, language: str | None) -> list[str]:
    """The clauses of a key message (at commas, dashes and the language's "and")."""
    pattern = lines.bank(language).SPLIT if language else r"\s*[,;:—–、，]\s*"
    return [c.strip() for c in re.split(pattern, text) if c and c.strip(" .,")]


def essential(message: str, language: str | None, budget: int) -> str:
    """The key message, or its longest clause that fits `budget` words, or its first words (never nothing)."""
    end = lines.bank(language).END if language else "."
    if words.cost(message, language) <= budget:
        return message
    fitting = [c for c in split_clauses(message.rstrip(".!?。"), language) if words.cost(c, language) <= budget]
    if fitting:
        return words.sentence(max(fitting, key=lambda c: words.cost(c, language)), end)
    if language == "ja":
        return words.sentence(message[: max(2, math.floor(budget * words.JA_CHARS_PER_WORD))], end)
    return words.sentence(" ".join(message.split()[: max(2, budget)]).rstrip(",;:"), end)
