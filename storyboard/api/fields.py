"""Field types shared by resource schemas: Z timestamps, trimmed strings, http(s) URLs, list args."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.models import iso_z


class IsoDateTime(ma.fields.DateTime):
    """Dumps ISO-8601 UTC with milliseconds and a trailing Z (contract decision 0.1.3)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_z(value)


class Trimmed(ma.fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def name_field(max_length: int = 200, **kwargs) -> Trimmed:
    return Trimmed(validate=validate.Length(min=1, max=max_length), **kwargs)


def http_url(**kwargs) -> ma.fields.Url:
    return ma.fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048), **kwargs)


MAX_INT = 2**31 - 1


class ListArgsSchema(Schema):
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))


class MessageSchema(Schema):
    message = ma.fields.String(required=True)


def id_field(**kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(min=1, max=64), **kwargs)
