"""What a scene's frames show besides its media: the title card or end card, the super and the caption.

The description (the crew's production notes) never reaches a frame. A scene without media is a card on
the brand colours showing its on-screen text (the product title as a small heading when it has none); the
last scene is the end card: the call to action (its on-screen text when the spec has none) and the logo.
When the last scene has media, the end card fades in over the picture for its final part: the last
END_CARD_SECONDS, or the second half of a scene shorter than twice that, so the picture is always seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import cards, overlays
from .clips import Layer
from .spec import RenderMedia, RenderScene, RenderSpec, ScenePlan

END_CARD_SECONDS = 1.5
END_CARD_FADE_SECONDS = 0.3


def pictures(scene: RenderScene) -> list[RenderMedia]:
    """The scene's media a frame can show (audio and other types are ignored)."""
    return [m for m in scene.media if (m.type or "").lower() in ("image", "video")]


def _where(spec: RenderSpec) -> dict:
    return {"format": spec.format, "language": spec.language}


def _end_card(scene: RenderScene, spec: RenderSpec, size: tuple[int, int], path: Path) -> None:
    logo = spec.logo.path if spec.logo and (spec.logo.type or "").lower() == "image" else None
    cta = (spec.call_to_action or "").strip() or scene.on_screen_text
    cards.end_card_png(cta, spec.title, logo, spec.brand_colors, size, path, **_where(spec))


def card_png(scenes: Sequence[RenderScene], index: int, spec: RenderSpec, size: tuple[int, int], path: Path):
    """The full frame of a scene without media: the end card for the last scene, a title card otherwise."""
    scene = scenes[index]
    if index == len(scenes) - 1:
        _end_card(scene, spec, size, path)
        return
    text = (scene.on_screen_text or "").strip()
    heading = None if text else spec.title
    cards.title_card_png(text, heading, spec.brand_colors, size, path, **_where(spec))


def end_card_frames(plan: ScenePlan, fps: int) -> int:
    """How many final frames of a last scene with media the end card covers."""
    return max(1, min(round(END_CARD_SECONDS * fps), plan.frames // 2))


def scene_layers(
    scenes: Sequence[RenderScene], index: int, spec: RenderSpec, plan: ScenePlan, size: tuple[int, int], work: Path
) -> list[Layer]:
    """The layers over the scene's picture, bottom first: super, end card, caption (the script)."""
    scene, where, layers = scenes[index], _where(spec), []
    has_picture = bool(pictures(scene))
    caption, super_ = work / f"caption-{index:02d}.png", work / f"super-{index:02d}.png"
    if has_picture and overlays.super_png(scene.on_screen_text or "", size, super_, **where):
        layers.append(Layer(super_))
    if has_picture and index == len(scenes) - 1:
        end = work / f"end-{index:02d}.png"
        _end_card(scene, spec, size, end)
        frames = end_card_frames(plan, spec.fps)
        layers.append(Layer(end, plan.frames - frames, min(round(END_CARD_FADE_SECONDS * spec.fps), frames)))
    if overlays.caption_png(scene.script or "", size, caption, **where):
        layers.append(Layer(caption))
    return layers
