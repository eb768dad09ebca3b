"""The document's schemas split by direction, so generated types say what is sent and what comes back.

A schema that requests use (a body, directly or nested) is an input: its `default`s go into the description
(the server fills them in; a generator must not make the field required because it has a default) and its
read-only properties go. A schema that responses use is an output: every property is `required` unless its
field says `sometimes(...)` (metadata `x-optional`), and write-only properties go. A schema used both ways (the
brief that a job echoes as `request`, a client's brand guidelines) stays the input under its own name and
gets a copy `<name>Output` for the responses. That copy requires nothing: it echoes what was stored, and rows
written before the service (migrated from the original) or by hand keep other spellings, which the dump leaves
out.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

PREFIX = "#/components/schemas/"
OUTPUT_SUFFIX = "Output"


def refs_in(node) -> Iterator[str]:
    """The schema names that `node` (any part of the document) refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX):
            yield ref[len(PREFIX) :]
        for value in node.values():
            yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def closure(roots, schemas: dict) -> set[str]:
    """`roots` and every schema they lead to."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(refs_in(schemas[name]))
    return seen


def _operations(doc: dict) -> Iterator[dict]:
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method != "parameters" and isinstance(operation, dict):
                yield operation


def directions(doc: dict) -> tuple[set[str], set[str]]:
    """(schemas requests use, schemas responses use)."""
    schemas = doc["components"]["schemas"]
    sent = [name for op in _operations(doc) for name in refs_in(op.get("requestBody", {}))]
    answered = [name for op in _operations(doc) for name in refs_in(op.get("responses", {}))]
    answered += refs_in(doc["components"].get("responses", {}))
    return closure(sent, schemas), closure(answered, schemas)


def _retarget(node, names: set[str]) -> None:
    """Point every reference to one of `names` at its Output copy."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX) and ref[len(PREFIX) :] in names:
            node["$ref"] = ref + OUTPUT_SUFFIX
        for value in node.values():
            _retarget(value, names)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, names)


def as_input(schema: dict) -> None:
    properties = schema.get("properties", {})
    for name in [n for n, prop in properties.items() if prop.get("readOnly")]:
        del properties[name]
    for prop in properties.values():
        prop.pop("x-optional", None)
        if "default" in prop:
            default = json.dumps(prop.pop("default"))
            prop["description"] = " ".join(filter(None, [prop.get("description"), f"Default: {default}."]))
    _drop_from_required(schema)


def as_output(schema: dict, *, echo: bool) -> None:
    properties = schema.get("properties", {})
    for name in [n for n, prop in properties.items() if prop.get("writeOnly")]:
        del properties[name]
    required = []
    for name, prop in properties.items():
        optional = prop.pop("x-optional", False)
        if not (echo or optional):
            required.append(name)
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)


def _drop_from_required(schema: dict) -> None:
    properties = schema.get("properties", {})
    required = [name for name in schema.get("required", ()) if name in properties]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)


def split(doc: dict) -> None:
    """Make every schema an input, an output, or both (an input and its Output copy); see the module doc."""
    schemas = doc["components"]["schemas"]
    sent, answered = directions(doc)
    both = sent & answered
    for name in sorted(both):
        schemas[name + OUTPUT_SUFFIX] = copy.deepcopy(schemas[name])
    for name in answered:
        target = name + OUTPUT_SUFFIX if name in both else name
        _retarget(schemas[target], both)
        as_output(schemas[target], echo=name in both)
    for operation in _operations(doc):
        _retarget(operation.get("responses", {}), both)
    _retarget(doc["components"].get("responses", {}), both)
    for name in sent:
        as_input(schemas[name])
    for name in [name for name in schemas if name not in sent | answered and not name.endswith(OUTPUT_SUFFIX)]:
        del schemas[name]  # flask-smorest's PaginationMetadata: nothing uses it


def prune_responses(doc: dict) -> None:
    """Drop the response components no operation refers to (flask-smorest's own 422, once ours replaced it)."""
    used = set()
    for operation in _operations(doc):
        for response in operation.get("responses", {}).values():
            used.add(response.get("$ref", "").rsplit("/", 1)[-1])
    responses = doc["components"].get("responses", {})
    for name in [name for name in responses if name not in used]:
        del responses[name]


_NULL_OBJECT = {"type": "object", "nullable": True}


def nullable_refs(node) -> None:
    """apispec writes a nullable Nested field as anyOf [a nullable empty object, the schema], which generators
    read as "an object with no properties, or the schema"; say "the schema, or null" instead."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and _NULL_OBJECT in options:
            ref = options[1 - options.index(_NULL_OBJECT)]
            if "$ref" in ref:
                del node["anyOf"]
                node.update(allOf=[ref], nullable=True)
        for value in node.values():
            nullable_refs(value)
    elif isinstance(node, list):
        for value in node:
            nullable_refs(value)
