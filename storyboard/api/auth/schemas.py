"""Login and API key JSON shapes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.api.fields import IsoDateTime, name_field


class LoginSchema(Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer()
    message = ma.fields.String()
    username = ma.fields.String()


class ApiKeyCreateSchema(Schema):
    name = name_field(max_length=100, required=True)
    expires_days = ma.fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3650))


class ApiKeySchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    prefix = ma.fields.String()
    is_active = ma.fields.Boolean()
    created_at = IsoDateTime()
    last_used = IsoDateTime(allow_none=True)
    expires_at = IsoDateTime(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    api_key = ma.fields.String()
