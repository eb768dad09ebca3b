"""Deterministic offline storyboard writer: a real ad arc in the brief's language, with no network.

It speaks the key message and the call to action in every storyboard, fills the rest of the voice-over with
lines chosen for the product, tone and audience (never one the job has already used), and applies the parts
of a reviewer's feedback it understands, reporting the rest as needing an LLM. `plan` makes the decisions,
`voice` and `lines/` the spoken lines, `describe` the production notes, `arc` durations and assets.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from .. import scene_count as scene_count_rule
from ..base import Brief, SceneDraft
from .plan import Plan

__all__ = ["OfflineProvider"]


class OfflineProvider:
    """Writes storyboards from phrase banks; the same brief (and feedback) always gives the same answer."""

    name = "offline"
    model = "offline-template-v2"
    reports_feedback = True  # replies carry {"feedback": {"applied", "notApplied"}} for the service to return

    def complete_storyboard(
        self,
        brief: Brief,
        scene_count: int,
        *,
        feedback: str | None = None,
        current: Sequence[SceneDraft] = (),
        correction: str | None = None,
    ) -> dict[str, Any]:
        """A storyboard of `scene_count` scenes; with feedback, also what of it was applied."""
        plan = Plan(brief, feedback, seed=_seed(brief), seen=current)
        scenes = plan.storyboard(scene_count_rule.beats(scene_count), current)
        return {"scenes": scenes, "feedback": plan.report()} if feedback else {"scenes": scenes}

    def complete_scene(
        self,
        brief: Brief,
        scene: SceneDraft,
        neighbours: Sequence[SceneDraft],
        *,
        feedback: str | None,
        constraints: Mapping | None,
        correction: str | None = None,
    ) -> dict[str, Any]:
        """The scene rewritten in its beat; with feedback, also what of it was applied."""
        plan = Plan(brief, feedback, seed=_seed(brief), seen=[scene, *neighbours])
        new = plan.scene(scene, neighbours, constraints or {})
        return {"scene": new, "feedback": plan.report()} if feedback else new


def _seed(brief: Brief) -> int:
    # The brief alone, not the feedback: a job's regenerations walk on through one order of lines.
    text = json.dumps(asdict(brief), sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)
