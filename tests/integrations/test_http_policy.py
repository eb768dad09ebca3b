"""The downloader and the webhook sender share one address policy, checked on the address about to be dialled.

Each test runs once per sender against that sender's own real server on 127.0.0.1. Names resolve through
FakeNetwork (the network edge, faked at `socket.getaddrinfo`, which requests-hardened resolves with), which also
records every connect attempt: a refusal must happen after the lookup and before any connect.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest

from storyboard import errors
from storyboard.integrations import webhook
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from tests.support.media_server import PUBLIC_IP, FakeNetwork, MediaServer, TrapListener
from tests.support.webhook_receiver import Receiver

MiB = 1024 * 1024
BODY = b"payload"

# One list for both senders. The name below resolves to each; the URL itself passes the static check, so only the
# connect-time check can refuse. ::7f00:1 and fec0::/10 are admitted by requests-hardened's own filter.
HOSTILE_ADDRESSES = [
    "127.0.0.1",
    "127.9.9.9",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "192.0.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::7f00:1",
    "fec0::1",
    "feff:ffff::1",
    "fd00::1",
    "fe80::1",
    "ff02::1",
    "2002:7f00:1::1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::1",
    "2001:db8::1",
]


class Downloader:
    refusal = "URL not allowed"

    def __init__(self, server: MediaServer) -> None:
        self.server = server
        server.add("/hook", BODY)

    @property
    def port(self) -> int:
        return self.server.port

    def send(self, url: str, policy: FetchPolicy) -> None:
        out = io.BytesIO()
        Fetcher(policy).fetch_to(url, out)
        assert out.getvalue() == BODY

    def served(self) -> int:
        return self.server.hits["/hook"]

    def last_headers(self) -> dict[str, str]:
        return self.server.request_headers[-1]


class WebhookSender:
    refusal = "Callback URL not allowed"

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver

    @property
    def port(self) -> int:
        return urlsplit(self.receiver.url).port

    def send(self, url: str, policy: FetchPolicy) -> None:
        assert webhook.post_json(url, b"{}", {}, policy) == 200

    def served(self) -> int:
        return len(self.receiver.received)

    def last_headers(self) -> dict[str, str]:
        return self.receiver.received[-1].headers


@pytest.fixture(params=["downloader", "webhook"])
def sender(request):
    if request.param == "downloader":
        server = MediaServer().start()
        yield Downloader(server)
        server.stop()
    else:
        receiver = Receiver().start()
        yield WebhookSender(receiver)
        receiver.stop()


@pytest.fixture
def edge(sender, monkeypatch) -> FakeNetwork:
    """Loopback and the fake public address reach the sender's server; any other destination is refused."""
    return FakeNetwork(sender.port).install(monkeypatch)


def policy(port: int, *, allow_private: bool = False) -> FetchPolicy:
    # The server's port is allowed, so a refusal proves the address check and not the port check.
    return FetchPolicy(max_bytes=MiB, deadline_seconds=5, allowed_ports=(80, 443, port), allow_private=allow_private)


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_name_resolving_to_a_hostile_address_is_refused_before_connecting(address, sender, edge):
    edge.names["target.test"] = [address]
    url = f"http://target.test:{sender.port}/hook"
    Fetcher(policy(sender.port)).check_url(url)
    with pytest.raises(errors.Unprocessable) as refused:
        sender.send(url, policy(sender.port))
    assert refused.value.message == sender.refusal
    assert edge.lookups == ["target.test"]
    assert edge.connects == []
    assert sender.served() == 0


@pytest.mark.parametrize("address", ["127.0.0.1", "::ffff:127.0.0.1"])
def test_loopback_is_reached_when_private_addresses_are_allowed(address, sender, edge):
    # The control for the refusals above: the same name, edge and server, and the request gets through.
    edge.names["target.test"] = [address]
    sender.send(f"http://target.test:{sender.port}/hook", policy(sender.port, allow_private=True))
    assert sender.served() == 1
    assert edge.connects == [("127.0.0.1", sender.port)]


def test_public_address_is_reached_under_the_production_policy(sender, edge):
    edge.names["target.test"] = [PUBLIC_IP]
    sender.send("http://target.test/hook", policy(sender.port))
    assert sender.served() == 1
    assert edge.connects == [(PUBLIC_IP, 80)]


def test_both_ask_for_identity_encoding_with_our_user_agent(sender, edge):
    edge.names["target.test"] = [PUBLIC_IP]
    sender.send("http://target.test/hook", policy(sender.port))
    sent = sender.last_headers()
    assert (sent["Accept-Encoding"], sent["User-Agent"]) == ("identity", "AdVideoGeneration/1.0")


def test_both_ignore_environment_proxies(sender, edge, monkeypatch):
    trap = TrapListener().start()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{trap.port}")
        edge.names["target.test"] = [PUBLIC_IP]
        sender.send("http://target.test/hook", policy(sender.port))
    finally:
        trap.stop()
    assert trap.accepted == 0
    assert sender.served() == 1
