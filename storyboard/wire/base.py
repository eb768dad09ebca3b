"""The base Schema and the field types every JSON shape uses: Z timestamps, trimmed strings, ids, URLs."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.models import iso_z


class Schema(ma.Schema):
    """Base schema: unknown fields are ignored, as the original API did (owner ids are never loadable)."""

    class Meta:
        unknown = ma.EXCLUDE
        ordered = True


class IsoDateTime(ma.fields.DateTime):
    """Dumps ISO-8601 UTC with milliseconds and a trailing Z (contract decision 0.1.3)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_z(value)


class Trimmed(ma.fields.String):
    """A string with surrounding whitespace removed before validation."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def http_url(**kwargs) -> ma.fields.Url:
    return ma.fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048), **kwargs)


def id_field(**kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(min=1, max=64), **kwargs)
