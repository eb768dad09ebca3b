"""Check and repair an LLM's storyboard (or one rewritten scene) before anything stores it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from storyboard.integrations.llm import replies
from storyboard.integrations.llm.base import WORDS_PER_SECOND, AssetBrief, Brief, SceneDraft
from storyboard.integrations.llm.scene_count import SceneCount

MIN_SCENE_SECONDS, MAX_SCENE_SECONDS = 1.0, 60.0
MAX_TEXT = 1000
MAX_ON_SCREEN_TEXT = 200  # a super, not a paragraph (PUT of a scene caps it too)
LIST_KEYS = ("scenes", "storyboard", "data", "result")
_WRAPPERS = 2  # objects around the list that are looked through: {"result": {"storyboard": {"scenes": ...}}}
# Control characters and bidi overrides (which can disguise text in the UI); newline and tab are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SCRIPT_KEYS = ("script", "voiceover", "voiceOver", "narration")
_ON_SCREEN_KEYS = ("onScreenText", "on_screen_text", "superText")
# What a model writes for "no super" although the prompt says an empty string.
_NO_SUPER = {"none", "null", "n a", "no text", "empty"}
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_SHOT_SYNONYMS = {
    "close-up": ("close", "closeup", "cu", "close-up"),
    "extreme-close-up": ("extreme-close-up", "extreme-closeup", "ecu", "macro", "detail"),
    "wide": ("wide", "establishing", "long", "ws", "aerial", "full"),
    "medium": ("medium", "mid", "ms", "mid-shot", "medium-close-up", "two"),
    "product": ("product", "packshot", "pack-shot", "hero", "product-shot"),
    "tracking": ("tracking", "dolly", "pan", "follow", "steadicam"),
    "montage": ("montage", "split-screen", "sequence"),
}
_TRANSITION_SYNONYMS = {
    "dissolve": ("dissolve", "crossfade", "cross-fade", "cross-dissolve", "mix", "blend"),
    "fade": ("fade", "fade-in", "fade-out", "fade-to-black", "fade-from-black", "fade-to-white"),
    "wipe": ("wipe", "swipe", "slide", "push"),
    "cut": ("cut", "hard-cut", "straight-cut", "jump-cut", "match-cut", "smash-cut", "none"),
}


class ReplyProblem(Exception):
    """The reply cannot be repaired; the text says what was wrong (sent back as the correction)."""


def parse_scenes(raw: Any) -> list[Any]:
    """The list of scene items in a reply: JSON (in prose or a fence too), an object holding it, or a list.

    `{"scenes": [...]}`, `{"storyboard": [...]}` and wrapped deeper, `{"storyboard": {"scenes": [...]}}`."""
    data = _decode(raw)
    for _ in range(_WRAPPERS + 1):
        if not isinstance(data, Mapping):
            break
        data = _listed(data)
    if not isinstance(data, list):
        raise ReplyProblem('the response is not a list of scenes; return {"scenes": [...]}')
    return data


def _listed(data: Mapping) -> Any:
    """The list under a known key, else the one object under a known key (a wrapper), else `data`."""
    found = next((data[k] for k in LIST_KEYS if isinstance(data.get(k), list)), None)
    if found is not None:
        return found
    return next((data[k] for k in LIST_KEYS if isinstance(data.get(k), Mapping)), data)


def _decode(raw: Any) -> Any:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        return raw
    try:
        return replies.extract_json(raw)
    except ValueError:
        if phrase := replies.refusal_in(raw):
            raise ReplyProblem(f'the response was a refusal ("{phrase}"), not a storyboard') from None
        raise ReplyProblem("the response was not valid JSON") from None


def repair_storyboard(
    raw: Any, brief: Brief, count: SceneCount, *, strict: bool = True, feedback: str | None = None
) -> tuple[list[SceneDraft], list[str]]:
    """Return the repaired scenes and the repairs made; raise ReplyProblem when it cannot be repaired.

    `strict` also refuses a count more than one away from `target` (worth one corrective retry). The
    content is checked before any repair can hide it (see `content_problems`); `feedback` tells whether
    silent scenes were asked for.
    """
    repairs: list[str] = []
    items = _checked_count(parse_scenes(raw), count, strict=strict, repairs=repairs)
    scenes = [_scene_from(item, i + 1, repairs) for i, item in enumerate(items)]
    _refuse_content(content_problems(scenes, silence_ok=asks_for_silence(feedback)))
    _fit_durations(scenes, brief.duration, repairs)
    _fix_assets(scenes, brief.assets, repairs)
    _fix_transitions(scenes, repairs)
    _ensure_call_to_action(scenes[-1], brief.call_to_action, repairs)
    for scene in scenes:
        _fit_voice_over(scene, brief.call_to_action if scene is scenes[-1] else None, repairs)
    return scenes, repairs


class ContentProblem(ReplyProblem):
    """The reply has the right shape but is not a storyboard worth reviewing (a refusal, placeholders,
    repeated scenes, missing voice-over); `problems` lists each finding."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


