"""The job state machine as rules: naming an action, and refusing one its status does not allow."""

from __future__ import annotations

from storyboard import errors
from storyboard.models import STATUS_ALIASES
from storyboard.models.job import ALLOWED_ACTIONS

ALIASES = {"approve": "approve_storyboard"}


def normalise_action(action: str) -> str:
    name = action.strip().lower()
    return ALIASES.get(name, name)


def require_allowed(action: str, status: str) -> None:
    """409 with the contract's message when `status` does not permit `action`."""
    if action not in ALLOWED_ACTIONS.get(status, ()):
        raise errors.Conflict(f"Action '{action}' not allowed when job status is '{status}'")


def expand_status_filter(status: str | None) -> tuple[str, ...] | None:
    if not status:
        return None
    return STATUS_ALIASES.get(status, (status,))
