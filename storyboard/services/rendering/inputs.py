"""What a render needs from the database: scenes in order, their usable assets, and the output spec."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from storyboard.integrations.render import RenderCancelled, RenderMedia, RenderScene, RenderSpec
from storyboard.models import Asset, Blob, Client, Job, db
from storyboard.services.core.transactions import end_read
from storyboard.storage import get_store

VISUAL_TYPES = ("image", "video")


@dataclass(frozen=True)
class MediaRef:
    asset_id: str
    blob_id: str
    type: str
    extension: str
    width: int | None
    height: int | None
    duration: float | None


@dataclass(frozen=True)
class SceneInput:
    number: int
    duration: float
    description: str
    script: str
    transition: str
    shot_type: str
    media: tuple[MediaRef, ...]


@dataclass(frozen=True)
class RenderInputs:
    job_id: str
    scenes: tuple[SceneInput, ...]
    spec: RenderSpec

    @property
    def image_count(self) -> int:
        """Distinct image assets the video shows (what contract 4.9 prices per image)."""
        return len({m.asset_id for s in self.scenes for m in s.media if m.type == "image"})


def _pick(mapping: Mapping | None, *keys: str):
    """The first present key: stored briefs use snake_case, hand-made rows may use the API's camelCase."""
    for key in keys:
        if mapping and mapping.get(key) is not None:
            return mapping[key]
    return None


def spec_for(job: Job) -> RenderSpec:
    creative = _pick(job.request, "creative") or {}
    specs = _pick(creative, "video_specs", "videoSpecs") or {}
    client = db.session.get(Client, job.client_id)
    colors = _pick((client.brand_guidelines if client else None) or {}, "colors") or ()
    product = _pick(_pick(job.request, "ad_basics", "adBasics"), "product")
    return RenderSpec(
        format=str(specs.get("format") or "16:9"),
        resolution=str(specs.get("resolution") or "720p"),
        brand_colors=tuple(str(c) for c in colors if isinstance(c, str)),
        title=str(product) if product else None,
    )


def _usable_assets(job: Job, ids: set[str]) -> dict[str, Asset]:
    # The owner check keeps a scene from pulling in another user's asset by id.
    query = select(Asset).where(
        Asset.id.in_(ids), Asset.user_id == job.user_id, Asset.status == "ready", Asset.blob_id.is_not(None)
    )
    return {a.id: a for a in db.session.scalars(query) if a.type in VISUAL_TYPES}


def _ref(asset: Asset) -> MediaRef:
    ext = (asset.format or "bin").lower().strip(".")[:8] or "bin"
    return MediaRef(asset.id, asset.blob_id, asset.type, ext, asset.width, asset.height, asset.duration)


def gather(job: Job) -> RenderInputs:
    """The job's scenes in order with the ready image/video assets each names (missing ones are skipped)."""
    scenes = sorted(job.scenes, key=lambda s: s.scene_number)
    assets = _usable_assets(job, {a for s in scenes for a in (s.assets or []) if isinstance(a, str)})
    inputs = tuple(
        SceneInput(
            s.scene_number,
            float(s.duration),
            s.description or "",
            s.script or "",
            (s.transition or "cut").lower(),
            (s.shot_type or "").lower(),
            tuple(_ref(assets[a]) for a in (s.assets or []) if a in assets),
        )
        for s in scenes
    )
    return RenderInputs(job.id, inputs, spec_for(job))


def materialise(inputs: RenderInputs, folder: Path, should_cancel: Callable[[], bool]) -> list[RenderScene]:
    """Copy each asset's blob to a file under `folder`, chunk by chunk, and return the renderer's scenes."""
    folder.mkdir(parents=True, exist_ok=True)
    store, paths = get_store(), {}
    for ref in (m for s in inputs.scenes for m in s.media):
        if ref.asset_id in paths:
            continue
        if should_cancel():
            raise RenderCancelled("media")
        blob = db.session.get(Blob, ref.blob_id)
        if blob is None:  # the asset was deleted since the storyboard was approved
            continue
        path = folder / f"asset-{ref.asset_id}.{ref.extension}"
        with open(path, "wb") as out:
            for chunk in store.open_range(blob):
                out.write(chunk)
        paths[ref.asset_id] = str(path)
    end_read()  # before the long render
    return [_scene(s, paths) for s in inputs.scenes]


def _scene(scene: SceneInput, paths: dict[str, str]) -> RenderScene:
    kept = [m for m in scene.media if m.asset_id in paths]
    media = tuple(RenderMedia(paths[m.asset_id], m.type, m.width, m.height, m.duration) for m in kept)
    return RenderScene(
        scene.number, scene.duration, scene.description, scene.script, scene.transition, scene.shot_type, media
    )
