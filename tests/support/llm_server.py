"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for LLM tests."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: an HTTP status, headers and body, optionally after a delay."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    json: Any

    @property
    def prompt(self) -> str:
        """Every message's content joined, to assert on what the model was told."""
        return "\n".join(m.get("content") or "" for m in self.json.get("messages", []))


class LLMServer:
    """Answers POST /v1/chat/completions from a queue of replies and records every request."""

    def __init__(self):
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        # A handler sleeping to force a client timeout must not hold up shutdown.
        self._httpd.block_on_close = False
        # A short poll keeps shutdown (every test's teardown) quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> LLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reply(self, content: Any, *, finish_reason: str = "stop", refusal: str | None = None) -> LLMServer:
        """Queue a 200 completion whose message content is `content` (non-strings are JSON-encoded)."""
        text = content if isinstance(content, str) or content is None else json.dumps(content)
        self.replies.append(Reply(body=json.dumps(_completion(text, finish_reason, refusal)).encode()))
        return self

    def fail(self, status: int, *, headers: dict[str, str] | None = None, error: dict | None = None) -> LLMServer:
        """Queue an error status with an OpenAI-style error body."""
        body = {"error": error or {"message": f"scripted {status}", "type": "scripted", "code": None}}
        headers = {"content-type": "application/json", **(headers or {})}
        self.replies.append(Reply(status=status, body=json.dumps(body).encode(), headers=headers))
        return self

    def slow(self, seconds: float, content: Any = "{}") -> LLMServer:
        """Queue a completion that arrives only after `seconds` (to force a client timeout)."""
        self.reply(content)
        self.replies[-1].delay = seconds
        return self

    def raw(self, body: bytes | str, *, status: int = 200, content_type: str = "text/plain") -> LLMServer:
        """Queue a response body sent as-is (not a chat completion)."""
        data = body.encode() if isinstance(body, str) else body
        self.replies.append(Reply(status=status, body=data, headers={"content-type": content_type}))
        return self

    def _next(self) -> Reply:
        if self.replies:
            return self.replies.popleft()
        # Out of script: fail loudly and tell the client not to retry, so the test sees it at once.
        error = {"error": {"message": "no scripted reply left", "type": "scripted"}}
        headers = {"content-type": "application/json", "x-should-retry": "false"}
        return Reply(status=599, body=json.dumps(error).encode(), headers=headers)


def _completion(content: str | None, finish_reason: str, refusal: str | None) -> dict[str, Any]:
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _handler_for(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append(Received(self.path, headers, json.loads(raw or b"null")))
            reply = server._next()
            if reply.delay and server._stopping.wait(reply.delay):
                return
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            try:
                self.send_response(reply.status)
                for name, value in {"content-type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout) before the reply was ready

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
