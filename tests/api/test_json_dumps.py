"""Every JSON read of jobs, scenes and assets answers the same bytes as marshmallow's own dump did."""

from __future__ import annotations

import re

import marshmallow as ma
import pytest

from storyboard.models import JOB_STATUSES
from storyboard.wire.base import Schema
from tests.support.factories import make_client, make_job
from tests.support.jobs import add_asset

_PROGRESS = (
    None,
    {
        "current_stage": "rendering",
        "scenes_total": 5,
        "scenes_completed": 2,
        "current_scene": 3,
        "estimated_completion_seconds": 40,
        "message": "Rendering scene 3",
        "percent": 47,
    },
)
_LOADED_BRIEF = {
    "context": {"client_id": "c", "campaign_id": None},
    "ad_basics": {"product": "p", "target_audience": "t", "key_message": "k", "call_to_action": "c"},
    "creative": {
        "video_specs": {"duration": 30.0, "format": "16:9", "resolution": "720p"},
        "direction": {"style": "modern", "tone": None, "visual_elements": ["city"], "music_style": None},
        "assets": [{"url": "https://media.test/a.png", "type": "image"}],
        "storyboard": None,
    },
    "advanced": None,
    "generate_audio": True,
    "callback_url": None,
}


@pytest.fixture
def world(app, api):
    """Jobs in every status (with and without progress, scenes and a loaded brief) and assets of every type."""
    with app.app_context():
        from storyboard.models import Scene, User, db

        owner = db.session.get(User, api.user.id)
        client = make_client(owner)
        job_ids = []
        for i, status in enumerate(JOB_STATUSES * 2):
            job = make_job(owner, client, status=status, progress=_PROGRESS[i % 2], generate_audio=i % 3 == 0)
            if i % 3 == 0:
                job.request = _LOADED_BRIEF
            for n in range(1, i % 4 + 1):
                db.session.add(
                    Scene(
                        job_id=job.id,
                        scene_number=n,
                        duration=5 + n / 2,
                        description=f"Shot {n}",
                        script=None if n % 2 else "Words",
                        assets=[],
                        meta={"n": n},
                    )
                )
            job_ids.append(job.id)
        db.session.commit()
    asset_ids = [
        add_asset(app, api.user.id, type=kind, duration=1.23456) for kind in ("image", "video", "audio", "document")
    ]
    return {"jobs": job_ids, "assets": asset_ids}


def _body(api, path: str) -> bytes:
    response = api.get(path, headers={"X-Request-ID": "same"})
    assert response.status_code == 200, response.data
    return re.sub(rb'"timestamp":"[^"]+"', b'"timestamp":"-"', response.data)


def test_reads_answer_what_marshmallow_alone_answers(api, world, monkeypatch):
    paths = ["/api/v3/jobs?limit=50", "/api/v3/jobs?limit=5&offset=3", "/api/v3/assets?limit=50"]
    paths += [f"/api/v3/jobs/{job_id}" for job_id in world["jobs"]]
    paths += [f"/api/v3/jobs/{job_id}/scenes" for job_id in world["jobs"][:4]]
    paths += [f"/api/v3/assets/{asset_id}" for asset_id in world["assets"]]
    fast = [_body(api, path) for path in paths]
    monkeypatch.setattr(Schema, "dump", ma.Schema.dump)
    assert [_body(api, path) for path in paths] == fast
    assert b'"scenes":[{' in b"".join(fast) and b'"request":{"adBasics"' in b"".join(fast)
