"""The base Schema and the field types every JSON shape uses: Z timestamps, trimmed strings, ids, URLs.

It also holds what hand-written dumps need to equal marshmallow's: the conversions each field type applies on
dump, and `pick` for dict-shaped values (a missing key is left out, as marshmallow leaves it out).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import marshmallow as ma
from flask import current_app, has_app_context
from marshmallow import validate

from storyboard.models import iso_z


class Schema(ma.Schema):
    """Base schema: unknown fields are ignored, as the original API did (owner ids are never loadable).

    A schema on a hot path may name `dump_one`, a hand-written dump of one object equal to marshmallow's for
    exactly its fields (tests/wire prove it on varied rows); `dump` then skips marshmallow's field-by-field
    walk. It is never inherited, and an instance narrowed by `only`, `exclude` or `load_only` ignores it.
    """

    class Meta:
        unknown = ma.EXCLUDE
        ordered = True

    dump_one: ClassVar[Callable[[Any], dict] | None] = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        narrowed = (
            self.only is not None
            or self.exclude != set(self.opts.exclude)
            or self.load_only != set(self.opts.load_only)
        )
        self._dump_one = None if narrowed else type(self).__dict__.get("dump_one")

    def dump(self, obj, *, many: bool | None = None):
        dump_one = self._dump_one
        if dump_one is None or obj is None:
            return super().dump(obj, many=many)
        if self.many if many is None else many:
            return [dump_one(item) for item in obj]
        return dump_one(obj)


class IsoDateTime(ma.fields.DateTime):
    """Dumps ISO-8601 UTC with milliseconds and a trailing Z (contract decision 0.1.3)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_z(value)


class Trimmed(ma.fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


DEFAULT_JSON_FIELD_KB = 64


class JsonSize(validate.Validator):
    """A free-form JSON value of at most MAX_JSON_FIELD_KB KiB (the app's setting), measured as compact UTF-8
    JSON: what a metadata, brief or storyboard field may hold, whatever the request body's own cap."""

    def __call__(self, value: Any) -> Any:
        config = current_app.config if has_app_context() else {}
        kb = config.get("MAX_JSON_FIELD_KB", DEFAULT_JSON_FIELD_KB)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > kb * 1024:
            raise ma.ValidationError(f"Too large: {size} bytes as JSON, at most {kb} KiB.")
        return value


json_field_cap = JsonSize()


class Computed(ma.fields.Function):
    """A value worked out from the object by `serialize`, documented in OpenAPI as the field `shape` (a String,
    a Nested schema, ...): what the value looks like, which a Function field alone cannot say."""

    def __init__(self, serialize: Callable[[Any], Any], shape: ma.fields.Field, **kwargs):
        kwargs["metadata"] = {**kwargs.get("metadata", {}), "shape": shape}
        super().__init__(serialize, **kwargs)


def sometimes(when: str, description: str | None = None) -> dict:
    """The metadata of a response field that is not always present (OpenAPI leaves it out of `required`)."""
    text = f"Present only {when}." + (f" {description.rstrip('.')}." if description else "")
    return {"x-optional": True, "description": text}


def http_url(**kwargs) -> ma.fields.Url:
    return ma.fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048), **kwargs)


def id_field(**kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(min=1, max=64), **kwargs)


# What each field type does to a value on dump (String, Integer, Float, Dict(), Boolean, List(String()));
# None stays None.
def text(value: Any) -> str | None:
    return None if value is None else str(value)


def integer(value: Any) -> int | None:
    return None if value is None else int(value)


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def mapping(value: Any) -> dict | None:
    return None if value is None else dict(value)


def unchanged(value: Any) -> Any:
    return value


def texts(value: Any) -> list | None:
    return None if value is None else [None if item is None else str(item) for item in value]


def many(convert: Callable[[Any], Any]) -> Callable[[Any], list | None]:
    """A List field's dump: each item converted, None kept."""
    return lambda value: None if value is None else [convert(item) for item in value]


Fields = tuple[tuple[str, str, Callable[[Any], Any]], ...]
_ABSENT = object()


def pick(data: dict, fields: Fields) -> dict:
    """A dict-shaped value dumped by `fields` ((JSON name, key, convert), in order); missing keys stay out."""
    out = {}
    for name, key, convert in fields:
        value = data.get(key, _ABSENT)
        if value is not _ABSENT:
            out[name] = convert(value)
    return out


class DictDump:
    """A Nested field's dump of dict-shaped values (a job's brief and progress are JSON columns): the schema's
    fields written as (JSON name, key, convert); anything but a dict goes to marshmallow, as before."""

    def __init__(self, schema: type[ma.Schema], fields: Fields):
        self.schema, self.fields = schema(), fields

    def __call__(self, value: Any) -> dict | None:
        if value is None:
            return None
        return pick(value, self.fields) if isinstance(value, dict) else ma.Schema.dump(self.schema, value)