MAX_SILENT_SCENES = 1  # a short beat on picture alone is fine; a storyboard without a voice is not
_PLACEHOLDER_WORDS = {"string", "text", "tbd", "todo", "placeholder", "n a", "none", "null", "description", "script"}
_PLACEHOLDER_PATTERN = re.compile(r"<[^<>]{1,40}>|\[(insert|your|add)\b[^\]]*\]|lorem ipsum", re.IGNORECASE)
_SILENCE = re.compile(
    r"\b(no|without|drop|remove|cut)( the| any)? (voice|voice-?over|vo|narration|narrator|speech)\b|\bsilent\b",
    re.IGNORECASE,
)


def asks_for_silence(feedback: str | None) -> bool:
    """Whether the reviewer asked for scenes without voice-over ("no voice-over", "make it silent")."""
    return bool(feedback and _SILENCE.search(feedback))


def content_problems(scenes: Sequence[SceneDraft], *, silence_ok: bool = False) -> list[str]:
    """What makes these scenes unfit for review, each finding worded for the model's corrective retry."""
    problems: list[str] = []
    for scene in scenes:
        problems += _scene_problems(scene)
    problems += _duplicates(scenes, "description", lambda s: s.description)
    problems += _duplicates(scenes, "script", lambda s: s.script)
    silent = [s.scene_number for s in scenes if not s.script]
    if not silence_ok and len(silent) > MAX_SILENT_SCENES:
        numbers = ", ".join(map(str, silent))
        problems.append(f"scenes {numbers} have no voice-over script; write the line each scene speaks")
    return problems


def _scene_problems(scene: SceneDraft) -> list[str]:
    found = []
    texts = [("description", scene.description), ("script", scene.script), ("onScreenText", scene.on_screen_text)]
    texts += [(f"metadata.{k}", v) for k, v in scene.metadata.items() if isinstance(v, str)]
    for field_name, text in texts:
        if phrase := replies.refusal_in(text):
            found.append(f'scene {scene.scene_number} {field_name} is a refusal ("{phrase}"); write the ad as briefed')
        elif is_placeholder(text):
            found.append(
                f"scene {scene.scene_number} {field_name} is a placeholder ({text[:40]!r}); write real content"
            )
    copied = [a for a in scene.assets if _PLACEHOLDER_PATTERN.search(a) or is_placeholder(a)]
    if copied:
        found.append(
            f"scene {scene.scene_number} assets hold placeholders ({', '.join(copied)[:80]}); "
            "use only asset ids from the brief"
        )
    return found


def is_placeholder(text: str) -> bool:
    """Example text copied from a prompt: no letters or digits ("..."), a stock word ("string"),
    an <angle-bracket> slot, "[insert ...]" or lorem ipsum."""
    if not text:
        return False
    plain = _plain(text)
    return not plain or plain in _PLACEHOLDER_WORDS or bool(_PLACEHOLDER_PATTERN.search(text))


