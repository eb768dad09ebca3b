"""Scene preview frames: the frame the render shows at a scene's middle, drawn by the render's own layers from
the job's render inputs, and kept per scene (`ScenePreview`) until what it shows changes."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storyboard.integrations.render import preview
from storyboard.integrations.render.spec import plan_timeline
from storyboard.models import ScenePreview, User, db, utcnow
from storyboard.services.core import scratch
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.core.transactions import write_if_free
from storyboard.services.rendering.inputs import RenderInputs, gather, materialise
from storyboard.services.rendering.review import Document, document, download_name, reviewable_job
from storyboard.services.rendering.run import WORKDIR_PREFIX, work_root
from storyboard.services.storyboards import records

log = logging.getLogger(__name__)


def scene_preview(owner: User, job_id: str, ref: str, span: Span) -> tuple[Document, Readout]:
    """The JPEG of the frame the render shows at the middle of scene `ref` (number or id), its ETag the digest
    of what it shows; drawn when no kept one matches. 409 until the storyboard is written."""
    job = reviewable_job(owner, job_id, "A scene preview is")
    scene = records.find(job, ref)
    inputs = gather(job)
    index = next(i for i, s in enumerate(inputs.scenes) if s.number == scene.scene_number)
    ids = [None] * len(inputs.scenes)
    ids[index] = scene.id
    name = download_name(job, f"scene-{scene.scene_number}.jpg")
    (key, jpeg) = frames(inputs, ids)[index]
    return document(jpeg, "image/jpeg", name, span, etag=key)


def frames(inputs: RenderInputs, scene_ids: Sequence[str | None]) -> dict[int, tuple[str, bytes]]:
    """(key, JPEG) of each scene whose id is given (by its index in `inputs.scenes`): the kept preview when its
    key still matches, else drawn (copying only those scenes' media) and kept. Ends the read transaction when it
    draws."""
    keys = {i: preview_key(inputs, i, scene_id) for i, scene_id in enumerate(scene_ids) if scene_id}
    query = select(ScenePreview).where(ScenePreview.scene_id.in_([scene_ids[i] for i in keys]))
    kept = {row.scene_id: row for row in db.session.scalars(query)}
    found = {i: (key, kept[scene_ids[i]].jpeg) for i, key in keys.items() if _matches(kept, scene_ids[i], key)}
    missing = [i for i in keys if i not in found]
    if missing:
        drawn = _draw(inputs, missing)
        found.update({i: (keys[i], drawn[i]) for i in missing})
        _keep([(scene_ids[i], keys[i], drawn[i]) for i in missing])
    return found


def _matches(kept: dict[str, ScenePreview], scene_id: str | None, key: str) -> bool:
    row = kept.get(scene_id or "")
    return row is not None and row.key == key


def preview_key(inputs: RenderInputs, index: int, scene_id: str) -> str:
    """The digest of everything scene `index`'s middle frame is drawn from: the scene (not its description, which
    no frame shows) with its media's blobs, its frames and transitions on the timeline, whether it is the last
    (the end card), the job's format, brand and language, the logo, and the drawing code's version."""
    scene, last = inputs.scenes[index], index == len(inputs.scenes) - 1
    facts = {
        "renderer": preview.renderer_version(),
        "side": preview.PREVIEW_SIDE,
        "scene": scene_id,
        "shown": {k: v for k, v in asdict(scene).items() if k != "description"},
        "plan": asdict(plan_timeline(inputs.scenes, inputs.spec.fps)[index]),
        "index": index,
        "last": last,
        "spec": asdict(inputs.spec),
        "logo": inputs.logo.blob_id if last and inputs.logo else None,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _draw(inputs: RenderInputs, indices: list[int]) -> dict[int, bytes]:
    """Draw the previews of scenes `indices`, with the media of those scenes (and the logo for the end card)
    copied from the blob store to a scratch folder."""
    last = len(inputs.scenes) - 1
    only = replace(
        inputs,
        scenes=tuple(s if i in indices else replace(s, media=()) for i, s in enumerate(inputs.scenes)),
        logo=inputs.logo if last in indices else None,
        music=None,
    )
    with scratch.folder(WORKDIR_PREFIX, work_root()) as folder:
        work = Path(folder)
        scenes, spec = materialise(only, work / "media", lambda: False)
        return {i: preview.preview_jpeg(scenes, i, spec, work) for i in indices}


def _keep(previews: list[tuple[str, str, bytes]]) -> None:
    """Keep the drawn previews, unless the database is busy writing (a read never waits for that) or a scene has
    gone meanwhile."""

    def change() -> None:
        for scene_id, key, jpeg in previews:
            row = db.session.get(ScenePreview, scene_id)
            if row is None:
                db.session.add(ScenePreview(scene_id=scene_id, key=key, jpeg=jpeg))
            else:
                row.key, row.jpeg, row.created_at = key, jpeg, utcnow()

    try:
        if not write_if_free(change):
            log.info("scene previews not kept: the database was busy")
    except IntegrityError:  # a scene deleted, or the same preview kept by another request, meanwhile
        log.info("scene previews not kept: their scenes changed meanwhile")
