"""The SSRF-safe downloader against a real local HTTP server, with the network faked only at the socket edge."""

from __future__ import annotations

import contextlib
import hashlib
import io
import socket
import threading
import time
import tracemalloc
from urllib.parse import urlsplit

import pytest
import requests
import urllib3

from storyboard import errors
from storyboard.integrations import fetch as fetch_module
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from tests.support.media_server import (
    ALLOWLIST,
    HOSTILE_URLS,
    OUTSIDE_ALLOWLIST,
    PUBLIC_IP,
    TrapListener,
    endless,
    gzip_bomb,
    gzipped,
    hostile_urls,
    stall,
    trickle,
)

MiB = 1024 * 1024
BODY = bytes(range(256)) * 40


class CountingSink:
    """A write target that keeps only a count, so memory measurements see the fetcher alone."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def fetch(fetcher: Fetcher, url: str) -> tuple[bytes, object]:
    out = io.BytesIO()
    result = fetcher.fetch_to(url, out)
    return out.getvalue(), result


def test_download_streams_body_and_reports_hash_size_and_claimed_type(media_server, local_fetcher):
    url = media_server.add("/a.png", BODY, content_type="image/png")
    data, result = fetch(local_fetcher, url)
    assert data == BODY
    assert (result.final_url, result.size, result.content_type) == (url, len(BODY), "image/png")
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()


def test_download_asks_for_identity_encoding_with_our_user_agent(media_server, local_fetcher):
    fetch(local_fetcher, media_server.add("/a", BODY))
    sent = media_server.request_headers[-1]
    assert sent["Accept-Encoding"] == "identity"
    assert sent["User-Agent"] == "AdVideoGeneration/1.0"


@pytest.mark.parametrize("name", [name for name, _ in HOSTILE_URLS])
def test_hostile_url_is_refused_without_connecting(name, public_fetcher, network, trap):
    url = dict(hostile_urls(trap.port))[name]
    with pytest.raises(errors.Unprocessable) as refused:
        public_fetcher.fetch_to(url, io.BytesIO())
    assert refused.value.message == "URL not allowed"
    assert trap.accepted == 0
    assert network.contacted() == []


def test_trap_sees_a_connection_when_loopback_is_allowed(trap, local_fetcher):
    # The control for the test above: the trap would have counted a connection that got through.
    with pytest.raises(errors.UpstreamFailed):
        local_fetcher.fetch_to(f"http://127.0.0.1:{trap.port}/", io.BytesIO())
    assert trap.accepted == 1


@pytest.mark.parametrize("name", [name for name, _ in OUTSIDE_ALLOWLIST])
def test_host_outside_the_allowlist_is_refused(name, network):
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5, allowed_domains=ALLOWLIST))
    with pytest.raises(errors.Unprocessable, match="^URL not allowed$"):
        fetcher.fetch_to(dict(OUTSIDE_ALLOWLIST)[name], io.BytesIO())
    assert all(ip == PUBLIC_IP for ip, _ in network.connects)


@pytest.mark.parametrize("url", ["http://public.test/a.png", "http://img.cdn.test/a.png", "http://PUBLIC.test./a.png"])
def test_allowlist_admits_exact_hosts_and_wildcard_subdomains(url, media_server, network):
    media_server.add("/a.png", BODY)
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5, allowed_domains=ALLOWLIST))
    assert fetch(fetcher, url)[0] == BODY


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/a.png",
        "http://example.com:80/x?y=1",
        "http://bücher.example/a",
        "http://93.184.215.14/",
    ],
)
def test_check_url_accepts_ordinary_public_urls(url, network):
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5))
    assert fetcher.check_url(url) is None
    # The same URL on a port outside the policy is refused, so the check above could have failed.
    parts = urlsplit(url)
    with pytest.raises(errors.Unprocessable, match="^URL not allowed$"):
        fetcher.check_url(parts._replace(netloc=f"{parts.hostname}:8081").geturl())
    assert network.lookups == [] and network.connects == []  # a static check: no DNS, no connection


def test_public_name_is_resolved_once_and_the_checked_address_is_used(media_server, network):
    # DNS rebinding: a second lookup would answer loopback.
    network.names["rebind.test"] = lambda call: [PUBLIC_IP] if call == 1 else ["127.0.0.1"]
    media_server.add("/a.png", BODY)
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5))
    assert fetch(fetcher, "http://rebind.test/a.png")[0] == BODY
    assert network.lookups.count("rebind.test") == 1
    assert network.connects == [(PUBLIC_IP, 80)]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_chain_within_the_limit_is_followed(status, media_server, local_fetcher):
    media_server.add("/final", BODY)
    media_server.add_redirect("/hop2", "/final", status)
    media_server.add_redirect("/hop1", media_server.url("/hop2"), status)
    data, result = fetch(local_fetcher, media_server.url("/hop1"))
    assert data == BODY
    assert result.final_url == media_server.url("/final")


def test_more_than_five_redirects_fail(media_server, local_fetcher):
    for hop in range(6):
        media_server.add_redirect(f"/hop{hop}", f"/hop{hop + 1}")
    media_server.add("/hop6", BODY)
    with pytest.raises(errors.UpstreamFailed, match="^Download failed: too many redirects$"):
        local_fetcher.fetch_to(media_server.url("/hop0"), io.BytesIO())
    assert media_server.hits["/hop6"] == 0


def test_redirects_carry_no_cookies(media_server, local_fetcher):
    media_server.add("/final", BODY)
    media_server.add("/start", status=302, content_type=None, headers={"Location": "/final", "Set-Cookie": "s=1"})
    fetch(local_fetcher, media_server.url("/start"))
    assert "Cookie" not in media_server.request_headers[-1]


def test_environment_proxy_is_ignored(media_server, local_fetcher, trap, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{trap.port}")
    assert fetch(local_fetcher, media_server.add("/a", BODY))[0] == BODY
    assert trap.accepted == 0


def test_declared_length_over_the_cap_is_refused_before_reading(media_server, local_fetcher):
    url = media_server.add("/big", b"x" * 100, headers={"Content-Length": str(5 * MiB)})
    out = io.BytesIO()
    with pytest.raises(errors.PayloadTooLarge, match=r"^File too large \(max 1 MB\)$"):
        local_fetcher.fetch_to(url, out)
    assert out.getvalue() == b""


def test_undeclared_body_over_the_cap_is_stopped_at_the_cap(media_server, local_fetcher):
    url = media_server.add("/big", endless(5 * MiB))
    sink = CountingSink()
    with pytest.raises(errors.PayloadTooLarge):
        local_fetcher.fetch_to(url, sink)
    assert sink.size <= MiB


def test_gzip_bomb_stops_at_the_cap_with_little_memory(media_server):
    url = media_server.add("/bomb", gzip_bomb(1024 * MiB), headers={"Content-Encoding": "gzip"})
    fetcher = Fetcher(FetchPolicy(max_bytes=16 * MiB, deadline_seconds=30, allow_private=True))
    tracemalloc.start()
    try:
        with pytest.raises(errors.PayloadTooLarge, match=r"^File too large \(max 16 MB\)$"):
            fetcher.fetch_to(url, CountingSink())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB


def test_gzip_sent_despite_identity_is_decoded_and_counted(media_server, local_fetcher):
    url = media_server.add("/z", gzipped(BODY), headers={"Content-Encoding": "gzip"})
    data, result = fetch(local_fetcher, url)
    assert data == BODY
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()


def test_truncated_body_fails(media_server, local_fetcher):
    url = media_server.add("/short", b"0123456789", headers={"Content-Length": "1000"})
    with pytest.raises(errors.UpstreamFailed, match="^Download failed: "):
        local_fetcher.fetch_to(url, io.BytesIO())


def test_trickle_fails_at_the_deadline_instead_of_hanging(media_server):
    # 100 bytes, one every 0.1 s, take 10 s; every single read is quick, so only the total deadline ends it.
    url = media_server.add("/slow", trickle(b"x" * 100, delay=0.1))
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=0.5, allow_private=True))
    out = io.BytesIO()
    with pytest.raises(errors.UpstreamTimeout, match="^Download timed out$"):
        fetcher.fetch_to(url, out)
    assert 0 < len(out.getvalue()) < 100  # it stopped part-way, not after the whole trickle


def test_server_silent_after_headers_times_out(media_server):
    url = media_server.add("/silent", stall(b"x", 30))
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=2, allow_private=True))
    with pytest.raises(errors.UpstreamTimeout, match="^Download timed out$"):
        fetcher.fetch_to(url, io.BytesIO())


def test_watchdog_ends_a_stall_that_starts_late_in_the_download(media_server):
    # Socket timeouts alone would wait a full per-read timeout (~4 s) after the stall at ~3 s.
    def late_stall():
        yield from trickle(b"x" * 15, delay=0.2)()
        yield from stall(b"y", 30)()

    url = media_server.add("/late", late_stall)
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=4, allow_private=True))
    out = io.BytesIO()
    with pytest.raises(errors.UpstreamTimeout):
        fetcher.fetch_to(url, out)
    assert out.getvalue() == b"x" * 15 + b"y"


def test_the_watchdog_unblocks_a_read_while_the_server_is_still_silent(media_server):
    """The mechanism behind the deadline: a read blocked on a silent server returns once the watchdog fires."""
    release, stall_over = threading.Event(), threading.Event()

    def silent():
        yield b"x"
        release.wait(60)
        stall_over.set()

    url = media_server.add("/silent-until-released", silent)
    with requests.Session() as session:
        response = session.get(url, stream=True, timeout=(5, 60))
        assert response.raw.read1(1) == b"x"
        try:
            with fetch_module._Watchdog(response, deadline=time.monotonic()) as watchdog:
                with contextlib.suppress(urllib3.exceptions.HTTPError, OSError):
                    response.raw.read1(1024)
            # Ordered by events, not by a clock: the read returned while the server was still holding back.
            assert watchdog.fired and not stall_over.is_set()
        finally:
            release.set()
            response.close()


def test_server_that_never_answers_times_out():
    listener = TrapListener(hold=True).start()
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=2, allow_private=True))
    try:
        with pytest.raises(errors.UpstreamTimeout, match="^Download timed out$"):
            fetcher.fetch_to(f"http://127.0.0.1:{listener.port}/", io.BytesIO())
    finally:
        listener.stop()


@pytest.mark.parametrize("status", [404, 403, 500, 503])
def test_upstream_error_status_fails_with_the_status(status, media_server, local_fetcher):
    url = media_server.add("/gone", b"nope", status=status)
    with pytest.raises(errors.UpstreamFailed, match=f"^Download failed: HTTP {status}$"):
        local_fetcher.fetch_to(url, io.BytesIO())


def test_unrouted_path_is_a_404(media_server, local_fetcher):
    with pytest.raises(errors.UpstreamFailed, match="^Download failed: HTTP 404$"):
        local_fetcher.fetch_to(media_server.url("/missing"), io.BytesIO())


def test_closed_port_fails_without_echoing_socket_details(local_fetcher):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(errors.UpstreamFailed) as failed:
        local_fetcher.fetch_to(f"http://127.0.0.1:{port}/a.png", io.BytesIO())
    assert failed.value.message == "Download failed: could not connect"


def test_unknown_host_fails_without_echoing_resolver_text(network):
    fetcher = Fetcher(FetchPolicy(max_bytes=MiB, deadline_seconds=5))
    with pytest.raises(errors.UpstreamFailed) as failed:
        fetcher.fetch_to("http://no-such-host.test/a.png", io.BytesIO())
    assert failed.value.message == "Download failed: could not connect"


def test_empty_body_is_refused(media_server, local_fetcher):
    with pytest.raises(errors.Unprocessable, match="^Downloaded file is empty$"):
        local_fetcher.fetch_to(media_server.add("/empty", b""), io.BytesIO())


def test_message_names_the_operation_the_service_gives_it(media_server, local_fetcher):
    with pytest.raises(errors.UpstreamFailed) as failed:
        local_fetcher.fetch_to(media_server.url("/missing"), io.BytesIO())
    named = failed.value.during("download asset")
    assert (named.message, named.status) == ("Failed to download asset: Download failed: HTTP 404", 502)
    assert named.during("generate scenes").message == named.message  # the innermost operation stays