def _duplicates(scenes: Sequence[SceneDraft], what: str, text_of) -> list[str]:
    first: dict[str, int] = {}
    found = []
    for scene in scenes:
        key = _plain(text_of(scene))
        if not key:
            continue
        if key in first:
            found.append(
                f"scenes {first[key]} and {scene.scene_number} have the same {what}; make every scene different"
            )
        else:
            first[key] = scene.scene_number
    return found


def _refuse_content(problems: list[str]) -> None:
    if problems:
        raise ContentProblem(problems)


def _checked_count(items: list, count: SceneCount, *, strict: bool, repairs: list[str]) -> list:
    items, repair = count.trimmed(items)
    repairs += [repair] if repair else []
    if problem := count.problem(len(items), strict=strict):
        raise ReplyProblem(problem)
    return items


def _scene_from(item: Any, number: int, repairs: list[str]) -> SceneDraft:
    if not isinstance(item, Mapping):
        raise ReplyProblem(f"scene {number} is not a JSON object")
    description = clean_text(_first(item, "description", "visual", "visualDescription"))
    if not description:
        raise ReplyProblem(f"scene {number} has no description")
    scene = SceneDraft(
        scene_number=number,
        duration=_number(_first(item, "duration", "durationSeconds", "duration_seconds")) or 0.0,
        description=description,
        script=clean_text(_first(item, *_SCRIPT_KEYS)),
        shot_type=normalise_shot(_first(item, "shotType", "shot_type", "shot")),
        transition=normalise_transition(_first(item, "transition")),
        assets=_id_list(item.get("assets")),
        metadata=clean_metadata(item.get("metadata")),
        on_screen_text=_on_screen_text(item, number, repairs),
    )
    _note_renames(item, scene, repairs)
    return scene


def _on_screen_text(item: Mapping, number: int, repairs: list[str]) -> str:
    text = clean_text(_first(item, *_ON_SCREEN_KEYS), MAX_ON_SCREEN_TEXT)
    if _plain(text) in _NO_SUPER:
        repairs.append(f"emptied scene {number} onScreenText {text!r} (no super)")
        return ""
    return text


def _note_renames(item: Mapping, scene: SceneDraft, repairs: list[str]) -> None:
    if item.get("sceneNumber", scene.scene_number) != scene.scene_number:
        repairs.append(f"renumbered scene {item.get('sceneNumber')!r} to {scene.scene_number}")
    for key, value in (("shotType", scene.shot_type), ("transition", scene.transition)):
        given = item.get(key)
        if isinstance(given, str) and given != value:
            repairs.append(f"normalised scene {scene.scene_number} {key} {given[:40]!r} to {value!r}")


def _first(item: Mapping, *keys: str) -> Any:
    return next((item[k] for k in keys if item.get(k) is not None), None)


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        match = re.match(r"\s*(\d+(?:\.\d+)?)", value)  # "6s", "6.5 seconds"
        value = match.group(1) if match else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    number = float(value)
    return number if math.isfinite(number) and number > 0 else None


