"""Who is calling: cookie, X-API-Key or Bearer token becomes `g.principal`. A bad API key or Bearer token
counts against its address (api/limits.py); a bad cookie is skipped, as the contract says, and not counted:
it is a browser's stale session, not a guess."""

from __future__ import annotations

from flask import current_app, g, request

from storyboard import errors
from storyboard.api import csrf, limits
from storyboard.services import accounts

# Paths under /api that answer without credentials.
PUBLIC_PATHS = {"/api/auth/login", "/api/auth/logout", "/api/v3/openapi.json"}
PUBLIC_PREFIXES = ("/api/v3/docs",)


def needs_auth(path: str) -> bool:
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return False
    return path.startswith("/api/")


def authenticate() -> None:
    """before_request hook: every /api route except the public ones needs a valid credential."""
    if request.method == "OPTIONS":
        return
    if not needs_auth(request.path):
        csrf.check_login()
        return
    g.principal = _principal()


def _principal():
    secret = current_app.config["SECRET_KEY"]
    cookie = request.cookies.get("access_token")
    if cookie and (user := accounts.user_for_token(cookie, secret)):
        csrf.check_cookie_request()
        return user
    api_key = request.headers.get("X-API-Key")
    if api_key and (user := accounts.user_for_api_key(api_key)):
        return user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        user = accounts.user_for_token(token, secret) or accounts.user_for_api_key(token)
        if user is None:
            limits.credential_failed()
            raise errors.Unauthorized("Could not validate credentials")
        return user
    if api_key:
        limits.credential_failed()
    raise errors.Unauthorized("Not authenticated. Login required.")


def principal():
    """The authenticated user of this request."""
    return g.principal
