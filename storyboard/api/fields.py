"""Field types shared by resource schemas: Z timestamps, trimmed strings, http(s) URLs, list args."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.wire.base import IsoDateTime, Trimmed, http_url, id_field

__all__ = ["MAX_INT", "IsoDateTime", "ListArgsSchema", "MessageSchema", "Trimmed", "http_url", "id_field", "name_field"]


def name_field(max_length: int = 200, **kwargs) -> Trimmed:
    return Trimmed(validate=validate.Length(min=1, max=max_length), **kwargs)


MAX_INT = 2**31 - 1


class ListArgsSchema(Schema):
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))


class MessageSchema(Schema):
    message = ma.fields.String(required=True)
