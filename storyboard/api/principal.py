"""Who is calling: a signed media link, cookie, X-API-Key or Bearer token becomes `g.principal`. A bad API
key, Bearer token or link signature counts against its address (api/limits.py); a bad cookie is skipped, as
the contract says, and not counted: it is a browser's stale session, not a guess (nor is an expired link)."""

from __future__ import annotations

import time

from flask import current_app, g, request

from storyboard import errors
from storyboard.api import csrf, limits
from storyboard.services import accounts, media_links
from storyboard.wire import links

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
    if "sig" in request.args and links.media_of(request.path):
        return _link_owner(secret)
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


def _link_owner(secret: str):
    """A media path with `?exp=&sig=` (wire/links.py) is opened by its link alone, whatever else was sent:
    403 when expired or tampered, 404 when the asset or job is gone."""
    exp = links.parse_expiry(request.args.get("exp"))
    if exp is not None and exp <= time.time():
        raise errors.Forbidden("Signed link expired")
    user = None if exp is None else media_links.user_for_signed_link(secret, request.path, exp, request.args["sig"])
    if user is None:
        limits.credential_failed()
        raise errors.Forbidden("Invalid link signature")
    return user


def principal():
    """The authenticated user of this request."""
    return g.principal
