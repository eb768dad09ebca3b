"""Which language a brief speaks: its `language` tag when given, else detected from its own words.

Non-Latin scripts are told apart by their Unicode ranges; Latin-script text goes to langdetect (a port of
Google's n-gram detector) loaded with the Latin-script profiles only and seeded, so the answer is
deterministic. On our short-brief samples it was right on every whole brief; a brief is detected from all its
spoken fields together, never from one short field.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata

from .lines import SUPPORTED

# langdetect's Latin-script profiles: our languages and their neighbours, so that a Dutch brief is Dutch
# (and gets only its own words) rather than the nearest language we have lines for.
_LATIN_PROFILES = (
    "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw tl tr vi"
).split()
# Letters Persian and Urdu write and Arabic does not (keheh, farsi yeh, peh, tcheh, gaf, ...).
_NOT_ARABIC = set("کیپچژگےڈٹڑںۀ")
_SCRIPTS = (
    ("ja", ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))),  # kana
    ("han", ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))),
    ("ko", ((0xAC00, 0xD7AF), (0x1100, 0x11FF))),
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("other", ((0x0370, 0x03FF), (0x0400, 0x052F), (0x0590, 0x05FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF))),
)
_URL = re.compile(r"\S+\.(com|net|org|io|de|fr|es|it|pt|jp|app)\S*|https?://\S+|www\.\S+", re.I)


def resolve(tag: str | None, texts: list[str]) -> str | None:
    """The language to write in ("en", "de", ...), or None when we have no lines in the brief's language."""
    if tag and tag.strip():
        primary = re.split(r"[-_]", tag.strip().lower())[0]
        return primary if primary in SUPPORTED else None
    return detect(" \n".join(t for t in texts if t))


def detect(text: str) -> str | None:
    """The supported language of `text`, None for another language; English when nothing can be told."""
    counts = _script_counts(text)
    if counts.get("ja", 0) >= 2:
        return "ja"
    latin = counts.pop("latin", 0)
    script, letters = max(counts.items(), key=lambda kv: kv[1], default=("latin", 0))
    if letters * 2 > latin:  # a CJK or Arabic letter carries more than a Latin one
        return "ar" if script == "ar" and not (_NOT_ARABIC & set(text)) else None
    return _latin(_URL.sub(" ", text)) if latin >= 3 else "en"


def _script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        code = ord(char)
        name = next((s for s, spans in _SCRIPTS if any(lo <= code <= hi for lo, hi in spans)), None)
        if name is None and char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            name = "latin"
        if name:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _latin(text: str) -> str | None:
    detector = _factory().create()
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except Exception:  # langdetect raises on text without features (digits, symbols)
        return "en"
    if not found:
        return "en"
    best = found[0].lang
    if best in SUPPORTED:
        return best
    # A close second in a language we write beats an unsure guess at one we do not.
    runner = next((c for c in found if c.lang in SUPPORTED and c.prob >= 0.3), None)
    return runner.lang if runner and found[0].prob < 0.7 else None


@functools.cache
def _factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    profiles = []
    for name in _LATIN_PROFILES:
        with open(os.path.join(PROFILES_DIRECTORY, name), encoding="utf-8") as profile:
            profiles.append(profile.read())
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory
