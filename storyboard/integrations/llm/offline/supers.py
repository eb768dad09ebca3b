"""On-screen text of an offline storyboard: a short headline per beat, in the brief's own words and language.

The reveal shows the product's name, a benefit the key message's essence, the last scene the call to action;
the other beats the audience or a short clause of their own voice-over. Never a production note, and never
the same headline in two scenes (one that would repeat stays empty).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..base import Brief
from .describe import clip
from .voice import Speech, essential, plain, sentences, split_clauses
from .words import cost

MAX_WORDS = 6  # a super is read at a glance
MAX_CHARS = 60
_TRAILING_STOP = re.compile(r"[.。]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PRIORITY = {"cta": 0, "reveal": 1, "benefit": 2}


def headline(text: str | None) -> str:
    """`text` as a super: one line, no full stop at the end, at most MAX_CHARS (cut at a word)."""
    one_line = " ".join(_CONTROL.sub(" ", str(text or "")).split())
    return _TRAILING_STOP.sub("", clip(one_line, MAX_CHARS)).strip(" ,;:")


class Supers:
    """Picks each scene's on-screen text, skipping any headline already on screen elsewhere in the job."""

    def __init__(self, brief: Brief, speech: Speech, taken: Iterable[str] = ()):
        self.brief, self.speech = brief, speech
        self.taken = {plain(t) for t in taken if t and plain(t)}
        # The product's name belongs to the reveal and the call to action to the last scene, even when
        # another scene's voice-over says them first.
        self.owned = {plain(headline(brief.product)): "reveal", plain(headline(brief.call_to_action)): "cta"}

    def storyboard(self, beats: Sequence[str], scripts: Sequence[str]) -> list[str]:
        """Every scene's headline; the beats whose headline is fixed (last, reveal, benefit) choose first."""
        order = sorted(range(len(beats)), key=lambda i: (_PRIORITY.get(beats[i], len(_PRIORITY)), i))
        chosen = {i: self.for_beat(beats[i], scripts[i]) for i in order}
        return [chosen[i] for i in range(len(beats))]

    def for_beat(self, beat: str, script: str) -> str:
        """The headline of a scene of `beat` that says `script`, or "" when every candidate is on screen."""
        for candidate in self._candidates(beat, script):
            key = plain(headline(candidate))
            if key and key not in self.taken and self.owned.get(key, beat) == beat:
                self.taken.add(key)
                return headline(candidate)
        return ""

    def _candidates(self, beat: str, script: str) -> list[str]:
        b, s = self.brief, self.speech
        if beat == "cta":
            return [b.call_to_action]
        if beat == "reveal":
            return [b.product]
        own = self._short_clauses(script)
        if beat == "hook":
            return [_capitalised(s.audience), *own]
        if beat == "benefit":
            return [essential(s.message, s.language, MAX_WORDS), *own, *self._short_clauses(s.message)]
        return own

    def _short_clauses(self, text: str) -> list[str]:
        """The clauses of `text`, sentence by sentence, that fit a super."""
        lang = self.speech.language
        found = [c for sentence in sentences(text) for c in split_clauses(sentence, lang)]
        shortest = 1 if lang == "ja" else 2  # one English word is no headline; a few kana may be
        return [c for c in found if shortest <= cost(c, lang) <= MAX_WORDS]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
