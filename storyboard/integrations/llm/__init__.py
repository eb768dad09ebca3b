"""Pick the storyboard LLM provider from settings (AI_PROVIDER, AI_API_KEY, AI_MODEL, ...)."""

from __future__ import annotations

from collections.abc import Mapping

from storyboard import errors

from .base import AssetBrief, Brief, LLMProvider, SceneDraft, llm_failure
from .offline import OfflineProvider
from .openai_compat import ANTHROPIC_BASE_URL, OpenAICompatProvider

__all__ = ["AssetBrief", "Brief", "LLMProvider", "SceneDraft", "get_provider"]

_DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5"}
_STRUCTURED_MODES = ("json_schema", "json_object", "none")


def get_provider(settings: Mapping) -> LLMProvider:
    """Build the configured provider; `offline` when no provider is named and no key is set."""
    key = settings.get("AI_API_KEY") or settings.get("OPENAI_API_KEY") or ""
    name = (settings.get("AI_PROVIDER") or ("openai" if key else "offline")).strip().lower()
    if name == "offline":
        return OfflineProvider()
    if name not in _DEFAULT_MODELS:
        raise _config_error(f"Unsupported AI provider: {name}", name, "use openai, anthropic or offline")
    base_url = settings.get("AI_BASE_URL") or (ANTHROPIC_BASE_URL if name == "anthropic" else None)
    if not key and not settings.get("AI_BASE_URL"):
        raise _config_error("AI provider is not configured", name, "set AI_API_KEY, or AI_PROVIDER=offline")
    return OpenAICompatProvider(
        name=name,
        # Local compatible servers (Ollama, vLLM) accept any key, but the client insists on one.
        api_key=key or "not-needed",
        model=settings.get("AI_MODEL") or _DEFAULT_MODELS[name],
        base_url=base_url,
        timeout=float(settings.get("AI_TIMEOUT_SECONDS") or 60),
        max_retries=int(_or_default(settings.get("AI_MAX_RETRIES"), 2)),
        structured=_structured_mode(settings.get("AI_STRUCTURED_OUTPUT"), name),
    )


def _structured_mode(value: str | None, name: str) -> str:
    mode = (value or ("json_schema" if name == "openai" else "json_object")).strip().lower()
    if mode not in _STRUCTURED_MODES:
        hint = "use " + " or ".join(_STRUCTURED_MODES)
        raise _config_error(f"Unsupported AI_STRUCTURED_OUTPUT: {mode}", name, hint)
    return mode


def _or_default(value, default):
    # 0 retries is a real setting, so only None/"" fall back to the default.
    return default if value is None or value == "" else value


def _config_error(message: str, provider: str, hint: str) -> errors.UpstreamFailed:
    return errors.UpstreamFailed(message, failure=llm_failure(provider, retryable=False, hint=hint))
