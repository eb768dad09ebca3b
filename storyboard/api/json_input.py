"""Request input both databases can store: JSON bodies parsed once, with bounded depth and size, and no text
(JSON, query string or form) that SQLite and Postgres would store differently or not at all.

Refused, the same on both backends: a JSON body over MAX_JSON_BODY_KB (413, before it is read), nesting
deeper than MAX_DEPTH (400), and, naming the field (422): NUL characters (Postgres text and jsonb cannot hold
them), lone surrogates (not Unicode: UTF-8 cannot encode them), integers outside 64 bits (SQLite's INTEGER;
Python refuses to parse more than 4,300 digits at all) and numbers that are not finite (1e309, NaN, Infinity).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import marshmallow as ma
from flask import current_app, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from storyboard import errors

MAX_DEPTH = 64
MAX_PROBLEMS = 10
INT64 = 2**63
# Text neither backend stores as given: NUL, and UTF-16 surrogates that are not part of a character.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class _Refused:
    """A number the JSON parser met and the API refuses; the walk reports it with its field."""

    def __init__(self, reason: str):
        self.reason = reason


_NOT_FINITE = _Refused("Not a finite number.")
_TOO_BIG = _Refused(f"Integer out of range (a 64-bit integer: -{INT64} to {INT64 - 1}).")


def _integer(text: str) -> int | _Refused:
    if len(text) > 20:  # never ask int() for thousands of digits
        return _TOO_BIG
    value = int(text)
    return value if -INT64 <= value < INT64 else _TOO_BIG


def _float(text: str) -> float | _Refused:
    value = float(text)
    return value if math.isfinite(value) else _NOT_FINITE


def loads(data: bytes | str) -> Any:
    """The JSON document in `data`, checked: InvalidInput (400) when nested too deep, ValidationError (422,
    per field) for text or numbers the API refuses; json.JSONDecodeError for anything that is not JSON."""
    try:
        value = json.loads(
            _decode(data), parse_int=_integer, parse_float=_float, parse_constant=lambda _name: _NOT_FINITE
        )
    except RecursionError:
        # The C parser stops near the interpreter's recursion limit, far deeper than MAX_DEPTH allows.
        raise _too_deep() from None
    problems = check(value)
    if problems:
        raise ma.ValidationError(problems)
    return value


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:  # reported as webargs reports it: 400 "Invalid JSON body."
        raise json.JSONDecodeError(f"Bytes decoding error: {exc.reason}", doc=str(exc.object), pos=exc.start) from exc


def _too_deep() -> errors.InvalidInput:
    return errors.InvalidInput(f"Invalid JSON body: nested deeper than {MAX_DEPTH} levels")


def check(value: Any) -> dict | list | None:
    """The refused values inside a parsed document, as marshmallow nests field errors
    ({"metadata": {"a": ["..."]}}), or None. Walks with its own stack, so depth costs no recursion."""
    found: list[tuple[tuple, str]] = []
    stack: list[tuple[Any, int, tuple | None]] = [(value, 1, None)]
    while stack and len(found) < MAX_PROBLEMS:
        node, depth, link = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise _too_deep()
            for key, child in node.items() if isinstance(node, dict) else enumerate(node):
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    reason = _text_reason(key)
                    found.append(((*_path(link), key), "In the field name: " + reason[0].lower() + reason[1:]))
                stack.append((child, depth + 1, (link, key)))
        elif isinstance(node, str) and _UNSTORABLE.search(node):
            found.append((_path(link), _text_reason(node)))
        elif isinstance(node, _Refused):
            found.append((_path(link), node.reason))
    return nest(found) if found else None


def _text_reason(text: str) -> str:
    if "\x00" in text:
        return "Must not contain NUL characters (\\u0000)."
    return "Not valid Unicode: a lone surrogate (\\ud800-\\udfff) that is not half of a pair."


def _path(link: tuple | None) -> tuple:
    """The keys from the document's root to a node (links are (parent link, key), built only when needed)."""
    keys = []
    while link is not None:
        link, key = link
        keys.append(key)
    return tuple(reversed(keys))


def _shown(key: Any) -> Any:
    """A key as an error may name it: refused characters written as escapes."""
    if not isinstance(key, str):
        return key
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", key)


def nest(found: list[tuple[tuple, str]]) -> dict | list:
    """[(path, reason)] as marshmallow's messages: a list at the root, else dicts keyed by field."""
    if any(not path for path, _ in found):
        return [reason for path, reason in found if not path]
    tree: dict = {}
    for path, reason in found:
        node = tree
        for part in map(_shown, path[:-1]):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            leaf = node.setdefault(_shown(path[-1]), [])
            if isinstance(leaf, list):
                leaf.append(reason)
    return tree


def refuse_unstorable_text(fields) -> None:
    """422 naming each form or query field (a MultiDict) whose name or value has NUL or a lone surrogate."""
    found = [
        ((name,), _text_reason(name if _UNSTORABLE.search(name) else value))
        for name, value in ((name or "", value) for name, value in fields.items(multi=True))  # a part may have no name
        if isinstance(value, str) and (_UNSTORABLE.search(name) or _UNSTORABLE.search(value))
    ]
    if found:
        raise ma.ValidationError(nest(found))


class Parser(FlaskParser):
    """webargs' Flask parser, reading JSON with `loads` and refusing unstorable text in query strings and forms."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))

    def load_querystring(self, req, schema):
        refuse_unstorable_text(req.args)
        return super().load_querystring(req, schema)

    def load_form(self, req, schema):
        refuse_unstorable_text(req.form)
        return super().load_form(req, schema)


def limit_body() -> None:
    """before_request: a body that is not a multipart upload holds MAX_JSON_BODY_KB at most, refused (413)
    before it is read; a path with NUL in it names nothing (the same 404 on both databases)."""
    if request.mimetype != "multipart/form-data":
        limit = current_app.config["MAX_JSON_BODY_KB"] * 1024
        if (request.content_length or 0) > limit:
            raise errors.PayloadTooLarge(
                f"Request body too large: at most {limit // 1024} KiB unless it is a multipart upload"
            )
        request.max_content_length = limit  # a body without Content-Length stops there too
    if "\x00" in request.path:
        raise errors.NotFound()
