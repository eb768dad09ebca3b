"""A scripted HTTP server on 127.0.0.1, a fake network edge and a list of hostile URLs for download tests."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

Body = bytes | Callable[[], Iterable[bytes]]


@dataclass
class Route:
    status: int = 200
    body: Body = b""
    content_type: str | None = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.owner.hits[path] += 1
        self.server.owner.request_headers.append(dict(self.headers))
        route = self._builtin(path) or self.server.owner.routes.get(path) or Route(404, b"not found", "text/plain")
        self._send(route)

    def _builtin(self, path: str) -> Route | None:
        if path != "/_redirect":
            return None
        query = parse_qs(urlsplit(self.path).query)
        return Route(int(query.get("status", ["302"])[0]), headers={"Location": query["to"][0]})

    def _send(self, route: Route) -> None:
        headers = {"Content-Type": route.content_type} if route.content_type else {}
        headers.update(route.headers)
        if isinstance(route.body, bytes | bytearray):
            headers.setdefault("Content-Length", str(len(route.body)))
        self.send_response(route.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        chunks = [route.body] if isinstance(route.body, bytes | bytearray) else route.body()
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: MediaServer

    def handle_error(self, request, client_address) -> None:
        # Clients that hang up early (size caps, deadlines) are the point of these tests, not failures.
        pass


class MediaServer:
    """Serves scripted routes: `add(path, body=..., content_type=..., status=..., headers=...)`, then `url(path)`.

    A body is bytes (sent with a true Content-Length unless `headers` gives one) or a callable returning an
    iterable of chunks (sent close-delimited, flushed chunk by chunk). `/_redirect?to=URL&status=302` redirects
    anywhere. `hits` counts requests per path and `request_headers` keeps each request's headers.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.request_headers: list[dict[str, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        # A short poll interval keeps shutdown (once per test) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> MediaServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(
        self,
        path: str,
        body: Body = b"",
        *,
        content_type: str | None = "application/octet-stream",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        self.routes[path] = Route(status, body, content_type, dict(headers or {}))
        return self.url(path)

    def add_redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.add(path, status=status, content_type=None, headers={"Location": location})


def trickle(data: bytes, delay: float = 0.5) -> Callable[[], Iterable[bytes]]:
    """A body sent one byte every `delay` seconds."""

    def chunks() -> Iterable[bytes]:
        for i in range(len(data)):
            yield data[i : i + 1]
            time.sleep(delay)

    return chunks


def stall(first: bytes, seconds: float) -> Callable[[], Iterable[bytes]]:
    """A body that sends `first`, then goes silent for `seconds` while holding the connection open."""

    def chunks() -> Iterable[bytes]:
        yield first
        time.sleep(seconds)

    return chunks


