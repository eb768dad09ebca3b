"""Cross-site request refusal for the login cookie: browsers attach it to requests any site starts, so a
state change it authenticates, and a login itself, must come from an allowed origin.

Allowed: the service's own origin and CORS_ORIGINS (`*` there allows any, as it does for CORS). The origin is
the Origin header, or the Referer's when Origin is absent. Browsers send Origin on every cross-site POST, so a
login with neither comes from a non-browser client and is let through; a cookie-authenticated change with
neither is refused. Requests that name an X-API-Key or Authorization header are not checked: no page of
another origin can add those headers without passing CORS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from storyboard import errors

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_login() -> None:
    """A login (or logout) started by a page of a foreign origin is refused with 403."""
    if request.method in STATE_CHANGING:
        _refuse_foreign(required=False)


def check_cookie_request() -> None:
    """A state change authenticated by the login cookie needs an allowed Origin (or Referer): else 403."""
    if request.method not in STATE_CHANGING:
        return
    if request.headers.get("X-API-Key") or request.headers.get("Authorization"):
        return
    _refuse_foreign(required=True)


def _refuse_foreign(*, required: bool) -> None:
    origin = request_origin()
    if origin is None:
        if required:
            raise errors.Forbidden("Cross-site request refused: a request made with the login cookie needs Origin")
        return
    if not _allowed(origin):
        raise errors.Forbidden("Cross-site request refused: this Origin is not allowed")


def request_origin() -> str | None:
    """scheme://host[:port] of the page that sent this request (Origin, else Referer), or None when unknown."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return None
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
    return _normal(origin)


def _allowed(origin: str) -> bool:
    allowed = {_normal(o) for o in current_app.config["CORS_ORIGINS"]}
    return origin == _normal(request.host_url) or origin in allowed or "*" in allowed


def _normal(origin: str) -> str:
    return origin.strip().rstrip("/").lower()
