"""/api/v3/jobs/{jobId}/scenes: a job's storyboard scenes, addressed by number or id, and their revisions."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from storyboard import errors
from storyboard.api.base import Blueprint
from storyboard.api.fields import MAX_INT, MessageSchema
from storyboard.api.principal import principal
from storyboard.api.scenes.schemas import (
    SceneListSchema,
    SceneRegenerateSchema,
    SceneRevisionSchema,
    SceneSchema,
    SceneUpdateSchema,
)
from storyboard.api.streaming import binary_doc, body_span, serve_blob
from storyboard.services import rendering, storyboards

blp = Blueprint("scenes", __name__, url_prefix="/api/v3/jobs", description="Storyboard scenes")


def if_match_version() -> int | None:
    """The scene version named by an If-Match header ("3" or W/"3"), if any."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    value = raw.removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise errors.Unprocessable('If-Match must name a scene version, e.g. "3"')
    return int(value)


@blp.route("/<job_id>/scenes")
class Scenes(MethodView):
    @blp.response(200, SceneListSchema)
    def get(self, job_id):
        """List the job's scenes by number."""
        return {"scenes": storyboards.list_scenes(principal(), job_id)}


@blp.route("/<job_id>/scenes/<scene>")
class SceneById(MethodView):
    @blp.response(200, SceneSchema)
    def get(self, job_id, scene):
        """Get one scene, by number or id."""
        return storyboards.get_scene(principal(), job_id, scene)

    @blp.arguments(SceneUpdateSchema)
    @blp.response(200, SceneSchema)
    def put(self, changes, job_id, scene):
        """Edit a scene in review (409 after approval, or when `version`/If-Match is stale)."""
        version = changes.pop("version", None) or if_match_version()
        return storyboards.update_scene(principal(), job_id, scene, changes, version=version)

    @blp.response(200, MessageSchema)
    def delete(self, job_id, scene):
        """Delete a scene in review (never the last one)."""
        return storyboards.delete_scene(principal(), job_id, scene)


@blp.route("/<job_id>/scenes/<scene>/regenerate")
class SceneRegenerate(MethodView):
    @blp.arguments(SceneRegenerateSchema)
    @blp.response(200, SceneSchema)
    def post(self, body, job_id, scene):
        """Rewrite one scene with the AI, guided by `feedback` and `constraints`."""
        return storyboards.regenerate_scene(principal(), job_id, scene, **body)


@blp.route("/<job_id>/scenes/<scene>/revisions")
class SceneRevisions(MethodView):
    @blp.response(200, SceneRevisionSchema(many=True))
    def get(self, job_id, scene):
        """Every revision of a scene, oldest first: who or what made it, and the feedback used."""
        return storyboards.list_revisions(principal(), job_id, scene)


# A revision number no Integer column can hold finds nothing (404), the same on SQLite and Postgres.
@blp.route(f"/<job_id>/scenes/<scene>/revisions/<int(max={MAX_INT}):revision>/restore")
class SceneRevisionRestore(MethodView):
    @blp.response(200, SceneSchema)
    def post(self, job_id, scene, revision):
        """Bring a scene back to one of its revisions (kept as a new revision)."""
        return storyboards.restore_revision(principal(), job_id, scene, revision)


@blp.route("/<job_id>/scenes/<scene>/preview.jpg")
class ScenePreview(MethodView):
    @blp.doc(**binary_doc("image/jpeg", "The frame at the scene's middle, longest side 640 px"))
    def get(self, job_id, scene):
        """The frame the render will show at the middle of the scene (ETag; changes with the scene)."""
        document, body = rendering.scene_preview(principal(), job_id, scene, body_span)
        response = serve_blob(document, document.filename, None, body)
        response.headers["Cache-Control"] = "private, no-cache"  # the same URL shows each edit of the scene
        return response
