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
    ├── Unavailable (503)
    ├── UpstreamTimeout (504)
    └── InsufficientStorage (507)

`message` is safe to show to a caller; anything internal belongs in the log. It is rendered once, from a
`reason` and the operation that failed (`doing`): "Failed to {doing}: {reason}". Integrations raise with a
reason only; the service that knows the operation names it with `error.during("generate scenes")`, which
keeps an operation already named (the innermost one says best what failed).

`failure` is a `Failure`: the structured, already-redacted facts a failed job or asset keeps as its
`errorDetail`, always in one shape. `detail` carries field errors (422) and `data` an optional payload for
the envelope's `data` key (a failed job on 502, for instance). Library exceptions are mapped to these once,
at the edge (integrations), so services and routes only ever see this tree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Failure:
    """What a failure was, for people and programs: the `errorDetail` of a failed job or asset.

    stage: where it failed ("ingest", "storyboard_llm", "storyboard", "render"); retryable: whether the same
    request may succeed later; hint: what to do about it; provider/model/upstream_status/upstream_message:
    the outside service involved and what it answered (redacted); attempts: how many calls were made;
    asset_id: the asset that failed; status: the HTTP status the failure answers; problems: what was
    wrong with a reply that was refused (a storyboard that is a refusal, placeholders, repeated scenes).
    """

    stage: str | None = None
    retryable: bool = False
    hint: str | None = None
    provider: str | None = None
    model: str | None = None
    upstream_status: int | None = None
    upstream_message: str | None = None
    attempts: int | None = None
    asset_id: str | None = None
    status: int | None = None
    problems: list[str] | None = None

    def but(self, **changes: Any) -> Failure:
        """A copy with `changes`; fields left as None keep their value."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_detail(self) -> dict[str, Any]:
        """The one documented shape of errorDetail: every key, null when unknown."""
        return asdict(self)

    @classmethod
    def from_detail(cls, detail: dict[str, Any] | None) -> Failure:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in (detail or {}).items() if k in names})


class StoryboardError(Exception):
    status = 500
    default_message = "Internal server error"

    def __init__(
        self,
        reason: str | None = None,
        *,
        doing: str | None = None,
        detail: Any = None,
        data: Any = None,
        failure: Failure | None = None,
    ):
        self.reason = reason or self.default_message
        self.doing = doing
        self.detail = detail
        self.data = data
        self.failure = failure or Failure()
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The public message, rendered once: the operation that failed, then why."""
        return f"Failed to {self.doing}: {self.reason}" if self.doing else self.reason

    def __str__(self) -> str:
        return self.message

    def during(self, doing: str) -> StoryboardError:
        """This error as a failure of `doing`, unless an inner operation was already named."""
        if self.doing is not None:
            return self
        return type(self)(self.reason, doing=doing, detail=self.detail, data=self.data, failure=self.failure)

    def with_failure(self, **changes: Any) -> StoryboardError:
        """A copy whose failure has `changes`."""
        failure = self.failure.but(**changes)
        return type(self)(self.reason, doing=self.doing, detail=self.detail, data=self.data, failure=failure)

    @classmethod
    def recorded(cls, message: str, failure: Failure | None = None, **kwargs: Any) -> StoryboardError:
        """An error re-created from a stored public message (which already names what failed)."""
        return cls(message, doing="", failure=failure, **kwargs)


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


class Unavailable(StoryboardError):
    """A service we depend on (the S3 blob store) cannot be reached: worth retrying later."""

    status = 503
    default_message = "Service unavailable, try again"


class UpstreamTimeout(StoryboardError):
    status = 504
    default_message = "Upstream service timed out"


class InsufficientStorage(StoryboardError):
    status = 507
    default_message = "Insufficient storage"


def error_class(status: int) -> type[StoryboardError]:
    """The error class that answers `status` (UpstreamFailed when none does)."""
    for cls in (
        InvalidInput,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        Unprocessable,
        UpstreamFailed,
        Unavailable,
        UpstreamTimeout,
        InsufficientStorage,
    ):
        if cls.status == status:
            return cls
    return UpstreamFailed
