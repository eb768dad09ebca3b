"""Write a storyboard (or rewrite one scene) with an LLM provider: ask, repair, one corrective retry."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from storyboard import errors
from storyboard.integrations.llm.base import Brief, LLMProvider, SceneDraft, llm_failure
from storyboard.integrations.llm.scene_count import SceneCount
from storyboard.services.storyboards import rules

log = logging.getLogger(__name__)
ATTEMPTS = 2  # the first answer plus one corrective retry (contract 6.4)
GENERATING = "generate scenes"
_BROKE_RULES = "the AI reply broke the storyboard rules twice; try again or use a stronger AI_MODEL"
_REFUSED = "the AI model refused this brief twice; reword the brief, or use another AI_MODEL"


@dataclass
class Written:
    """Scenes that passed the rules, what was repaired on the way, and how many calls it took."""

    scenes: list[SceneDraft]
    repairs: list[str] = field(default_factory=list)
    attempts: int = 1
    # What became of the reviewer's feedback (None without feedback): {"writer", "model", "applied",
    # "notApplied"}; an action's response returns it as data.feedback.
    feedback: dict | None = None


def write_storyboard(
    provider: LLMProvider,
    brief: Brief,
    *,
    lo: int,
    hi: int,
    feedback: str | None = None,
    current: Sequence[SceneDraft] = (),
    keep_count: int | None = None,
    doing: str = GENERATING,
) -> Written:
    """Scenes for the brief and the repairs made; keep_count rewrites with exactly that many scenes.

    Raises errors.UpstreamFailed/UpstreamTimeout: the provider's own errors as they are (the caller names
    the operation), a reply that broke the rules twice as a failure of `doing`."""
    count = SceneCount.for_brief(brief.duration, lo, hi, keep=keep_count)

    def ask(correction: str | None) -> Any:
        return provider.complete_storyboard(
            brief, count.target, feedback=feedback, current=current, correction=correction
        )

    def repair(raw: Any, last: bool) -> tuple[list[SceneDraft], list[str]]:
        return rules.repair_storyboard(raw, brief, count, strict=not last, feedback=feedback)

    return _with_one_retry(provider, ask, repair, doing, feedback)


def rewrite_scene(
    provider: LLMProvider,
    brief: Brief,
    scene: SceneDraft,
    all_scenes: Sequence[SceneDraft],
    *,
    feedback: str | None,
    constraints: Mapping | None,
) -> Written:
    """The scene rewritten after feedback (`.scenes[0]`); same number, metadata merged, constraints.duration exact."""
    others = [s for s in all_scenes if s.scene_number != scene.scene_number]
    neighbours = _neighbours(scene, others)

    def ask(correction: str | None) -> Any:
        return provider.complete_scene(
            brief, scene, neighbours, feedback=feedback, constraints=constraints, correction=correction
        )

    def repair(raw: Any, last: bool) -> tuple[list[SceneDraft], list[str]]:
        new, repairs = rules.repair_scene(raw, brief, scene, others, constraints=constraints, feedback=feedback)
        return [new], repairs

    return _with_one_retry(provider, ask, repair, "regenerate scene", feedback)


def _neighbours(scene: SceneDraft, others: Sequence[SceneDraft]) -> list[SceneDraft]:
    """Up to two scenes before and two after, for continuity (contract 6.5)."""
    ordered = sorted(others, key=lambda s: s.scene_number)
    before = [s for s in ordered if s.scene_number < scene.scene_number][-2:]
    after = [s for s in ordered if s.scene_number > scene.scene_number][:2]
    return before + after


def _with_one_retry(
    provider: LLMProvider,
    ask: Callable[[str | None], Any],
    repair: Callable[[Any, bool], tuple[list[SceneDraft], list[str]]],
    doing: str,
    feedback: str | None,
) -> Written:
    """Ask, repair; on an unrepairable reply ask once more with what was wrong, then fail as `doing`."""
    correction, problems = None, []
    for attempt in range(1, ATTEMPTS + 1):
        raw = ask(correction)
        try:
            scenes, repairs = repair(raw, attempt == ATTEMPTS)
        except rules.ReplyProblem as problem:
            log.info("%s reply %d rejected: %s", provider.name, attempt, problem)
            correction = str(problem)
            problems = getattr(problem, "problems", None) or [correction]
            continue
        if repairs:
            log.info("%s reply repaired: %s", provider.name, "; ".join(repairs))
        for scene in scenes:
            scene.metadata["writer"] = {"name": provider.name, "model": provider.model}
        return Written(scenes, repairs, attempt, feedback=_feedback_report(provider, raw, feedback))
    refused = any("refusal" in p for p in problems)
    failure = llm_failure(
        provider.name,
        provider.model,
        retryable=not refused,
        attempts=ATTEMPTS,
        hint=_REFUSED if refused else _BROKE_RULES,
        problems=problems,
    )
    raise errors.UpstreamFailed(correction, doing=doing, failure=failure)


def _feedback_report(provider: LLMProvider, raw: Any, feedback: str | None) -> dict | None:
    """What became of the feedback: a writer that reports it (offline) says what it applied and what it
    could not; a language model was given all of it."""
    if not feedback:
        return None
    report = raw.get("feedback") if getattr(provider, "reports_feedback", False) and isinstance(raw, Mapping) else None
    if isinstance(report, Mapping):
        applied = [rules.clean_text(a, 200) for a in report.get("applied") or () if isinstance(a, str)]
        not_applied = rules.clean_text(report.get("notApplied"), 500) or None
    else:
        applied, not_applied = [feedback], None
    return {"writer": provider.name, "model": provider.model, "applied": applied, "notApplied": not_applied}
