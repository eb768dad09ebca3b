"""Reading a language model's reply text: the JSON value inside it, and whether it is a refusal.

Pure functions on strings: the provider asks them about a whole reply, the storyboard rules about a reply and
about each scene's texts.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```[\w+-]*[ \t]*\n?(.*?)```", re.DOTALL)
_OPENER = re.compile(r"[\[{]")
_DECODER = json.JSONDecoder()
# Brackets tried as the start of JSON in prose: enough for any real reply, bounded for a hostile one.
_MAX_STARTS = 200

# Refusals, one line per language (English, German, French, Spanish, Portuguese, Italian, Japanese, Chinese,
# Arabic). Case is ignored; a "'" stands for any apostrophe and a space for any run of whitespace. Each one
# names an inability or the model speaking as an AI, so an ad line that merely says "sorry" is not one.
_CANNOT = r"(?:can't|cannot|can not|won't|will not|(?:am|'m) (?:unable|not able) to)"
REFUSAL_PATTERNS = (
    r"(?:(?:i'm |i am )?sorry|i apologi[sz]e),? (?:but )?i " + _CANNOT,
    r"i (?:can't|cannot|can not) (?:help|assist)(?: you)? with",
    r"i (?:can't|cannot|can not|won't|will not) (?:assist|comply|fulfil|fulfill|help you)",
    r"i(?: am|'m) (?:unable|not able) to (?:help|assist|comply|fulfil|fulfill|provide|create|write|generate|do th)",
    r"as an ai(?: language)? (?:model|assistant)|as an ai, i",
    r"i must (?:respectfully )?decline",
    r"(?:es tut mir leid|entschuldigung),? (?:aber )?ich (?:kann|darf|bin (?:leider )?nicht in der lage)",
    r"ich kann (?:ihnen |dir )?(?:dabei |damit |hierbei |bei dieser anfrage )?(?:leider )?nicht (?:helfen|behilflich)",
    r"ich bin (?:leider )?nicht in der lage,? (?:ihnen |dir )?(?:dabei |damit |hierbei |diese |das )?(?:zu )?hel",
    r"als (?:eine? )?(?:ki|künstliche intelligenz)(?:-sprachmodell| sprachmodell|-assistent)?,? (?:kann|darf|bin)",
    r"als (?:ein )?(?:ki-)?sprachmodell",
    r"(?:je suis )?désolée?,? (?:mais )?je ne (?:peux|suis pas en mesure|pourrai)",
    r"je ne (?:peux|suis pas en mesure de) (?:pas )?(?:vous |t')?(?:aider|assister|répondre|fournir|satisfaire)",
    r"en tant qu(?:e |')(?:ia|intelligence artificielle|modèle de langage|assistant)",
    r"lo siento,? (?:pero )?no (?:puedo|me es posible)",
    r"no (?:puedo|me es posible) (?:ayudar|asistir|cumplir|proporcionar|crear|generar)",
    r"como (?:un )?modelo de lenguaje|como (?:una )?(?:ia|inteligencia artificial),",
    r"(?:desculpe|sinto muito|lamento),? (?:mas )?(?:eu )?não (?:posso|consigo|sou capaz)",
    r"não (?:posso|consigo) (?:ajudar|atender|auxiliar|fornecer|criar|gerar)",
    r"como (?:um )?modelo de linguagem|como uma (?:ia|inteligência artificial),",
    r"mi dispiace,? (?:ma )?non (?:posso|sono in grado)",
    r"non (?:posso|sono in grado di) (?:aiutar|assister|fornire|soddisfare)",
    r"come (?:un )?modello (?:linguistico|di linguaggio)|in quanto (?:ia|intelligenza artificiale|modello linguistico)",
    r"申し訳(?:ありません|ございません)が[^。！!?？\n]{0,40}(?:できません|いたしかねます)",
    r"(?:お手伝い|ご協力|ご対応|対応|お応え|回答|ご提供|提供)(?:は|が|すること(?:は|が))?(?:できません|いたしかねます)",
    r"ai言語モデルとして|言語モデルとして、",
    r"(?:抱歉|对不起)[，,]?\s*我?(?:无法|不能)|作为一个?(?:ai|人工智能)(?:语言模型|助手)",
    r"(?:عذرًا|عذرا|آسف)[،,]? (?:لكن(?:ني)? )?لا (?:أستطيع|يمكنني)|لا يمكنني (?:المساعدة|مساعدتك)",
)


def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    def one(pattern: str) -> str:
        body = pattern.replace("'", "['’ʼ]").replace(" ", r"\s+")
        # A phrase starts where no Latin letter precedes it ("has an AI model" is not "as an AI model");
        # Japanese, Chinese and Arabic words follow their neighbours without a space.
        return rf"(?<![a-z\u00c0-\u024f])(?:{body})"

    return re.compile("|".join(one(p) for p in patterns), re.IGNORECASE)


_REFUSAL = _compiled(REFUSAL_PATTERNS)


def extract_json(text: str) -> Any:
    """The JSON value in a reply: the whole text, the first fenced block that parses (prose around it
    allowed), or else the first top-level object or array in prose (one holding objects or lists is
    preferred over one of bare values such as "[1]").

    Raises ValueError when there is none, including when the JSON is cut off (the reply ends inside it)."""
    value = _loads(text.strip())
    if value is not _NONE:
        return value
    blocks = _FENCE.findall(text)
    for block in blocks:
        value = _loads(block.strip())
        if value is not _NONE:
            return value
    # In prose, a fenced block is read on its own: JSON cut off inside it ends at its closing fence.
    for part in (*blocks, _FENCE.sub("\n", text)):
        value = _in_prose(part)
        if value is not _NONE:
            return value
    raise ValueError("the reply holds no JSON")


def refusal_in(text: str) -> str | None:
    """The refusal phrase as `text` writes it ("I'm sorry, but I can't") when the text is a refusal, else None."""
    found = _REFUSAL.search(text) if text else None
    return " ".join(found.group(0).split()) if found else None


_NONE = object()  # "no JSON here" (None is a JSON value)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # deep nesting in hostile text is no JSON either
        return _NONE


def _in_prose(text: str) -> Any:
    """The first top-level JSON container, scanning openers left to right; stops at one the text cuts off,
    since every later opener is inside it."""
    first, at, tried = _NONE, 0, 0
    while tried < _MAX_STARTS and (opener := _OPENER.search(text, at)):
        tried += 1
        try:
            value, end = _DECODER.raw_decode(text, opener.start())
        except json.JSONDecodeError as exc:
            if _cut_off(exc, text):
                break
            at = opener.start() + 1
            continue
        except RecursionError:
            at = opener.start() + 1
            continue
        if _holds_containers(value):
            return value
        if first is _NONE and value:
            first = value
        at = end
    return first


def _cut_off(exc: json.JSONDecodeError, text: str) -> bool:
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip())


def _holds_containers(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value)
    return any(isinstance(item, dict | list) for item in value)
