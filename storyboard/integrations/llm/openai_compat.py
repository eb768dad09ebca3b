"""LLM provider on the `openai` client: OpenAI, Anthropic's compatible endpoint, or any compatible server.

Structured output degrades by itself: a server that rejects the `response_format` mode (llama.cpp's
servers answer json_schema with HTTP 500, others with 400) is asked again in the next weaker mode,
json_schema -> json_object -> none (the prompt describes the shape anyway), within the same call. What
worked is remembered per base URL and model in this process (`learned_modes`; lost on restart, when the first
call pays for one rejected request again), so later calls start there.

Every call has its own HTTP client, closed when the call ends however it ends: a request we give up on (our
timeout, or an exception such as RQ's job timeout raised in the middle of the call) hangs up its connection,
so a one-at-a-time local server stops generating for nobody, and no connection outlives its call.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import openai

from storyboard import errors, metrics

from . import prompts, replies
from .base import Brief, SceneDraft, llm_failure

log = logging.getLogger(__name__)

ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1/"
OPENAI_BASE_URL = "https://api.openai.com/v1"
MODES = ("json_schema", "json_object", "none")  # strongest first
_KEY_PATTERN = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-]{4,}")
# Reasoning models refuse `temperature` and `max_tokens`; they take `max_completion_tokens` only.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
# What a server says when it does not take a response_format: llama-cpp-python's "Input should be 'text'
# or 'json_object'", llama.cpp's grammar errors, vLLM's guided decoding, "response_format not supported".
_MODE_PROBLEM = re.compile(
    r"response_format|json_schema|json_object|grammar|structured[ _]output|guided_|input should be 'text'", re.I
)
# Statuses that say nothing about the mode, whatever their message mentions.
_NOT_ABOUT_MODE = {401, 402, 403, 429}
# (base URL, model) -> the mode that server was found to need; see the module docstring.
learned_modes: dict[tuple[str, str], str] = {}


class OpenAICompatProvider:
    """Chat-completions provider, configured when it is built; one per job (it is not shared by threads)."""

    def __init__(
        self,
        *,
        name: str,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        structured: str = "json_schema",
    ):
        self.name = name
        self.model = model
        self.structured = structured
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = openai.Timeout(timeout, connect=min(timeout, 5.0))
        self._max_retries = max_retries
        self._server = ((base_url or OPENAI_BASE_URL).rstrip("/"), model)

    def complete_storyboard(
        self,
        brief: Brief,
        scene_count: int,
        *,
        feedback: str | None = None,
        current: Sequence[SceneDraft] = (),
        correction: str | None = None,
    ) -> Any:
        """Ask for a whole storyboard; returns the reply text unparsed."""
        messages = prompts.storyboard_messages(
            brief, scene_count, feedback=feedback, current=current, correction=correction
        )
        return self._complete(messages, "storyboard", prompts.STORYBOARD_SCHEMA, max_tokens=8000)

    def complete_scene(
        self,
        brief: Brief,
        scene: SceneDraft,
        neighbours: Sequence[SceneDraft],
        *,
        feedback: str | None,
        constraints: Mapping | None,
        correction: str | None = None,
    ) -> Any:
        """Ask for one rewritten scene; returns the reply text unparsed."""
        messages = prompts.scene_messages(
            brief, scene, neighbours, feedback=feedback, constraints=constraints, correction=correction
        )
        return self._complete(messages, "scene", prompts.SCENE_SCHEMA, max_tokens=3000)

    def _complete(self, messages: list[dict], schema_name: str, schema: dict, *, max_tokens: int) -> str:
        mode = self._starting_mode()
        # Closed on the way out whatever happens (an exception mid-call included): its sockets go with it.
        with metrics.llm_call(self.name, self.model), self._new_client() as client:
            while True:
                options = self._options(mode, schema_name, schema, max_tokens)
                try:
                    reply = client.chat.completions.create(model=self.model, messages=messages, **options)
                except openai.APIStatusError as exc:
                    if (weaker := _weaker(mode)) is None or not _rejects_mode(exc):
                        raise self._mapped(exc) from None
                    self._learn(mode, weaker, exc)
                    mode = weaker
                    continue
                except openai.OpenAIError as exc:
                    raise self._mapped(exc) from None
                except ValueError:  # a body sent as JSON that is not JSON: not an OpenAI-compatible server
                    raise self._unreadable() from None
                return self._content(reply)

    def _new_client(self) -> openai.OpenAI:
        # The hook marks answers that retrying cannot change, so the client's own retries skip them.
        http_client = openai.DefaultHttpxClient(event_hooks={"response": [_final_answers]})
        return openai.OpenAI(
            api_key=self._api_key,
            base_url=self._base_url,
            timeout=self._timeout,
            max_retries=self._max_retries,
            http_client=http_client,
        )

    def _starting_mode(self) -> str:
        learned = learned_modes.get(self._server, MODES[0])
        return max(self.structured, learned, key=MODES.index)

    def _learn(self, rejected: str, weaker: str, exc: openai.APIStatusError) -> None:
        learned_modes[self._server] = max(weaker, learned_modes.get(self._server, MODES[0]), key=MODES.index)
        said = _redact(_upstream_text(exc), self._api_key)[:200]
        where = f"{self.name} at {self._server[0]} (model {self.model})"
        log.warning(
            "%s rejected structured output %s (HTTP %s: %s); %s from now on in this process",
            where,
            rejected,
            exc.status_code,
            said,
            weaker,
        )

    def _unreadable(self) -> errors.UpstreamFailed:
        hint = "check that AI_BASE_URL is an OpenAI-compatible /v1 endpoint"
        return self._failed("The AI provider sent an unreadable reply", None, retryable=True, hint=hint)

    def _options(self, mode: str, schema_name: str, schema: dict, max_tokens: int) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if mode == "json_schema":
            spec = {"name": schema_name, "strict": True, "schema": schema}
            options["response_format"] = {"type": "json_schema", "json_schema": spec}
        elif mode == "json_object":
            options["response_format"] = {"type": "json_object"}
        if _REASONING_MODEL.match(self.model):
            options["max_completion_tokens"] = max_tokens
        else:
            options["max_tokens"] = max_tokens
            options["temperature"] = 0.7
        return options

    def _content(self, reply: Any) -> str:
        """The reply text; a refusal, or JSON the token limit cut off, fails here."""
        choices = getattr(reply, "choices", None)
        if not choices:
            raise self._unreadable()
        choice = choices[0]
        if refusal := getattr(choice.message, "refusal", None):
            raise self._refused(refusal)
        text = choice.message.content or ""
        try:
            replies.extract_json(text)
        except ValueError:
            if choice.finish_reason == "length":
                raise self._failed("The AI reply was cut off at the token limit", 200, hint=_LENGTH_HINT) from None
            if replies.refusal_in(text):
                raise self._refused(text) from None
        # Complete JSON is taken whatever finish_reason says; prose without JSON goes to the rules, which
        # ask again with what was wrong.
        return text

    def _refused(self, said: str) -> errors.UpstreamFailed:
        reason = " ".join(_redact(said, self._api_key).split())[:300]
        return self._failed(f"The AI model refused the request: {reason}", 200, hint=_REFUSED_HINT)

    def _mapped(self, exc: openai.OpenAIError) -> errors.StoryboardError:
        """Translate one `openai` exception into our error tree, without any secret in it."""
        if isinstance(exc, openai.APITimeoutError):
            return errors.UpstreamTimeout("AI provider timed out", failure=self._failure(None, True, _TIMEOUT_HINT))
        if isinstance(exc, openai.APIConnectionError):
            return self._failed("Could not reach the AI provider", None, retryable=True, hint=_REACH_HINT)
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        return self._failed("AI provider is not configured", None, hint="set AI_API_KEY and AI_BASE_URL")

    def _status_error(self, exc: openai.APIStatusError) -> errors.StoryboardError:
        status = exc.status_code
        if _exhausted(status, getattr(exc, "code", None), getattr(exc, "type", None)):
            return self._failed("AI provider account balance exhausted", status, hint=_BALANCE_HINT)
        if status in _STATUS_MESSAGES:
            message, retryable, hint = _STATUS_MESSAGES[status]
            return self._failed(message, status, retryable=retryable, hint=hint)
        mode_problem = _rejects_mode(exc)
        if status >= 500:
            hint = _MODE_HINT if mode_problem else _LATER
            failure = self._failed(f"AI provider failed (HTTP {status})", status, retryable=not mode_problem, hint=hint)
        else:
            hint = _MODE_HINT if mode_problem else _MODEL_HINT
            failure = self._failed(f"AI provider rejected the request (HTTP {status})", status, hint=hint)
        # The provider's own words help (unsupported parameter, unknown model, a crash); keys are redacted.
        return failure.with_failure(upstream_message=_redact(_upstream_text(exc), self._api_key)[:500])

    def _failed(
        self, message: str, status: int | None, *, retryable: bool = False, hint: str | None = None
    ) -> errors.UpstreamFailed:
        return errors.UpstreamFailed(message, failure=self._failure(status, retryable, hint))

    def _failure(self, status: int | None, retryable: bool, hint: str | None) -> errors.Failure:
        return llm_failure(self.name, self.model, upstream_status=status, retryable=retryable, hint=hint)


_TIMEOUT_HINT = "try again, or raise AI_TIMEOUT_SECONDS"
_REACH_HINT = "check AI_BASE_URL and the network"
_BALANCE_HINT = "top up the AI provider account"
_LATER = "try again later"
_MODEL_HINT = "check AI_MODEL, AI_BASE_URL and AI_STRUCTURED_OUTPUT"
# Only left once every weaker mode was tried (a rejected one falls back), so it is about the server.
_MODE_HINT = "the server rejects structured output even with AI_STRUCTURED_OUTPUT=none: check its grammar settings"
_LENGTH_HINT = "use a larger model"
_REFUSED_HINT = "reword the brief, or use another AI_MODEL"
_STATUS_MESSAGES = {
    401: ("AI provider rejected the API key", False, "check AI_API_KEY"),
    403: ("AI provider denied access (HTTP 403)", False, "check the key's permissions and model access"),
    404: ("AI provider does not know the model or endpoint (HTTP 404)", False, _MODEL_HINT),
    429: ("AI provider rate limit reached", True, "wait and retry, or raise the account's rate limit"),
}


def _weaker(mode: str) -> str | None:
    at = MODES.index(mode)
    return MODES[at + 1] if at + 1 < len(MODES) else None


def _rejects_mode(exc: openai.APIStatusError) -> bool:
    return _names_mode_problem(exc.status_code, _upstream_text(exc))


def _names_mode_problem(status: int, said: str) -> bool:
    return status >= 400 and status not in _NOT_ABOUT_MODE and bool(_MODE_PROBLEM.search(said))


def _exhausted(status: int, code: Any, kind: Any) -> bool:
    """No money left: 402, or OpenAI's 429 insufficient_quota (retrying cannot help either)."""
    return status == 402 or (status == 429 and "insufficient_quota" in (code, kind))


