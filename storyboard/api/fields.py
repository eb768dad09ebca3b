"""Field types shared by resource schemas: Z timestamps, trimmed strings, http(s) URLs, list args."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.wire.base import IsoDateTime, Trimmed, http_url, id_field, json_field_cap

__all__ = [
    "MAX_INT",
    "IsoDateTime",
    "ListArgsSchema",
    "MessageSchema",
    "Trimmed",
    "filter_alias",
    "http_url",
    "id_field",
    "json_field_cap",
    "name_field",
    "stored_integer",
]


def name_field(max_length: int = 200, **kwargs) -> Trimmed:
    return Trimmed(validate=validate.Length(min=1, max=max_length), **kwargs)


# The largest value an Integer column holds on both databases (Postgres INTEGER is 32-bit).
MAX_INT = 2**31 - 1


def stored_integer(value) -> None:
    """Validator of a loosely typed (Raw) field: an integer in it must fit an Integer column."""
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT - 1 <= value <= MAX_INT:
        raise ma.ValidationError(f"Integer out of range: at most {MAX_INT}.")


def filter_alias(of: str) -> ma.fields.String:
    """The camelCase spelling of the list filter `of` (frontends send `clientId` for `client_id`): the same filter."""
    return ma.fields.String(validate=validate.Length(max=64), metadata={"description": f"Same as {of}", "alias_of": of})


class ListArgsSchema(Schema):
    """limit and offset; a subclass's filters may have aliases (`filter_alias`). Other query parameters are
    ignored, as frontends send cache busters."""

    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))

    @ma.post_load
    def _fold_aliases(self, data: dict, **kwargs) -> dict:
        for name, field in self.load_fields.items():
            target = field.metadata.get("alias_of")
            if target and name in data:
                value = data.pop(name)
                if data.setdefault(target, value) != value:
                    raise ma.ValidationError(f"Give {target} or {name}, or both with the same value", name)
        return data


class MessageSchema(Schema):
    message = ma.fields.String(required=True)
