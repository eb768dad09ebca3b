"""What the offline writer understands in a reviewer's feedback, and what it leaves for an LLM.

The feedback is cut into clauses; each clause is either understood (a shot, a length, voice-over on or off,
words to say, a tone, an audience, a transition, a colour grade, a language) or kept, verbatim, as not
applied. Nothing of it is ever pasted into a scene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SHOTS = (
    ("extreme-close-up", r"extreme[- ]close[- ]?ups?|macro|detail shots?"),
    ("close-up", r"close[- ]?ups?|closer"),
    ("wide", r"wide(r| shots?| angle)?|establishing|aerial"),
    ("medium", r"medium( shots?)?|mid[- ]shots?"),
    ("product", r"product shots?|pack ?shots?|hero shots?|show (off )?the product"),
    ("tracking", r"tracking( shots?)?|dolly|steadicam|follow shots?|moving camera"),
    ("montage", r"montage|quick cuts"),
)
_TONES = (
    (
        "playful",
        r"funn(y|ier)|fun|humou?r(ous)?|playful|witty|wittier|jok(e|es|ey|ier)|cheek(y|ier)|silly|"
        r"sillier|quirky|quirkier|light[- ]?hearted|lighter",
    ),
    ("calm", r"calm(er)?|relax(ed|ing)?|sooth(e|ing)|gentle|gentler|quiet(er)?|soft(er)?|peaceful|serene"),
    ("warm", r"warm(er)?|heartfelt|emotional|friendl(y|ier)|cos(y|ier)|coz(y|ier)|tender|more human"),
    ("bold", r"bold(er)?|energetic|energy|punch(y|ier)|exciting|dynamic|upbeat|edg(y|ier)|louder|intense|hype"),
    ("premium", r"premium|luxur(y|ious)|elegant|class(y|ier)|sophisticated|upscale|high[- ]end|refined|posh"),
    ("serious", r"serious|professional|formal|trustworthy|factual|sober|credible|corporate|informative"),
)
_OPPOSITE = {"playful": "serious", "serious": "playful", "calm": "bold", "bold": "calm"}
_GRADES = (("warm", r"warm(er)?|golden"), ("cool", r"cool(er)?|cold(er)?"), ("bright", r"bright(er)?"),
           ("dark", r"dark(er)?|mood(y|ier)"))  # fmt: skip
_GRADE_NOUN = r"colou?rs?|light(ing)?|grad(e|ing)|palette|tones|look|shadows|tint"
_LANGUAGES = {
    "en": r"english", "de": r"german|auf deutsch", "fr": r"french|en français", "es": r"spanish|en español",
    "pt": r"portuguese|em português", "it": r"italian|in italiano", "ja": r"japanese", "ar": r"arabic",
}  # fmt: skip
_VOICE = r"voice[- ]?overs?|vo|narration|narrator|voice"
# Silence is read as the service's checks read it, so a scene made silent is never refused as having lost
# its voice-over.
_NO_VOICE = r"\b(no|without|drop|remove|cut)( the| any)? (voice|voice-?over|vo|narration|narrator|speech)\b|\bsilent\b"
_ADD_VOICE = rf"\b(add|with|bring back|put back|more|needs?)\b[\w\s-]{{0,12}}\b({_VOICE})\b"
_SHORTER = r"\b(shorter|shorten|trim|tighter|tighten|quicker|cut it down|less time|too (long|slow))\b"
_LONGER = r"\b(longer|lengthen|more time|extend|slower|let it breathe|too (short|fast|quick|rushed))\b"
_SECONDS = r"\b(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\b"
_MENTION = re.compile(
    r"\b(?:mention(?:ing)?|say(?:ing)?|include the (?:line|phrase|words?)|add the (?:line|phrase|words?)|"
    r"tell (?:them|people|viewers))\s*(?:that\s+)?:?\s*(?:[\"“‘']([^\"”’']{2,200})[\"”’']|([^.,;!?\n]{2,200}))",
    re.IGNORECASE,
)
_AUDIENCE = re.compile(
    r"^(?:(?:make|write|aim|pitch|gear|tailor) it\s+)?(?:(?:re)?target(?:ing)?|aimed at|aim at|address(?:ing)?|"
    r"speak to|talk to|appeal to|geared (?:to|towards)|for)\s+(?:an audience of\s+)?(.{3,120})$",
    re.IGNORECASE,
)
_CLAUSES = re.compile(r"\s*(?:[.,;!?\n]+|\s(?:and|but|also|plus|then|&)\s)\s*", re.IGNORECASE)
_POLITE = re.compile(
    r"^(?:please|pls|can you|could you|would you|maybe|perhaps|try to|try|let's|let us|i'd like( it)?( to)?|"
    r"i want( it)?( to)?|we need( it)?( to)?|it should|should|needs to|need to|make it|make this|make)\s+",
    re.IGNORECASE,
)
_FILLER = {"", "please", "thanks", "thank you", "ok", "okay", "cheers", "great", "good", "nice", "it", "this"}


@dataclass
class Wishes:
    """What a reviewer asked for that the offline writer can do, and the clauses it cannot."""

    shot: str | None = None
    seconds: float | None = None
    stretch: float | None = None  # 0.75 for shorter, 1.25 for longer
    voice: bool | None = None  # False: no voice-over, True: voice-over wanted
    mentions: list[str] = field(default_factory=list)
    tone: str | None = None
    audience: str | None = None
    transition: str | None = None
    grade: str | None = None
    language: str | None = None
    unknown: list[str] = field(default_factory=list)


def read(feedback: str | None) -> Wishes:
    """The wishes in `feedback` (an empty Wishes without feedback)."""
    wishes = Wishes()
    text = " ".join(str(feedback or "").split())
    for match in _MENTION.finditer(text):
        wishes.mentions.append((match.group(1) or match.group(2)).strip(" ,"))
    text = _MENTION.sub(" ; ", text)
    for clause in _CLAUSES.split(text):
        clause = re.sub(r"^(?:and|but|also|plus|then|&)\s+", "", clause.strip(" -–—:'\""), flags=re.IGNORECASE)
        if clause.lower() not in _FILLER and not _understood(clause, wishes):
            wishes.unknown.append(clause)
    return wishes


def _understood(clause: str, wishes: Wishes) -> bool:
    plain = _POLITE.sub("", clause.lower()).strip()
    if not plain.startswith("for ") and _audience(plain, wishes):  # "target busy professionals" is no tone
        return True
    found = [reader(plain, wishes) for reader in (_voice, _length, _shot, _transition, _language)]
    # "warmer light" is a colour grade, not a warmer tone.
    found.append(_grade(plain, wishes) or _tone(plain, wishes))
    return any(found) or _audience(plain, wishes)


def _voice(text: str, wishes: Wishes) -> bool:
    if re.search(_NO_VOICE, text):
        wishes.voice = False
    elif re.search(_ADD_VOICE, text):
        wishes.voice = True
    else:
        return False
    return True


def _length(text: str, wishes: Wishes) -> bool:
    if seconds := re.search(_SECONDS, text):
        wishes.seconds = float(seconds.group(1))
    elif re.search(_SHORTER, text):
        wishes.stretch = 0.75
    elif re.search(_LONGER, text):
        wishes.stretch = 1.25
    else:
        return False
    return True


def _grade(text: str, wishes: Wishes) -> bool:
    if not re.search(rf"\b({_GRADE_NOUN})\b", text):
        return False
    wishes.grade = next((g for g, words in _GRADES if re.search(rf"\b({words})\b", text)), wishes.grade)
    return wishes.grade is not None


def _shot(text: str, wishes: Wishes) -> bool:
    wishes.shot = next((s for s, words in _SHOTS if re.search(rf"\b({words})\b", text)), wishes.shot)
    return any(re.search(rf"\b({words})\b", text) for _, words in _SHOTS)


def _tone(text: str, wishes: Wishes) -> bool:
    for tone, words in _TONES:
        found = re.search(rf"\b(less|not so|not as|not too|too)?\s*\b({words})\b", text)
        if found:
            wishes.tone = _OPPOSITE.get(tone) if found.group(1) else tone
            return wishes.tone is not None
    return False


def _transition(text: str, wishes: Wishes) -> bool:
    if not re.search(r"transition|dissolve|crossfade|cross-fade|wipe|fades?\b|hard cuts?", text):
        return False
    for name, words in (("dissolve", r"dissolves?|crossfades?|cross-fades?"), ("wipe", r"wipes?"),
                        ("fade", r"fades?"), ("cut", r"cuts?")):  # fmt: skip
        if re.search(rf"\b({words})\b", text):
            wishes.transition = name
            return True
    return False


def _language(text: str, wishes: Wishes) -> bool:
    for code, words in _LANGUAGES.items():
        if re.search(rf"\b(in|into|to)\s+({words})\b|^({words})$|\b({words})\s+(voice|lines|script)", text):
            wishes.language = code
            return True
    return False


def _audience(text: str, wishes: Wishes) -> bool:
    found = _AUDIENCE.match(text)
    if not found:
        return False
    audience = re.sub(r"\s+(instead|rather|please|for once|this time)$", "", found.group(1)).strip(" .")
    wishes.audience = re.sub(r"^(the|an?)\s+", "", audience)
    return bool(wishes.audience)


def report(applied: list[str], wishes: Wishes, left: list[str] = ()) -> dict:
    """The feedback report the service returns: what was applied, and what needs an LLM (or None)."""
    missing = [*wishes.unknown, *left]
    return {"applied": list(dict.fromkeys(applied)), "notApplied": "; ".join(missing) if missing else None}
