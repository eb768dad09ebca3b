"""A webhook receiver on 127.0.0.1 that checks signatures the way the docs tell integrators to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW_SECONDS = 300


def signature_ok(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Receiver-side check, written from the documentation: t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<body>"))."""
    fields = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, given = fields.get("t", ""), fields.get("v1", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (200 once the script runs out)."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                owner.received.append(Received(dict(self.headers.items()), body))
                self.send_response(owner.statuses.pop(0) if owner.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) fast; the default waits up to 0.5 s.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/storyboard"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
