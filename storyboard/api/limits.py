"""Limits on guessing, counted per failure: logins per username and per client address (LOGIN_RATE_LIMIT), bad
API keys and Bearer tokens per client address (API_KEY_FAILURE_LIMIT). Over a limit: 429 with the envelope
and Retry-After.

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

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import abort
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from storyboard import errors

log = logging.getLogger(__name__)

EXTENSION = "storyboard_limits"
STORAGE_RETRY_SECONDS = 30


class Guard:
    """This app's failure counts: flask-limiter's storage and strategy, and a memory fallback for outages."""

    def __init__(self, app):
        config = app.config
        self.login = parse_many(config["LOGIN_RATE_LIMIT"])
        self.credentials = parse_many(config["API_KEY_FAILURE_LIMIT"])
        redis_url = config.get("REDIS_URL")
        options = {}
        if redis_url:
            options = {
                # Keys of their own, so resetting the limits never touches queue data (or another app's limits).
                "key_prefix": f"{config.get('RQ_QUEUE_PREFIX', '')}storyboard-limits",
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

    def reset(self) -> None:
        """Forget every count (tests)."""
        self.limiter.reset()
        self.fallback.storage.reset()


def init_app(app) -> None:
    """Check the limits' syntax now (a typo fails at start) and bind this app's storage."""
    try:
        app.extensions[EXTENSION] = Guard(app)
    except ValueError as exc:
        raise RuntimeError(f"LOGIN_RATE_LIMIT / API_KEY_FAILURE_LIMIT: {exc}") from exc


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