def endless(total: int, chunk: int = 65536) -> Callable[[], Iterable[bytes]]:
    """`total` bytes of a repeating pattern with no Content-Length, so only counting can stop it."""

    def chunks() -> Iterable[bytes]:
        block = bytes(range(256)) * (chunk // 256)
        for _ in range(total // chunk):
            yield block

    return chunks


@cache
def gzip_bomb(decoded_size: int) -> bytes:
    """Concatenated gzip members of zeros inflating to `decoded_size` bytes (1 GiB is about 1 MB on the wire)."""
    member = gzip.compress(b"\x00" * (1 << 20), compresslevel=9)
    return member * (decoded_size >> 20)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


class TrapListener:
    """A socket listening on 127.0.0.1 that counts accepted connections; with `hold` it never answers."""

    def __init__(self, hold: bool = False) -> None:
        self.accepted = 0
        self._hold = hold
        self._held: list[socket.socket] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def start(self) -> TrapListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for conn in [*self._held, self._sock]:
            conn.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            self._held.append(conn) if self._hold else conn.close()


# Fake addresses that look public to every check; FakeNetwork sends connects to them to the media server.
PUBLIC_IP = "93.184.215.14"
OTHER_PUBLIC_IP = "93.184.215.15"

NAMES: dict[str, list[str]] = {
    "public.test": [PUBLIC_IP],
    "other.test": [OTHER_PUBLIC_IP],
    "img.cdn.test": [PUBLIC_IP],
    "private10.test": ["10.0.0.1"],
    "loop.test": ["127.0.0.1"],
    "meta.test": ["169.254.169.254"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"],
    "cgnat.test": ["100.64.0.1"],
    "ula.test": ["fd00::1"],
    "compat.test": ["::7f00:1"],
}


class FakeNetwork:
    """The network edge, faked: `socket.getaddrinfo` answers from a table (no real DNS), connects to the fake
    public addresses reach the local server, connects to loopback pass through, anything else is refused.
    Every lookup and every connect attempt is recorded, so tests can prove what was (not) contacted."""

    def __init__(self, server_port: int, names: dict[str, list[str] | Callable[[int], list[str]]] | None = None):
        self.server_port = server_port
        self.names = dict(NAMES, **(names or {}))
        self.lookups: list[str] = []
        self.connects: list[tuple[str, int]] = []

    def install(self, monkeypatch) -> FakeNetwork:
        real_connect = socket.socket.connect

        def connect(sock: socket.socket, address) -> None:
            self.connects.append((address[0], address[1]))
            if address[0] in (PUBLIC_IP, OTHER_PUBLIC_IP):
                return real_connect(sock, ("127.0.0.1", self.server_port))
            if ipaddress.ip_address(address[0]).is_loopback:
                return real_connect(sock, address)
            raise ConnectionRefusedError("FakeNetwork: destination not reachable in tests")

        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)
        return self

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        answers = self._answers(host)
        port = int(port or 0)
        return [self._entry(ip, port) for ip in answers if family in (0, self._family(ip))]

    def _answers(self, host: str) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        self.lookups.append(host)
        found = self.names.get(host.rstrip(".").lower())
        if found is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return found(self.lookups.count(host)) if callable(found) else found

    @staticmethod
    def _family(ip: str) -> int:
        return socket.AF_INET6 if ":" in ip else socket.AF_INET

    def _entry(self, ip: str, port: int):
        family = self._family(ip)
        sockaddr = (ip, port, 0, 0) if family == socket.AF_INET6 else (ip, port)
        return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)

    def contacted(self) -> list[tuple[str, int]]:
        """Connect attempts to anything other than the fake public hosts."""
        return [c for c in self.connects if c[0] not in (PUBLIC_IP, OTHER_PUBLIC_IP)]


def _via_redirect(target: str) -> str:
    return "http://public.test/_redirect?to=" + quote(target, safe=":/{}[]")


# Each must be refused without a connection to the hostile target. `{trap}` is the port of a TrapListener on
# 127.0.0.1 that the test policy allows, so a refusal proves the address check (not the port check) held.
HOSTILE_URLS: list[tuple[str, str]] = [
    ("loopback", "http://127.0.0.1:{trap}/a.png"),
    ("loopback-other", "http://127.9.9.9:{trap}/"),
    ("localhost", "http://localhost:{trap}/"),
    ("localhost-dot", "http://localhost.:{trap}/"),
    ("unspecified", "http://0.0.0.0:{trap}/"),
    ("decimal", "http://2130706433:{trap}/"),
    ("hex", "http://0x7f000001:{trap}/"),
    ("octal", "http://0177.0.0.1:{trap}/"),
    ("short", "http://127.1:{trap}/"),
    ("octal-short", "http://0177.1:{trap}/"),
    ("octal-long", "http://017700000001:{trap}/"),
    ("unicode-digits", "http://①②⑦.0.0.1:{trap}/"),
    ("ipv6-loopback", "http://[::1]:{trap}/"),
    ("ipv6-unspecified", "http://[::]:{trap}/"),
    ("ipv4-mapped", "http://[::ffff:127.0.0.1]:{trap}/"),
    ("ipv4-mapped-hex", "http://[::ffff:7f00:1]:{trap}/"),
    ("ipv4-compatible", "http://[::7f00:1]:{trap}/"),
    ("site-local-v6", "http://[fec0::1]/"),
    ("percent-encoded-host", "http://%31%32%37.0.0.1:{trap}/"),
    ("ipv4-mapped-metadata", "http://[::ffff:169.254.169.254]/"),
    ("metadata", "http://169.254.169.254/latest/meta-data/"),
    ("link-local-v6-zone", "http://[fe80::1%25eth0]/"),
    ("rfc1918-10", "http://10.0.0.1/"),
    ("rfc1918-192", "http://192.168.1.1/"),
    ("rfc1918-172", "http://172.16.0.1/"),
    ("cgnat", "http://100.64.0.1/"),
    ("multicast", "http://224.0.0.1/"),
    ("reserved", "http://240.0.0.1/"),
    ("nat64", "http://[64:ff9b::a9fe:a9fe]/"),
    ("6to4", "http://[2002:7f00:1::1]/"),
    ("ula", "http://[fd00::1]/"),
    ("name-to-10", "http://private10.test/"),
    ("name-to-loopback", "http://loop.test:{trap}/"),
    ("name-to-metadata", "http://meta.test/"),
    ("name-to-mapped", "http://mapped.test:{trap}/"),
    ("name-to-nat64", "http://nat64.test/"),
    ("name-to-cgnat", "http://cgnat.test/"),
    ("name-to-ula", "http://ula.test/"),
    ("name-to-ipv4-compatible", "http://compat.test:{trap}/"),
    ("userinfo-trusted-at-evil", "http://public.test@127.0.0.1:{trap}/"),
    ("userinfo-evil-at-trusted", "http://127.0.0.1:{trap}@public.test/"),
    ("userinfo-password", "http://user:pass@public.test/"),
    ("backslash", "http://public.test\\@127.0.0.1:{trap}/"),
    ("crlf", "http://public.test/a\r\nX-Injected: 1"),
    ("space", "http://public.test/a b"),
    ("too-long", "http://public.test/" + "a" * 3000),
    ("file", "file:///etc/passwd"),
    ("gopher", "gopher://127.0.0.1:{trap}/_INFO"),
    ("dict", "dict://127.0.0.1:{trap}/info"),
    ("ftp", "ftp://public.test/a.png"),
    ("no-scheme", "//public.test/a.png"),
    ("port-redis", "http://public.test:6379/"),
    ("port-zero", "http://public.test:0/"),
    ("redirect-loopback", _via_redirect("http://127.0.0.1:{trap}/")),
    ("redirect-metadata", _via_redirect("http://169.254.169.254/latest/meta-data/")),
    ("redirect-mapped", _via_redirect("http://[::ffff:127.0.0.1]:{trap}/")),
    ("redirect-decimal", _via_redirect("http://2130706433:{trap}/")),
    ("redirect-name-to-loopback", _via_redirect("http://loop.test:{trap}/")),
    ("redirect-file", _via_redirect("file:///etc/passwd")),
    ("redirect-gopher", _via_redirect("gopher://127.0.0.1:{trap}/_x")),
]

# Refused when the allowlist is ("public.test", "*.cdn.test"): no substring or apex tricks pass.
ALLOWLIST = ("public.test", "*.cdn.test")
OUTSIDE_ALLOWLIST: list[tuple[str, str]] = [
    ("other-host", "http://other.test/a.png"),
    ("suffix-trick", "http://public.test.other.test/a.png"),
    ("prefix-trick", "http://evilpublic.test/a.png"),
    ("wildcard-apex", "http://cdn.test/a.png"),
    ("wildcard-lookalike", "http://evilcdn.test/a.png"),
    ("redirect-off-list", _via_redirect("http://other.test/a.png")),
]


def hostile_urls(trap_port: int, cases: list[tuple[str, str]] = HOSTILE_URLS) -> list[tuple[str, str]]:
    """The cases with `{trap}` filled in."""
    return [(name, template.replace("{trap}", str(trap_port))) for name, template in cases]
