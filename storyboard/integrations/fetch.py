"""Streams a URL into a file object under an SSRF policy, a size cap and a total deadline."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from storyboard import errors, metrics
from storyboard.integrations.hashing import BackgroundSha256
from storyboard.integrations.http_session import REFUSED, hardened_session, ip_allowed

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
CHUNK_SIZE = 65536
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# glibc reads these as IPv4 numbers (2130706433, 0x7f000001, 0177.0.0.1, 127.1): only canonical quads pass.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    deadline_seconds: float
    allowed_domains: tuple[str, ...] = ()
    allowed_ports: tuple[int, ...] = (80, 443)
    # Tests only: loopback (not other private ranges) becomes reachable, on any port.
    allow_private: bool = False
    max_redirects: int = 5
    user_agent: str = "AdVideoGeneration/1.0"


@dataclass(frozen=True)
class FetchResult:
    final_url: str
    size: int
    sha256: str
    content_type: str | None


def _refused() -> errors.Unprocessable:
    return errors.Unprocessable("URL not allowed")


def _timed_out() -> errors.UpstreamTimeout:
    return errors.UpstreamTimeout("Download timed out")


def _has_bad_chars(text: str) -> bool:
    return any(ch.isspace() or ord(ch) < 32 or ch in "\x7f\\" for ch in text)


def _idna(name: str) -> str:
    try:
        return name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _refused() from None


def _canonical_host(hostname: str | None, allow_private: bool) -> str:
    """The host in ASCII form, refused unless it is a plain DNS name or an allowed canonical IP literal."""
    if not hostname or "%" in hostname:
        raise _refused()
    if ":" in hostname:
        return _checked_ip(hostname, allow_private)
    host = _idna(hostname).removesuffix(".")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _refused()
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return _checked_ip(host, allow_private)
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise _refused()
    return host


def _checked_ip(text: str, allow_private: bool) -> str:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise _refused() from None
    # Only IPv4 has the numeric-trick spellings; IPv6 may be written in any valid form.
    if (ip.version == 4 and str(ip) != text) or not ip_allowed(ip, allow_loopback=allow_private):
        raise _refused()
    return text


def _domain_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    """Exact match, or `*.suffix` matching strictly below the suffix; never a substring match."""
    if not patterns:
        return True
    for pattern in patterns:
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return True
        if host == pattern:
            return True
    return False


def _normalise_patterns(domains: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = [d.strip().lower().removesuffix(".") for d in domains if d.strip()]
    if not cleaned or "*" in cleaned:
        return ()
    return tuple(("*." + _idna(d[2:])) if d.startswith("*.") else _idna(d) for d in cleaned)


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The live socket under a streamed response.

    http.client forgets `connection.sock` when the server will close the connection, so fall back to the
    socket behind the response's file object (stdlib SocketIO); None only if both shapes ever change.
    """
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is None:
        reader = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock


class _Watchdog:
    """Shuts the response's socket down at the deadline, so a read blocked on a silent server returns."""

    def __init__(self, response: requests.Response, deadline: float):
        self.fired = False
        self._sock = _socket_of(response)
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired = True
        if self._sock is not None:
            with suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)