def _id_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [v.strip() for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """A string without control characters, trimmed and capped at `limit` (at a word boundary)."""
    if value is None or isinstance(value, Mapping | list):
        return ""
    text = _CONTROL.sub("", str(value)).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def clean_metadata(value: Any) -> dict:
    """A JSON-safe metadata object: string values cleaned, anything unserialisable dropped."""
    if not isinstance(value, Mapping):
        return {}
    cleaned = {clean_text(k, 100): clean_text(v, 500) if isinstance(v, str) else v for k, v in value.items()}
    return {k: v for k, v in cleaned.items() if k and _json_safe(v)}


def _json_safe(value: Any) -> bool:
    try:
        return len(json.dumps(value, allow_nan=False)) <= 4000
    except (TypeError, ValueError):
        return False


def normalise_shot(value: Any) -> str:
    """Lower-case shot type, mapping synonyms ("Close up" -> "close-up"); free strings otherwise kept."""
    key = _slug(value)
    key = re.sub(r"-shot$", "", key) or "medium"
    return next((name for name, words in _SHOT_SYNONYMS.items() if key in words), key[:40])


def normalise_transition(value: Any) -> str:
    """Lower-case transition from a known family ("crossfade" -> "dissolve"); unknown ones become "cut"."""
    key = re.sub(r"-transition$", "", _slug(value))
    return next((name for name, words in _TRANSITION_SYNONYMS.items() if key in words), "cut")


def _slug(value: Any) -> str:
    text = clean_text(value, 60).lower() if isinstance(value, str) else ""
    return re.sub(r"[\s_]+", "-", text.strip(" .")).strip("-")


def _fit_durations(scenes: list[SceneDraft], total: float, repairs: list[str]) -> None:
    given = [s.duration for s in scenes]
    fitted = fit_durations(given, total)
    if fitted != given:
        repairs.append(f"rescaled durations (sum {sum(given):.1f} s) to {total:g} s")
    for scene, seconds in zip(scenes, fitted, strict=True):
        scene.duration = seconds


def fit_durations(weights: Sequence[float], total: float) -> list[float]:
    """One-decimal durations in proportion to `weights`, each 1-60 s, summing exactly to `total`."""
    tenths, n = round(total * 10), len(weights)
    low = min(round(MIN_SCENE_SECONDS * 10), tenths // n)  # a 5 s ad cut in 7 cannot give 1 s each
    high = max(round(MAX_SCENE_SECONDS * 10), -(-tenths // n))
    known = [w for w in weights if w and w > 0]
    filled = [w if w and w > 0 else (sum(known) / len(known) if known else 1.0) for w in weights]
    ints = [round(x) for x in _water_fill(filled, tenths, low, high)]
    ints[-1] += tenths - sum(ints)  # the rounding remainder goes on the last scene
    _spread_excess(ints, low, high)
    return [i / 10 for i in ints]


def _water_fill(weights: list[float], total: int, low: int, high: int) -> list[float]:
    """Proportional shares of `total`, pinning any share outside [low, high] to the bound."""
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        scale = (total - sum(fixed.values())) / sum(weights[i] for i in free)
        shares = {i: weights[i] * scale for i in free}
        out = {i: (low if x < low else high) for i, x in shares.items() if not low <= x <= high}
        fixed.update(out)
        if not out or len(out) == len(free):
            return [fixed.get(i, shares.get(i, 0.0)) for i in range(len(weights))]


def _spread_excess(ints: list[int], low: int, high: int) -> None:
    excess = ints[-1] - min(max(ints[-1], low), high)
    ints[-1] -= excess
    for i in range(len(ints) - 2, -1, -1):
        room = (high - ints[i]) if excess > 0 else (low - ints[i])
        step = min(excess, room) if excess > 0 else max(excess, room)
        ints[i] += step
        excess -= step


def _fix_assets(scenes: list[SceneDraft], assets: Sequence[AssetBrief], repairs: list[str]) -> None:
    known = {a.id for a in assets}
    for scene in scenes:
        unknown = [a for a in scene.assets if a not in known]
        if unknown:
            ids = ", ".join(unknown)[:200]
            repairs.append(f"dropped unknown asset ids from scene {scene.scene_number}: {ids}")
        scene.assets = list(dict.fromkeys(a for a in scene.assets if a in known))
    used = {a for s in scenes for a in s.assets}
    for asset in (a for a in assets if a.id not in used):
        scene = scenes[asset_slot(asset, scenes)]
        scene.assets.append(asset.id)
        repairs.append(f"placed unused asset {asset.id} in scene {scene.scene_number}")


def asset_slot(asset: AssetBrief, scenes: Sequence[SceneDraft]) -> int:
    """Index of the scene where an asset fits: logos late, product shots at the product, backgrounds first."""
    hints = " ".join([asset.role or "", *asset.tags, asset.name]).lower()
    if any(w in hints for w in ("logo", "brand", "closing", "end")):
        return len(scenes) - 1
    if any(w in hints for w in ("product", "hero", "subject")):
        return _product_scene(scenes)
    if asset.type == "audio" or any(w in hints for w in ("background", "first_frame", "intro")):
        return 0
    return min(range(len(scenes)), key=lambda i: (len(scenes[i].assets), i))


def _product_scene(scenes: Sequence[SceneDraft]) -> int:
    product_shots = [i for i, s in enumerate(scenes) if s.shot_type in ("product", "close-up")]
    return product_shots[0] if product_shots else len(scenes) // 2


def _fix_transitions(scenes: list[SceneDraft], repairs: list[str]) -> None:
    if scenes[0].transition != "fade":
        repairs.append(f"set scene 1 transition to fade (was {scenes[0].transition!r})")
        scenes[0].transition = "fade"


def _ensure_call_to_action(scene: SceneDraft, cta: str, repairs: list[str]) -> None:
    cta = clean_text(cta)
    if not cta or has_call_to_action(scene.script, cta):
        return
    line = cta if cta[-1] in ".!?…" else cta + "."
    # The cap is applied to what precedes the CTA, so the CTA itself always fits (MAX_TEXT > its 300 chars).
    lead = clean_text(scene.script, MAX_TEXT - len(line) - 1) if scene.script else ""
    scene.script = f"{lead} {line}".strip()
    repairs.append(f"appended the call to action to scene {scene.scene_number}")


def has_call_to_action(script: str, cta: str) -> bool:
    """Whether the script says the call to action (case, spacing and end punctuation ignored)."""
    return _plain(cta) in _plain(script)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def max_words(duration: float) -> int:
    """Voice-over words that fit in `duration` seconds."""
    return max(1, math.floor(duration * WORDS_PER_SECOND + 1e-9))


def _fit_voice_over(scene: SceneDraft, cta: str | None, repairs: list[str]) -> None:
    limit, words = max_words(scene.duration), len(scene.script.split())
    if words <= limit:
        return
    if cta and has_call_to_action(scene.script, cta):
        shortened = _shorten_keeping(scene.script, cta, limit)
    else:
        shortened = shorten_script(scene.script, limit)
    if shortened != scene.script:
        repairs.append(f"shortened the voice-over of scene {scene.scene_number} to fit {scene.duration:g} s")
    scene.script = shortened
    if len(shortened.split()) > limit:
        # Only the call to action can still be too long: it is kept whole and the reviewer is told.
        warning = voice_over_warning(shortened, scene.duration)
        scene.metadata["warnings"] = [*_warnings(scene.metadata), warning]
        repairs.append(f"warned that scene {scene.scene_number}'s {warning}")


VOICE_OVER_WARNING = "voice-over needs about"


def voice_over_warning(script: str | None, duration: float) -> str | None:
    """A reviewer-facing warning when a script cannot be spoken in `duration` seconds, else None."""
    words = len((script or "").split())
    if words <= max_words(duration):
        return None
    return f"{VOICE_OVER_WARNING} {words / WORDS_PER_SECOND:.1f} s, the scene lasts {duration:g} s"


def _warnings(metadata: Mapping) -> list[str]:
    given = metadata.get("warnings")
    return [w for w in given if isinstance(w, str)] if isinstance(given, list) else []


def _shorten_keeping(script: str, cta: str, limit: int) -> str:
    """Shorten around the call to action, which stays whole even when it alone is too long."""
    cta_text = cta if cta[-1] in ".!?…" else cta + "."
    rest = _without_cta(script, cta)
    room = limit - len(cta_text.split())
    lead = shorten_script(rest, room) if room >= 2 and rest else ""
    return f"{lead} {cta_text}".strip()


def _without_cta(script: str, cta: str) -> str:
    kept = [s for s in _SENTENCE_END.split(script) if not has_call_to_action(s, cta)]
    return " ".join(kept).strip()


def shorten_script(script: str, limit: int) -> str:
    """Whole sentences that fit in `limit` words, else the first sentence cut at a clause or word."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(script.strip()):
        if len(" ".join([*kept, sentence]).split()) > limit:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    words = script.split()[:limit]
    clause = [i for i, w in enumerate(words) if w[-1] in ",;:—" and i >= len(words) // 2]
    words = words[: clause[-1] + 1] if clause else words
    return " ".join(words).rstrip(",;:—-") + "…" if words else ""


def repair_scene(
    raw: Any,
    brief: Brief,
    scene: SceneDraft,
    others: Sequence[SceneDraft],
    *,
    constraints: Mapping | None = None,
    feedback: str | None = None,
) -> tuple[SceneDraft, list[str]]:
    """Repair one rewritten scene; it keeps its number and its place (first/last) among `others`.

    Raises ContentProblem for a refusal, placeholders, a scene repeating another, or a voice-over the
    reviewer did not ask to drop."""
    item = _single_item(raw)
    repairs: list[str] = []
    new = _scene_from(item, scene.scene_number, repairs)
    new.duration = _scene_duration(item, scene, constraints)
    if _first(item, *_SCRIPT_KEYS) is None:  # a missing script keeps the old one; "" is checked below
        new.script = scene.script
    if _first(item, *_ON_SCREEN_KEYS) is None:  # so does a missing on-screen text ("" removes it)
        new.on_screen_text = scene.on_screen_text
    _refuse_content(_rewrite_problems(new, scene, others, feedback))
    new.assets = _scene_assets(item, new, scene, others, brief, constraints, repairs)
    new.metadata = {**{k: v for k, v in scene.metadata.items() if k != "warnings"}, **new.metadata}
    numbers = [s.scene_number for s in others]
    if not others or scene.scene_number < min(numbers):
        new.transition = "fade"
    is_last = not others or scene.scene_number > max(numbers)
    if is_last:
        _ensure_call_to_action(new, brief.call_to_action, repairs)
    _fit_voice_over(new, brief.call_to_action if is_last else None, repairs)
    return new, repairs


def _rewrite_problems(
    new: SceneDraft, old: SceneDraft, others: Sequence[SceneDraft], feedback: str | None
) -> list[str]:
    problems = _scene_problems(new)
    for other in others:
        for what, mine, theirs in (
            ("description", new.description, other.description),
            ("script", new.script, other.script),
        ):
            if _plain(mine) and _plain(mine) == _plain(theirs):
                problems.append(f"the {what} repeats scene {other.scene_number}'s; write one for this scene")
    if not new.script and old.script and not asks_for_silence(feedback):
        problems.append("the scene lost its voice-over script, which the reviewer did not ask for; write its line")
    return problems


def _single_item(raw: Any) -> Any:
    data = _decode(raw)
    if isinstance(data, Mapping) and isinstance(data.get("scene"), Mapping):
        return data["scene"]
    if isinstance(data, Mapping) and any(isinstance(data.get(k), list) for k in LIST_KEYS):
        data = parse_scenes(data)
    if isinstance(data, list):
        if len(data) != 1:
            raise ReplyProblem(f"expected one scene object, got a list of {len(data)}")
        return data[0]
    return data


def _scene_duration(item: Any, scene: SceneDraft, constraints: Mapping | None) -> float:
    forced = _number((constraints or {}).get("duration"))
    if forced is not None:
        return forced  # the reviewer's duration is exact (contract 6.5)
    given = _number(item.get("duration")) or scene.duration
    return round(min(max(given, MIN_SCENE_SECONDS), MAX_SCENE_SECONDS), 1)


def _scene_assets(item, new, scene, others, brief, constraints, repairs) -> list[str]:
    known = {a.id for a in brief.assets}
    ids = new.assets if item.get("assets") is not None else list(scene.assets)
    dropped = [a for a in ids if a not in known]
    if dropped:
        repairs.append(f"dropped unknown asset ids: {', '.join(dropped)[:200]}")
    used_elsewhere = {a for s in others for a in s.assets}
    # An asset only this scene used must not vanish from the storyboard; nor may a required one.
    required = [a for a in scene.assets if a in known and a not in used_elsewhere]
    required += _id_list((constraints or {}).get("mustIncludeAssets"))
    return list(dict.fromkeys([*(a for a in ids if a in known), *(a for a in required if a in known)]))
