"""The job state machine: which actions each status allows (contract 4.5 with the brief's statuses)."""

from __future__ import annotations

from storyboard import errors

REVIEW_ACTIONS = (
    "regenerate_scene",
    "regenerate_all_scenes",
    "reject_storyboard",
    "approve_storyboard",
    "revert_scene",
    "cancel",
)
ALLOWED: dict[str, tuple[str, ...]] = {
    "pending": ("cancel",),
    "storyboard_processing": ("cancel",),
    "storyboard_review": REVIEW_ACTIONS,
    "in_progress": ("cancel",),
    "rendering": ("cancel",),
    "completed": (),
    "failed": (),
    "cancelled": (),
}
ALIASES = {"approve": "approve_storyboard"}
# Old status names accepted by the list filter (decision 1).
STATUS_ALIASES = {
    "storyboard_ready": ("storyboard_review",),
    "video_processing": ("in_progress", "rendering"),
}


def allowed_actions(status: str) -> list[str]:
    return list(ALLOWED.get(status, ()))


def normalise_action(action: str) -> str:
    name = action.strip().lower()
    return ALIASES.get(name, name)


def require_allowed(action: str, status: str) -> None:
    """409 with the contract's message when `status` does not permit `action`."""
    if action not in ALLOWED.get(status, ()):
        raise errors.Conflict(f"Action '{action}' not allowed when job status is '{status}'")


def expand_status_filter(status: str | None) -> tuple[str, ...] | None:
    if not status:
        return None
    return STATUS_ALIASES.get(status, (status,))
