"""What a storyboard writer receives and returns, and the protocol every LLM provider follows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from storyboard import errors

SHOT_TYPES = ("wide", "medium", "close-up", "extreme-close-up", "product", "tracking", "montage")
TRANSITIONS = ("cut", "fade", "dissolve", "wipe")
# Comfortable voice-over pace; a script longer than this cannot be read in its scene.
WORDS_PER_SECOND = 2.5


@dataclass(frozen=True)
class AssetBrief:
    id: str
    type: str
    name: str
    role: str | None = None
    tags: tuple[str, ...] = ()
    width: int | None = None
    height: int | None = None
    duration: float | None = None


@dataclass(frozen=True)
class Brief:
    product: str
    target_audience: str
    key_message: str
    call_to_action: str
    style: str
    tone: str | None = None
    visual_elements: tuple[str, ...] = ()
    music_style: str | None = None
    duration: float = 30.0
    format: str = "16:9"
    client_name: str | None = None
    brand: Mapping | None = None  # the client's brandGuidelines: colors, fonts, tone, restrictions, examples
    campaign_name: str | None = None
    campaign_goal: str | None = None
    assets: tuple[AssetBrief, ...] = ()
    language: str | None = None  # creative.language as given (an IETF tag), None to detect from the brief


@dataclass
class SceneDraft:
    scene_number: int
    duration: float
    description: str
    script: str
    shot_type: str
    transition: str
    assets: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    on_screen_text: str = ""  # the headline or super the frame shows; never the description

    def to_json(self) -> dict[str, Any]:
        """The scene in the contract's camelCase shape (what prompts show and the API stores)."""
        return {
            "sceneNumber": self.scene_number,
            "duration": self.duration,
            "description": self.description,
            "script": self.script,
            "onScreenText": self.on_screen_text,
            "shotType": self.shot_type,
            "transition": self.transition,
            "assets": list(self.assets),
            "metadata": dict(self.metadata),
        }


class LLMProvider(Protocol):
    name: str  # "openai" | "anthropic" | "offline"
    model: str

    def complete_storyboard(
        self,
        brief: Brief,
        scene_count: int,
        *,
        feedback: str | None = None,
        current: Sequence[SceneDraft] = (),
        correction: str | None = None,
    ) -> Any:
        """Return the raw (untrusted) reply: a JSON string or already-parsed JSON."""
        ...

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
        """Return the raw (untrusted) reply for one rewritten scene."""
        ...


def llm_failure(provider: str, model: str | None = None, **facts: Any) -> errors.Failure:
    """The Failure of a call to an LLM provider, or of its reply (stage "storyboard_llm")."""
    return errors.Failure(stage="storyboard_llm", provider=provider, model=model, **facts)
