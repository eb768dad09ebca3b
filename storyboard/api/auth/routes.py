"""/api/auth: login (JWT in body and HttpOnly cookie), logout, and API keys."""

from __future__ import annotations

from flask import after_this_request, current_app, request
from flask.views import MethodView

from storyboard.api import limits
from storyboard.api.auth.schemas import ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeySchema, LoginSchema, TokenSchema
from storyboard.api.base import Blueprint
from storyboard.api.fields import MessageSchema
from storyboard.api.principal import principal
from storyboard.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Login and API keys")


def _on_response(change) -> None:
    """Apply `change` to this request's response (the blueprint still builds the envelope)."""

    @after_this_request
    def _apply(response):
        change(response)
        return response


def _cookie() -> dict:
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
        with limits.login_attempt(form["username"]):
            user, token = accounts.login(form["username"], form["password"], current_app.config["SECRET_KEY"], minutes)
        _on_response(lambda response: response.set_cookie("access_token", token, max_age=minutes * 60, **_cookie()))
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": minutes * 60,
            "message": "Login successful",
            "username": user.username,
        }


def _presented_tokens() -> list[str]:
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    tokens = [request.cookies.get("access_token", ""), bearer if scheme.lower() == "bearer" else ""]
    return [token for token in tokens if token]


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(200, MessageSchema)
    def post(self):
        """End the presented login token (cookie and Bearer) and clear the cookie."""
        accounts.logout(_presented_tokens(), current_app.config["SECRET_KEY"])
        _on_response(lambda response: response.delete_cookie("access_token", **_cookie()))
        return {"message": "Logout successful"}


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
