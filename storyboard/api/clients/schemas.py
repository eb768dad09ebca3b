"""Client JSON shapes (contract 4.1, E-03/E-04)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.api.fields import IsoDateTime, ListArgsSchema, Trimmed, http_url, json_field_cap, name_field
from storyboard.models import iso_z
from storyboard.wire.base import DictDump, mapping, text, texts

_str_list = {"allow_none": True, "validate": validate.Length(max=50)}


class BrandGuidelinesSchema(Schema):
    colors = ma.fields.List(ma.fields.String(validate=validate.Length(max=100)), **_str_list)
    fonts = ma.fields.List(ma.fields.String(validate=validate.Length(max=100)), **_str_list)
    tone = ma.fields.String(allow_none=True, validate=validate.Length(max=500))
    restrictions = ma.fields.List(ma.fields.String(validate=validate.Length(max=500)), **_str_list)
    examples = ma.fields.List(ma.fields.String(validate=validate.Length(max=500)), **_str_list)


_dump_brand = DictDump(
    BrandGuidelinesSchema,
    (
        ("colors", "colors", texts),
        ("fonts", "fonts", texts),
        ("tone", "tone", text),
        ("restrictions", "restrictions", texts),
        ("examples", "examples", texts),
    ),
)


def dump_client(client) -> dict:
    """ClientSchema's dump, written by hand: a client list costs no marshmallow walk (tests/wire prove it)."""
    return {
        "id": text(client.id),
        "name": text(client.name),
        "description": text(client.description),
        "homepage": text(client.homepage),
        "brandGuidelines": _dump_brand(client.brand_guidelines),
        "metadata": mapping(client.meta),
        "createdAt": iso_z(client.created_at),
        "updatedAt": iso_z(client.updated_at),
    }


class ClientSchema(Schema):
    id = ma.fields.String(dump_only=True)
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    homepage = ma.fields.String(allow_none=True)
    brandGuidelines = ma.fields.Nested(BrandGuidelinesSchema, attribute="brand_guidelines", allow_none=True)
    metadata = ma.fields.Dict(attribute="meta", allow_none=True)
    createdAt = IsoDateTime(attribute="created_at", dump_only=True)
    updatedAt = IsoDateTime(attribute="updated_at", dump_only=True)

    dump_one = staticmethod(dump_client)


class ClientCreateSchema(Schema):
    name = name_field(required=True)
    description = Trimmed(allow_none=True, validate=validate.Length(max=5000))
    homepage = http_url(allow_none=True)
    brandGuidelines = ma.fields.Nested(
        BrandGuidelinesSchema,
        data_key="brandGuidelines",
        attribute="brand_guidelines",
        allow_none=True,
        validate=json_field_cap,
    )
    metadata = ma.fields.Dict(attribute="meta", allow_none=True, validate=json_field_cap)


class ClientUpdateSchema(ClientCreateSchema):
    name = name_field(allow_none=True)


class ClientStatsSchema(Schema):
    campaignCount = ma.fields.Integer()
    videoCount = ma.fields.Integer()
    totalSpend = ma.fields.Float()
    jobCount = ma.fields.Integer()
    assetCount = ma.fields.Integer()


class ClientListArgsSchema(ListArgsSchema):
    pass