def _upstream_text(exc: openai.APIStatusError) -> str:
    """The server's words: the error body's message, or its whole text when it has no OpenAI-style one."""
    prefix = f"Error code: {exc.status_code}"  # what the client puts first; upstream_status says it already
    message = str(exc.message).removeprefix(prefix).removeprefix(" - ").strip()
    if message:
        return message
    try:
        return exc.response.text.strip()[:2000] or prefix
    except Exception:  # a body that cannot be read any more: the status says what there is to say
        return prefix


def _final_answers(response: Any) -> None:
    """httpx response hook: an answer no retry can change (no money left, a rejected structured-output
    mode, which `_complete` answers by switching mode) gets `x-should-retry: false`, which the openai client
    obeys; other 408/409/429/5xx answers keep its retries with backoff and Retry-After."""
    status = response.status_code
    if status not in (402, 408, 409, 429) and status < 500:
        return  # the client does not retry these anyway
    response.read()
    error = _error_body(response.text)
    if _exhausted(status, error.get("code"), error.get("type")) or _names_mode_problem(status, response.text):
        response.headers["x-should-retry"] = "false"


def _error_body(text: str) -> dict:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    error = body.get("error", body) if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _redact(text: str, api_key: str) -> str:
    if len(api_key) >= 8:  # a shorter "key" would blank out ordinary words
        text = text.replace(api_key, "***")
    return _KEY_PATTERN.sub("***", text)
