"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for LLM tests.

Besides scripted replies it plays what real servers do, as named scenarios:

- `llama_cpp()`: llama-cpp-python's server, which answers `response_format` json_schema with HTTP 500 (its
  request model knows only 'text' and 'json_object') and takes json_object or no response_format;
  `reject_modes(...)` for any other server that refuses some modes;
- `ollama(content)`: Ollama through /v1, which ignores json_schema and writes prose around a ```json block;
- `openai_refusal(text)` and `insufficient_quota()`: OpenAI's refusal field and its 429 for an empty account;
- `LLMServer(one_at_a_time=True)`: a local server with one slot, generating for one request at a time. While
  a reply is "generating" (`delay`), every server watches its connection and records a client that hung up
  (`hangups`), then stops generating, as llama.cpp and vLLM do on a disconnect.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# llama-cpp-python's answer to a json_schema response_format: its pydantic request model fails, and the
# server reports that as an internal error.
LLAMA_CPP_SCHEMA_ERROR = {
    "error": {
        "message": "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be "
        "'text' or 'json_object' [type=literal_error, input_value='json_schema', input_type=str]",
        "type": "internal_server_error",
    }
}
INSUFFICIENT_QUOTA_ERROR = {
    "message": "You exceeded your current quota, please check your plan and billing details.",
    "type": "insufficient_quota",
    "param": None,
    "code": "insufficient_quota",
}


@dataclass
class Reply:
    """One scripted answer: an HTTP status, headers and body, optionally after a delay ("generating")."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    """One request as the server saw it: from which client port (one per connection), and when."""

    path: str
    headers: dict[str, str]
    json: Any
    port: int = 0
    at: float = 0.0  # time.monotonic()
    # Other connections whose reply was still being generated, open, when this request arrived.
    others_open: int = 0

    @property
    def prompt(self) -> str:
        """Every message's content joined, to assert on what the model was told."""
        return "\n".join(m.get("content") or "" for m in self.json.get("messages", []))

    @property
    def response_format(self) -> str:
        """The structured-output mode asked for: json_schema, json_object or none."""
        return ((self.json or {}).get("response_format") or {}).get("type", "none")


@dataclass
class Hangup:
    """A client that closed its connection while its reply was still being generated."""

    port: int
    at: float  # time.monotonic()


class LLMServer:
    """Answers POST /v1/chat/completions from a queue of replies and records every request."""

    def __init__(self, *, one_at_a_time: bool = False):
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        self.hangups: list[Hangup] = []
        # A scenario that answers some requests itself (None: the script answers).
        self.gate: Callable[[Received], Reply | None] | None = None
        self._slot = threading.Lock() if one_at_a_time else None
        self._generating: set[socket.socket] = set()
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

    def provider(self, key: str = "sk-llm-server-test-key", **settings: Any):
        """The service's own OpenAI provider pointed at this server; `settings` as in the app's config."""
        from storyboard.integrations.llm import get_provider

        return get_provider({"AI_PROVIDER": "openai", "AI_API_KEY": key, "AI_BASE_URL": self.base_url, **settings})

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
        self.replies.append(_error_reply(status, body, headers))
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

    # --- real servers' behaviours -----------------------------------------------------------------

    def llama_cpp(self) -> LLMServer:
        """From now on, answer json_schema as llama-cpp-python does (HTTP 500); other modes get the script."""
        return self.reject_modes("json_schema", status=500, error=LLAMA_CPP_SCHEMA_ERROR["error"])

    def reject_modes(self, *modes: str, status: int = 400, error: dict | None = None) -> LLMServer:
        """From now on, answer requests in these structured-output modes with an error; others get the script."""
        body = {"error": error or {"message": "response_format is not supported", "type": "invalid_request_error"}}
        self.gate = lambda request: _error_reply(status, body) if request.response_format in modes else None
        return self

    def ollama(self, content: Any) -> LLMServer:
        """Queue a reply as Ollama writes one when it ignores json_schema: prose around a ```json block."""
        data = content if isinstance(content, str) else json.dumps(content, indent=2)
        return self.reply(f"Here is the storyboard for your ad:\n\n```json\n{data}\n```\n\nEach scene fits the brief.")

    def openai_refusal(self, text: str = "I'm sorry, but I can't help with that request.") -> LLMServer:
        """Queue OpenAI's structured-output refusal: no content, the reason in `message.refusal`."""
        return self.reply(None, refusal=text)

    def insufficient_quota(self) -> LLMServer:
        """Queue OpenAI's 429 for an account without credit (no Retry-After: waiting cannot help)."""
        return self.fail(429, error=INSUFFICIENT_QUOTA_ERROR)

    def wait_for_hangups(self, count: int, timeout: float = 5.0) -> list[Hangup]:
        """The hang-ups seen, once there are `count` of them or `timeout` s have passed."""
        deadline = time.monotonic() + timeout
        while len(self.hangups) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.hangups)

    def _next(self, request: Received) -> Reply:
        if self.gate and (reply := self.gate(request)):
            return reply
        if self.replies:
            return self.replies.popleft()
        # Out of script: fail loudly and tell the client not to retry, so the test sees it at once.
        error = {"error": {"message": "no scripted reply left", "type": "scripted"}}
        return _error_reply(599, error, {"x-should-retry": "false"})


def _closed(conn: socket.socket, wait: float = 0.0) -> bool:
    """Whether the client closed (or reset) this connection, waiting up to `wait` s for it to say so."""
    try:
        readable, _, _ = select.select([conn], [], [], wait)
        if not readable:
            return False
        if conn.recv(1, socket.MSG_PEEK):
            time.sleep(wait)  # bytes of a next request, not a hang-up: don't spin on them
            return False
        return True
    except (OSError, ValueError):  # reset, or closed on our side already
        return True


def _error_reply(status: int, body: dict, headers: dict[str, str] | None = None) -> Reply:
    headers = {"content-type": "application/json", **(headers or {})}
    return Reply(status=status, body=json.dumps(body).encode(), headers=headers)


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
            port, others = self.client_address[1], sum(not _closed(c) for c in list(server._generating))
            request = Received(self.path, headers, json.loads(raw or b"null"), port, time.monotonic(), others)
            server.requests.append(request)
            reply = server._next(request)
            if server._slot is None:
                self._answer(reply)
                return
            with server._slot:
                self._answer(reply)

        def _answer(self, reply: Reply) -> None:
            if reply.delay and not self._generate(reply.delay):
                self.close_connection = True
                return
            self._send(reply)

        def _generate(self, seconds: float) -> bool:
            """Take `seconds` as a model would; False when the client hung up first (recorded) or at shutdown."""
            end = time.monotonic() + seconds
            server._generating.add(self.connection)
            try:
                while (left := end - time.monotonic()) > 0:
                    if server._stopping.is_set():
                        return False
                    if _closed(self.connection, wait=min(left, 0.02)):
                        server.hangups.append(Hangup(self.client_address[1], time.monotonic()))
                        return False
                return True
            finally:
                server._generating.discard(self.connection)

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
