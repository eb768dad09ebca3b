"""What a render needs from the database: scenes in order, their usable assets, the output spec (call to
action, language), and the job's logo and music track."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from storyboard.integrations.llm.offline import language
from storyboard.integrations.render import RenderCancelled, RenderMedia, RenderScene, RenderSpec
from storyboard.models import Asset, Blob, Client, Job, db
from storyboard.services.assets import attachments
from storyboard.services.core.transactions import end_read
from storyboard.storage import store_for

VISUAL_TYPES = ("image", "video")
# Roles or tags (compared lower-case, "-" and " " read as "_") that make an asset the end card's logo or the
# music under the voice-over (issue 12).
LOGO_MARKS = frozenset({"logo", "brand_logo"})
MUSIC_MARKS = frozenset({"music"})


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
    on_screen_text: str = ""


@dataclass(frozen=True)
class RenderInputs:
    job_id: str
    scenes: tuple[SceneInput, ...]
    spec: RenderSpec  # its logo and music are filled in by `materialise`, once their files exist
    logo: MediaRef | None = None
    music: MediaRef | None = None

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
    """Format, brand colours, the end card's title and call to action, and the ad's language (no media yet)."""
    creative = _pick(job.request, "creative") or {}
    specs = _pick(creative, "video_specs", "videoSpecs") or {}
    client = db.session.get(Client, job.client_id)
    colors = _pick((client.brand_guidelines if client else None) or {}, "colors") or ()
    basics = _pick(job.request, "ad_basics", "adBasics") or {}
    product, cta = _pick(basics, "product"), _pick(basics, "call_to_action", "callToAction")
    return RenderSpec(
        format=str(specs.get("format") or "16:9"),
        resolution=str(specs.get("resolution") or "720p"),
        brand_colors=tuple(str(c) for c in colors if isinstance(c, str)),
        title=str(product) if product else None,
        call_to_action=(str(cta).strip() or None) if cta else None,
        language=_language(creative, basics),
    )


def _language(creative: Mapping, basics: Mapping) -> str | None:
    """The brief's creative.language as given (an IETF tag), else detected from the brief's own words (the
    offline writer's detector); None when it speaks a language the detector does not tell."""
    tag = _pick(creative, "language")
    if isinstance(tag, str) and tag.strip():
        return tag.strip()
    fields = (
        ("product",),
        ("target_audience", "targetAudience"),
        ("key_message", "keyMessage"),
        ("call_to_action", "callToAction"),
    )
    texts = [str(t) for t in (_pick(basics, *keys) for keys in fields) if t]
    return language.detect(" \n".join(texts)) if texts else None


def _ready_assets(job: Job, ids: set[str]) -> dict[str, Asset]:
    # The owner check keeps a scene from pulling in another user's asset by id.
    query = select(Asset).where(
        Asset.id.in_(ids), Asset.user_id == job.user_id, Asset.status == "ready", Asset.blob_id.is_not(None)
    )
    return {a.id: a for a in db.session.scalars(query)}


def _usable_assets(job: Job, ids: set[str]) -> dict[str, Asset]:
    return {i: a for i, a in _ready_assets(job, ids).items() if a.type in VISUAL_TYPES}


def _marks(asset: Asset, role: str | None) -> set[str]:
    labels = [role, asset.role, *(asset.tags if isinstance(asset.tags, list) else ())]
    return {str(x).strip().lower().replace("-", "_").replace(" ", "_") for x in labels if x}


def _job_media(job: Job, scene_ids: Iterable[str]) -> tuple[MediaRef | None, MediaRef | None]:
    """The job's logo (an image) and music track (an audio file): the first of its assets, in the brief's order
    then the scenes', whose role (the brief's for this job, else the asset's own) or tags mark it so."""
    roles = {brief.id: brief.role for brief in attachments.briefs(job)}
    ids = list(dict.fromkeys([*(job.asset_ids or []), *scene_ids]))
    rows = _ready_assets(job, set(ids))
    ordered = [rows[i] for i in ids if i in rows]
    logo = next((a for a in ordered if a.type == "image" and _marks(a, roles.get(a.id)) & LOGO_MARKS), None)
    music = next((a for a in ordered if a.type == "audio" and _marks(a, roles.get(a.id)) & MUSIC_MARKS), None)
    return (_ref(logo) if logo else None), (_ref(music) if music else None)


def _ref(asset: Asset) -> MediaRef:
    ext = (asset.format or "bin").lower().strip(".")[:8] or "bin"
    return MediaRef(asset.id, asset.blob_id, asset.type, ext, asset.width, asset.height, asset.duration)


def gather(job: Job) -> RenderInputs:
    """The job's scenes in order with the ready image/video assets each names (missing ones are skipped)."""
    scenes = sorted(job.scenes, key=lambda s: s.scene_number)
    scene_ids = [a for s in scenes for a in (s.assets or []) if isinstance(a, str)]
    assets = _usable_assets(job, set(scene_ids))
    inputs = tuple(
        SceneInput(
            s.scene_number,
            float(s.duration),
            s.description or "",
            s.script or "",
            (s.transition or "cut").lower(),
            (s.shot_type or "").lower(),
            tuple(_ref(assets[a]) for a in (s.assets or []) if a in assets),
            s.on_screen_text or "",
        )
        for s in scenes
    )
    logo, music = _job_media(job, scene_ids)
    return RenderInputs(job.id, inputs, spec_for(job), logo, music)


def materialise(
    inputs: RenderInputs, folder: Path, should_cancel: Callable[[], bool]
) -> tuple[list[RenderScene], RenderSpec]:
    """Copy each asset's blob (the scenes' media, the logo, the music) to a file under `folder`, chunk by chunk,
    and return the renderer's scenes and its spec with the logo and music that could be copied."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    extras = [m for m in (inputs.logo, inputs.music) if m is not None]
    for ref in [*(m for s in inputs.scenes for m in s.media), *extras]:
        if ref.asset_id in paths:
            continue
        if should_cancel():
            raise RenderCancelled("media")
        blob = db.session.get(Blob, ref.blob_id)
        if blob is None:  # the asset was deleted since the storyboard was approved
            continue
        path = folder / f"asset-{ref.asset_id}.{ref.extension}"
        with open(path, "wb") as out:
            for chunk in store_for(blob).open_range(blob):
                out.write(chunk)
        paths[ref.asset_id] = str(path)
    end_read()  # before the long render
    spec = replace(inputs.spec, logo=_media(inputs.logo, paths), music=_media(inputs.music, paths))
    return [_scene(s, paths) for s in inputs.scenes], spec


def _media(ref: MediaRef | None, paths: dict[str, str]) -> RenderMedia | None:
    if ref is None or ref.asset_id not in paths:
        return None
    return RenderMedia(paths[ref.asset_id], ref.type, ref.width, ref.height, ref.duration)


def _scene(scene: SceneInput, paths: dict[str, str]) -> RenderScene:
    media = tuple(m for m in (_media(ref, paths) for ref in scene.media) if m is not None)
    return RenderScene(
        scene.number,
        scene.duration,
        scene.description,
        scene.script,
        scene.transition,
        scene.shot_type,
        media,
        on_screen_text=scene.on_screen_text,
    )