class Fetcher:
    """Downloads one URL at a time; safe to share, as each fetch uses its own session."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy
        self._patterns = _normalise_patterns(policy.allowed_domains)

    def check_url(self, url: str) -> None:
        """Static policy checks (no network): raises Unprocessable("URL not allowed")."""
        if len(url) > MAX_URL_LENGTH or _has_bad_chars(url):
            raise _refused()
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise _refused() from None
        if parts.scheme not in DEFAULT_PORTS or "@" in parts.netloc:
            raise _refused()
        host = _canonical_host(parts.hostname, self.policy.allow_private)
        port = DEFAULT_PORTS[parts.scheme] if port is None else port
        if port == 0 or not (self.policy.allow_private or port in self.policy.allowed_ports):
            raise _refused()
        if not _domain_allowed(host, self._patterns):
            raise _refused()

    def fetch_to(self, url: str, out: BinaryIO) -> FetchResult:
        """Stream `url` (following checked redirects) into `out`; raises errors.* with public messages."""
        deadline = time.monotonic() + self.policy.deadline_seconds
        with self._session() as session:
            response = self._follow(session, url, deadline)
            try:
                return self._stream(response, out, deadline)
            finally:
                response.close()

    def _session(self) -> requests.Session:
        # Every request passes its own timeout from the deadline; the default only guards a forgotten one.
        return hardened_session(
            allow_loopback=self.policy.allow_private, user_agent=self.policy.user_agent, timeout=(5, 15)
        )

    def _follow(self, session: requests.Session, url: str, deadline: float) -> requests.Response:
        """Request `url`, following at most max_redirects redirects, each hop re-checked with the policy."""
        for _ in range(self.policy.max_redirects + 1):
            self.check_url(url)
            response = self._get(session, url, deadline)
            location = response.headers.get("Location")
            if response.status_code in REDIRECT_STATUSES and location:
                # Closing without reading: draining a redirect body is itself a decompression risk.
                response.close()
                url = self._next_hop(url, location)
                continue
            if not 200 <= response.status_code < 300:
                response.close()
                raise errors.UpstreamFailed(f"Download failed: HTTP {response.status_code}")
            return response
        raise errors.UpstreamFailed("Download failed: too many redirects")

    @staticmethod
    def _next_hop(current: str, location: str) -> str:
        with suppress(UnicodeError):
            location = location.encode("latin-1").decode("utf-8")
        # urljoin silently drops tabs and newlines, so judge the raw header value first.
        if _has_bad_chars(location):
            raise _refused()
        target = urljoin(current, location)
        if current.lower().startswith("https:") and not target.lower().startswith("https:"):
            raise _refused()
        return target

    def _get(self, session: requests.Session, url: str, deadline: float) -> requests.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out()
        try:
            return session.get(url, stream=True, allow_redirects=False, timeout=(remaining, remaining))
        except REFUSED:
            raise _refused() from None
        except requests.Timeout as exc:
            raise _timed_out() from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("Download connect failed for %s: %r", _redact(url), exc)
            raise errors.UpstreamFailed("Download failed: could not connect") from exc

    def _stream(self, response: requests.Response, out: BinaryIO, deadline: float) -> FetchResult:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise self._too_large()
        size = 0
        with BackgroundSha256() as digest, _Watchdog(response, deadline) as watchdog:
            while chunk := self._read(response, watchdog, deadline):
                size += len(chunk)
                metrics.count_download(len(chunk))
                if size > self.policy.max_bytes:
                    raise self._too_large()
                digest.update(chunk)
                out.write(chunk)
                if time.monotonic() > deadline:
                    raise _timed_out()
        # A shutdown by the watchdog looks like a clean end of a close-delimited body.
        if watchdog.fired:
            raise _timed_out()
        if size == 0:
            raise errors.Unprocessable("Downloaded file is empty")
        return FetchResult(response.url, size, digest.hexdigest(), response.headers.get("Content-Type"))

    @staticmethod
    def _read(response: requests.Response, watchdog: _Watchdog, deadline: float) -> bytes:
        # read1 returns whatever has arrived (at most CHUNK_SIZE decoded bytes), so the clock is checked
        # between bytes of a trickle; read() would wait for a full chunk.
        try:
            return response.raw.read1(CHUNK_SIZE, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if watchdog.fired or time.monotonic() >= deadline:
                raise _timed_out() from exc
            if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
                raise _timed_out() from exc
            log.info("Download interrupted: %r", exc)
            if isinstance(exc, urllib3.exceptions.DecodeError):
                raise errors.UpstreamFailed("Download failed: invalid content encoding") from exc
            raise errors.UpstreamFailed("Download failed: connection interrupted") from exc

    def _too_large(self) -> errors.PayloadTooLarge:
        return errors.PayloadTooLarge(f"File too large (max {self.policy.max_bytes / 1048576:g} MB)")


def _redact(url: str) -> str:
    """Scheme, host and path only: queries often carry signed tokens that must not reach the logs."""
    with suppress(ValueError):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}{parts.path}"
    return "<unparseable url>"
