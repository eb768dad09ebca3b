"""/api/auth: login (JWT in body and HttpOnly cookie), logout, and API keys."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, jsonify, make_response
from flask.views import MethodView
from marshmallow import validate

from storyboard.api.auth import principal
from storyboard.api.base import Blueprint, Schema
from storyboard.api.fields import IsoDateTime, MessageSchema, name_field
from storyboard.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Login and API keys")


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


def _cookie_kwargs() -> dict:
    return {
        "httponly": True,
        "samesite": "Lax",
        "path": "/",
        "secure": current_app.config["ENVIRONMENT"] == "production",
    }


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(LoginSchema, location="form")
    @blp.response(200, TokenSchema)
    def post(self, form):
        """Log in with username and password; the token comes in the body and as a cookie."""
        minutes = current_app.config["ACCESS_TOKEN_EXPIRE_MINUTES"]
        user, token = accounts.login(form["username"], form["password"], current_app.config["SECRET_KEY"], minutes)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": minutes * 60,
            "message": "Login successful",
            "username": user.username,
        }
        response = make_response(jsonify(blp._prepare_response_content(TokenSchema().dump(body))))
        response.set_cookie("access_token", token, max_age=minutes * 60, **_cookie_kwargs())
        return response


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(200, MessageSchema)
    def post(self):
        """Clear the login cookie."""
        response = make_response(jsonify(blp._prepare_response_content({"message": "Logout successful"})))
        response.delete_cookie("access_token", **_cookie_kwargs())
        return response


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.response(200, ApiKeySchema(many=True))
    def get(self):
        """List your API keys (never the keys themselves)."""
        return accounts.list_api_keys(principal())

    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    def post(self, data):
        """Create an API key; the key is shown once, in this response."""
        key, plain = accounts.create_api_key(principal(), data["name"], data.get("expires_days"))
        key.api_key = plain  # shown once: never stored, only dumped in this response
        return key


@blp.route("/api-keys/<key_id>")
class ApiKeyById(MethodView):
    @blp.response(200, MessageSchema)
    def delete(self, key_id):
        """Revoke an API key."""
        accounts.revoke_api_key(principal(), key_id)
        return {"message": "API key revoked successfully"}
