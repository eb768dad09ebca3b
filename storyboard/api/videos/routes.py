"""/api/v3/jobs/{job_id}/video: the rendered MP4 and its poster frame (GET and HEAD, Range, ETag)."""

from __future__ import annotations

from flask.views import MethodView

from storyboard.api.base import Blueprint
from storyboard.api.principal import principal
from storyboard.api.streaming import binary_doc, body_span, serve_blob
from storyboard.services import rendering

blp = Blueprint("videos", __name__, url_prefix="/api/v3/jobs", description="Rendered videos")


def _serve(job_id: str, poster: bool):
    job, blob, body, name = rendering.open_video(principal(), job_id, body_span, poster=poster)
    return serve_blob(blob, name, job.completed_at, body)


@blp.route("/<job_id>/video")
class JobVideo(MethodView):
    @blp.doc(**binary_doc("video/mp4", "The H.264/AAC MP4 (Range supported)"))
    def get(self, job_id):
        """Stream the job's rendered MP4 (GET and HEAD; single Range; ETag); 404 until completed."""
        return _serve(job_id, poster=False)


@blp.route("/<job_id>/video/thumbnail")
class JobVideoThumbnail(MethodView):
    @blp.doc(**binary_doc("image/jpeg", "A JPEG poster frame, longest side 640 px"))
    def get(self, job_id):
        """Stream the video's JPEG poster frame."""
        return _serve(job_id, poster=True)
