"""Rate limits. Requests: RATE_LIMIT_DEFAULT for every request and RATE_LIMIT_CREATE on top for the expensive
creates (`EXPENSIVE`), counted per API key once the caller is known (per user for a login token or cookie),
else per client address; every answer says where its budget stands (RateLimit-Limit, -Remaining, -Reset,
-Policy), and one over it is 429 with the envelope and Retry-After. RATE_LIMIT_ENABLED=false turns them off.
Guessing, counted per failure: logins per username and per client address (LOGIN_RATE_LIMIT), bad API keys
and Bearer tokens per client address (API_KEY_FAILURE_LIMIT). Over a limit: 429 with the envelope and
Retry-After.

Request limits run after authentication, so a request refused for its credentials (401, counted by the
failure limits) never spends a budget, and the probes and the scrape (/healthz, /readyz, /metrics) are never
refused.

Only failures count, so a user who logs in often, or a client whose keys are valid, is never slowed. A login
is refused once its username or its address has spent its failures, before the password is checked, even a
right one: a 200 among the 429s would still tell a guesser which password is right. A valid key or token is
never refused: they are far too long to guess, so this limit bounds the work a flood of bad ones costs (and
makes it visible) while a client that shares an address with the flood keeps working. A username's limit
can be spent by someone else (anyone may fail its logins): that locks it for one window at most. Attempts
are checked before they fail, so a burst of simultaneous ones may pass the check together: the limit is then
exceeded by at most the number of logins the server runs at once (gunicorn workers × threads).

flask-limiter's moving window: at most N failures in any window, in Redis when REDIS_URL is set (one count for
every process), in this process's memory otherwise. A Redis that does not answer is not a reason to fail a
request: the counts go to memory for STORAGE_RETRY_SECONDS, then Redis is tried again.

The client address is `request.remote_addr`: the peer, or, with TRUSTED_PROXIES set, the address the proxies
in front of gunicorn recorded in X-Forwarded-For (ProxyFix in create_app).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import abort
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from storyboard import errors
from storyboard.queue import prefixed

log = logging.getLogger(__name__)

EXTENSION = "storyboard_limits"
STORAGE_RETRY_SECONDS = 30
# The creates that cost real work (an LLM call, a download, a render), under RATE_LIMIT_CREATE as well:
# (method, URL rule). Every job action is one of them: approve starts a render, the others may call the LLM.
EXPENSIVE = frozenset(
    {
        ("POST", "/api/v3/jobs"),
        ("POST", "/api/v3/assets/from-url"),
        ("POST", "/api/v3/assets/from-urls"),
        ("POST", "/api/v3/jobs/<job_id>/actions"),
        ("POST", "/api/v3/jobs/<job_id>/scenes/<scene>/regenerate"),
    }
)
# Never refused: liveness, readiness and the metrics scrape must answer however busy an address is.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
API_KEY_PREFIX = "sk_"  # services.accounts.KEY_PREFIX: a Bearer credential that is an API key, not a token
CALLERS = {"api-key": "API key", "user": "user", "address": "address"}
# What a browser's script may read of a cross-origin answer (CORS), besides the defaults.
EXPOSED_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After")


class Guard:
    """This app's failure counts: flask-limiter's storage and strategy, and a memory fallback for outages."""

    def __init__(self, app):
        config = app.config
        self.login = parse_many(config["LOGIN_RATE_LIMIT"])
        self.credentials = parse_many(config["API_KEY_FAILURE_LIMIT"])
        self.requests_limited = bool(config.get("RATE_LIMIT_ENABLED", True))
        self.requests = parse_many(config.get("RATE_LIMIT_DEFAULT") or "1200/minute")
        self.creates = parse_many(config.get("RATE_LIMIT_CREATE") or "120/minute")
        redis_url = config.get("REDIS_URL")
        options = {}
        if redis_url:
            options = {
                # Keys of their own, so resetting the limits never touches queue data (or another app's limits).
                "key_prefix": prefixed(config.get("RQ_QUEUE_PREFIX", ""), "storyboard-limits"),
                "socket_timeout": config.get("REDIS_SOCKET_TIMEOUT_SECONDS", 2),
                "socket_connect_timeout": config.get("REDIS_CONNECT_TIMEOUT_SECONDS", 2),
            }
        self.limiter = Limiter(
            get_remote_address,
            storage_uri=redis_url or "memory://",
            storage_options=options,
            strategy="moving-window",
        )
        self.limiter.init_app(app)
        self.fallback: RateLimiter = MovingWindowRateLimiter(MemoryStorage())
        self._redis_retry_at = 0.0

    def _run(self, call):
        if time.monotonic() < self._redis_retry_at:
            return call(self.fallback)
        try:
            return call(self.limiter.limiter)
        except self.limiter.storage.base_exceptions:
            log.warning("rate-limit storage does not answer: counting in memory for %s s", STORAGE_RETRY_SECONDS)
            self._redis_retry_at = time.monotonic() + STORAGE_RETRY_SECONDS
            return call(self.fallback)

    def spent(self, items: list[RateLimitItem], keys: list[tuple[str, ...]]) -> int:
        """Seconds until every budget in items × keys has room again; 0 when all have room now."""

        def wait(strategy: RateLimiter) -> int:
            full = [(item, key) for item in items for key in keys if not strategy.test(item, *key)]
            resets = [strategy.get_window_stats(item, *key).reset_time for item, key in full]
            return max((max(1, math.ceil(reset - time.time())) for reset in resets), default=0)

        return self._run(wait)

    def hit(self, items: list[RateLimitItem], keys: list[tuple[str, ...]]) -> bool:
        """Count one failure in items × keys; False when one of them had no room left."""
        return self._run(lambda strategy: all([strategy.hit(item, *key) for item in items for key in keys]))

    def take(self, items: list[RateLimitItem], key: tuple[str, ...]) -> tuple[bool, RateLimitItem, int, float]:
        """Spend one request of each budget in `items` for `key`: (all had room, the tightest budget, what is
        left of it, when its window has room again as a unix time)."""

        def spend(strategy: RateLimiter):
            allowed = all([strategy.hit(item, *key) for item in items])
            stats = [(strategy.get_window_stats(item, *key), item) for item in items]
            window, item = min(stats, key=lambda pair: pair[0].remaining)
            return allowed, item, max(0, window.remaining), window.reset_time

        return self._run(spend)

    def reset(self) -> None:
        """Forget every count (tests)."""
        self.limiter.reset()
        self.fallback.storage.reset()


def init_app(app) -> None:
    """Check the limits' syntax now (a typo fails at start), bind this app's storage, and count every request
    (the hook runs after authentication, which create_app installs first)."""
    try:
        app.extensions[EXTENSION] = Guard(app)
    except ValueError as exc:
        names = "LOGIN_RATE_LIMIT / API_KEY_FAILURE_LIMIT / RATE_LIMIT_DEFAULT / RATE_LIMIT_CREATE"
        raise RuntimeError(f"{names}: {exc}") from exc
    app.before_request(count_request)
    app.after_request(_budget_headers)


def _guard() -> Guard:
    return current_app.extensions[EXTENSION]


def _address() -> str:
    return get_remote_address()


@contextmanager
def login_attempt(username: str) -> Iterator[None]:
    """Around a login: 429 when this username or this address has no failures left; a wrong password counts
    one failure for each."""
    guard = _guard()
    keys = [("login-user", username), ("login-address", _address())]
    if wait := guard.spent(guard.login, keys):
        _refuse("Too many failed login attempts, try again later", wait)
    try:
        yield
    except errors.Unauthorized:
        guard.hit(guard.login, keys)
        raise


def credential_failed() -> None:
    """A request whose API key or Bearer token was not valid: counted for its address, 429 once over."""
    guard = _guard()
    keys = [("credential-address", _address())]
    if not guard.hit(guard.credentials, keys):
        _refuse("Too many failed authentication attempts, try again later", guard.spent(guard.credentials, keys))


def _refuse(message: str, wait: int) -> None:
    abort(429, message=message, headers={"Retry-After": str(max(1, wait))})


def count_request() -> None:
    """before_request: spend this request from its caller's budgets; 429 once one of them is spent."""
    guard = _guard()
    if not guard.requests_limited or request.method == "OPTIONS" or request.path in UNLIMITED_PATHS:
        return
    kind, key = _caller()
    items = list(guard.requests)
    rule = request.url_rule
    if rule is not None and (request.method, rule.rule) in EXPENSIVE:
        items += guard.creates
    allowed, item, remaining, reset_at = guard.take(items, ("requests", kind, key))
    wait = max(1, math.ceil(reset_at - time.time()))
    g.rate_limit_headers = headers = {
        "RateLimit-Limit": str(item.amount),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(wait),
        "RateLimit-Policy": ", ".join(f"{i.amount};w={i.get_expiry()}" for i in items),
    }
    if not allowed:
        message = f"Too many requests: at most {item} for this {CALLERS[kind]}; try again in {wait} s"
        abort(429, message=message, headers={**headers, "Retry-After": str(wait)})


def _caller() -> tuple[str, str]:
    """Whose budget a request spends: its API key's, its user's (a login token or cookie), or its address's.

    An API key counts for itself only when it is the request's one credential, since then it is the one that
    authenticated: a valid token beside made-up keys must not earn a budget per made-up key."""
    user = g.get("principal")
    if user is None:
        return "address", _address()
    key = request.headers.get("X-API-Key")
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    bearer = bearer.strip() if scheme.lower() == "bearer" else ""
    if "access_token" not in request.cookies and bool(key) != bool(bearer):
        plain = key or bearer
        if plain.startswith(API_KEY_PREFIX):
            return "api-key", hashlib.sha256(plain.encode()).hexdigest()
    return "user", _user_id(user)


def _user_id(user) -> str:
    from sqlalchemy import inspect

    identity = inspect(user).identity  # the key without a query, even after a commit expired the row
    return str(identity[0]) if identity else ""


def _budget_headers(response):
    for name, value in (g.get("rate_limit_headers") or {}).items():
        response.headers.setdefault(name, value)
    return response
