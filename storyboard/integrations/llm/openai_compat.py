"""LLM provider on the `openai` client: OpenAI, Anthropic's compatible endpoint, or any compatible server."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import openai

from storyboard import errors

from . import prompts
from .base import Brief, SceneDraft, llm_failure

ANTHROPIC_BASE_URL = "https://api.anthropic.com/v1/"
_KEY_PATTERN = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-]{4,}")
# Reasoning models refuse `temperature` and `max_tokens`; they take `max_completion_tokens` only.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")


class OpenAICompatProvider:
    """Chat-completions provider; one `openai.OpenAI` per instance so config is read when it is built."""

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
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=openai.Timeout(timeout, connect=min(timeout, 5.0)),
            max_retries=max_retries,
        )

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
        try:
            reply = self._client.chat.completions.create(
                model=self.model, messages=messages, **self._options(schema_name, schema, max_tokens)
            )
        except openai.OpenAIError as exc:
            raise self._mapped(exc) from None
        except ValueError:  # a body sent as JSON that is not JSON: not an OpenAI-compatible server
            raise self._unreadable() from None
        return self._content(reply)

    def _unreadable(self) -> errors.UpstreamFailed:
        hint = "check that AI_BASE_URL is an OpenAI-compatible /v1 endpoint"
        return self._failed("The AI provider sent an unreadable reply", None, retryable=True, hint=hint)

    def _options(self, schema_name: str, schema: dict, max_tokens: int) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.structured == "json_schema":
            spec = {"name": schema_name, "strict": True, "schema": schema}
            options["response_format"] = {"type": "json_schema", "json_schema": spec}
        elif self.structured == "json_object":
            options["response_format"] = {"type": "json_object"}
        if _REASONING_MODEL.match(self.model):
            options["max_completion_tokens"] = max_tokens
        else:
            options["max_tokens"] = max_tokens
            options["temperature"] = 0.7
        return options

    def _content(self, reply: Any) -> str:
        choices = getattr(reply, "choices", None)
        if not choices:
            raise self._unreadable()
        choice = choices[0]
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            reason = _redact(refusal, self._api_key)[:300]
            raise self._failed(f"The AI model refused the request: {reason}", 200)
        if choice.finish_reason == "length":
            raise self._failed("The AI reply was cut off at the token limit", 200, hint="use a larger model")
        return choice.message.content or ""

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
        quota = status == 429 and getattr(exc, "code", None) == "insufficient_quota"
        if status == 402 or quota:
            return self._failed("AI provider account balance exhausted", status, hint=_BALANCE_HINT)
        if status in _STATUS_MESSAGES:
            message, retryable, hint = _STATUS_MESSAGES[status]
            return self._failed(message, status, retryable=retryable, hint=hint)
        if status >= 500:
            return self._failed(f"AI provider failed (HTTP {status})", status, retryable=True, hint=_LATER)
        failure = self._failed(f"AI provider rejected the request (HTTP {status})", status, hint=_MODEL_HINT)
        # The provider's own words help here (unsupported parameter, unknown model); keys are redacted.
        return failure.with_failure(upstream_message=_redact(str(exc.message), self._api_key)[:500])

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
_STATUS_MESSAGES = {
    401: ("AI provider rejected the API key", False, "check AI_API_KEY"),
    403: ("AI provider denied access (HTTP 403)", False, "check the key's permissions and model access"),
    404: ("AI provider does not know the model or endpoint (HTTP 404)", False, _MODEL_HINT),
    429: ("AI provider rate limit reached", True, "wait and retry, or raise the account's rate limit"),
}


def _redact(text: str, api_key: str) -> str:
    if len(api_key) >= 8:  # a shorter "key" would blank out ordinary words
        text = text.replace(api_key, "***")
    return _KEY_PATTERN.sub("***", text)
