"""How many scenes a storyboard has, in one place: the bounds, the count for a duration (contract 6.4), the
check of a reply's count, and the story beats a storyboard of N scenes covers.

The writer asks it for the target, the rules for the check and the trim, the offline provider for its beats.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MIN, DEFAULT_MAX = 3, 7
# (longest duration in seconds, scene count) steps; longer ads get DEFAULT_MAX.
_STEPS = ((15, 3), (30, 4), (45, 5), (60, 6))
# The beats of an ad in story order, and the order in which a longer storyboard gains them (the call to
# action is always last and always there).
_STORY_ORDER = ("hook", "problem", "reveal", "benefit", "demo", "proof")
_GAINED_IN_ORDER = ("reveal", "hook", "problem", "benefit", "proof", "demo")


def for_duration(duration: float, lo: int = DEFAULT_MIN, hi: int = DEFAULT_MAX) -> int:
    """Scene count for a duration (contract 6.4), clamped to [lo, hi]."""
    count = next((n for limit, n in _STEPS if duration <= limit), DEFAULT_MAX)
    return min(max(count, lo), hi)


@dataclass(frozen=True)
class SceneCount:
    """The count a storyboard is asked for (`target`) and the range a reply may have."""

    lo: int
    hi: int
    target: int

    @classmethod
    def for_brief(cls, duration: float, lo: int, hi: int, keep: int | None = None) -> SceneCount:
        """The count for a new storyboard, or exactly `keep` when rewriting one (contract 6.6)."""
        if keep:
            return cls(keep, keep, keep)
        return cls(lo, hi, for_duration(duration, lo, hi))

    def trimmed(self, items: list) -> tuple[list, str | None]:
        """Too many scenes lose some from the middle (the call to action lives in the last); the repair made."""
        if len(items) <= self.hi:
            return items, None
        return items[: self.hi - 1] + items[-1:], f"truncated {len(items)} scenes to {self.hi}"

    def problem(self, count: int, *, strict: bool) -> str | None:
        """What is wrong with `count` scenes, or None; `strict` also refuses more than one away from target."""
        if count < self.lo:
            return f"the storyboard has {count} scenes; it needs {self.target} (at least {self.lo})"
        if strict and abs(count - self.target) > 1:
            return f"the storyboard has {count} scenes; it needs {self.target}"
        return None


def beats(count: int) -> tuple[str, ...]:
    """The story beats of a storyboard of `count` scenes, in order, with the call to action last."""
    gained = set(_GAINED_IN_ORDER[: max(0, count - 1)])
    story = tuple(beat for beat in _STORY_ORDER if beat in gained)
    return story + ("benefit",) * max(0, count - 1 - len(story)) + ("cta",)
