"""The exceptions the service raises, each carrying an HTTP status and a public message.

    StoryboardError (500)
    ├── InvalidInput (400)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── PayloadTooLarge (413)
    ├── Unprocessable (422)
    ├── UpstreamFailed (502)
    └── UpstreamTimeout (504)

`message` is safe to show to a caller; anything internal belongs in the log. `detail` carries
structured field errors (422) and `data` an optional payload for the envelope's `data` key (a
failed job on 502, for instance). Library exceptions are mapped to these once, at the edge
(integrations), so services and routes only ever see this tree.
"""

from __future__ import annotations

from typing import Any


class StoryboardError(Exception):
    status = 500
    default_message = "Internal server error"

    def __init__(
        self, message: str | None = None, *, detail: Any = None, data: Any = None, info: dict[str, Any] | None = None
    ):
        self.message = message or self.default_message
        self.detail = detail
        self.data = data
        # Structured, already-redacted facts about the failure (stage, provider, retryable, hint).
        self.info = dict(info or {})
        super().__init__(self.message)

    def with_prefix(self, prefix: str) -> StoryboardError:
        """Return a copy of this error whose message starts with `prefix` (keeps class and info)."""
        return type(self)(f"{prefix}{self.message}", detail=self.detail, data=self.data, info=self.info)


class InvalidInput(StoryboardError):
    status = 400
    default_message = "Invalid request"


class Unauthorized(StoryboardError):
    status = 401
    default_message = "Not authenticated. Login required."


class Forbidden(StoryboardError):
    status = 403
    default_message = "Forbidden"


class NotFound(StoryboardError):
    status = 404
    default_message = "Not found"


class Conflict(StoryboardError):
    status = 409
    default_message = "Conflict"


class PayloadTooLarge(StoryboardError):
    status = 413
    default_message = "Payload too large"


class Unprocessable(StoryboardError):
    status = 422
    default_message = "Unprocessable entity"


class UpstreamFailed(StoryboardError):
    status = 502
    default_message = "Upstream service failed"


class UpstreamTimeout(StoryboardError):
    status = 504
    default_message = "Upstream service timed out"


def for_status(status: int, message: str, **kwargs: Any) -> StoryboardError:
    """An error of the class that answers `status` (502 when none does)."""
    for cls in (
        InvalidInput,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        Unprocessable,
        UpstreamFailed,
        UpstreamTimeout,
    ):
        if cls.status == status:
            return cls(message, **kwargs)
    return UpstreamFailed(message, **kwargs)
