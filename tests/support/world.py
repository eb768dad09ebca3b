"""One user's objects of every kind, for tests that walk every route (tenancy, schemathesis)."""

from __future__ import annotations

from tests.support import factories


def build_world(app, api) -> dict[str, str]:
    """Create a client, campaign, job and scene for `api`'s user; return path-parameter name → id."""
    with app.app_context():
        from storyboard.models import User, db

        owner = db.session.get(User, api.user.id)
        client = factories.make_client(owner, name="World client")
        campaign = factories.make_campaign(owner, client)
        job = factories.make_job(owner, client, campaign)
        ids = {"client_id": client.id, "campaign_id": campaign.id, "job_id": job.id, "asset_id": _asset(owner)}
        return {**ids, **_scenes(job)}


def _asset(owner) -> str:
    from storyboard.models import Asset, db

    asset = Asset(user_id=owner.id, name="World asset", type="image", status="ready", tags=[])
    db.session.add(asset)
    db.session.commit()
    return asset.id


def _scenes(job) -> dict[str, str]:
    """Two scenes with one revision each, so scene routes have something to act on."""
    from storyboard.models import Scene, SceneRevision, db

    scenes = [
        Scene(
            job_id=job.id,
            scene_number=n,
            duration=5.0,
            description=f"World scene {n}",
            script="Order today.",
            shot_type="wide",
            transition="cut",
            assets=[],
            meta={},
        )
        for n in (1, 2)
    ]
    db.session.add_all(scenes)
    db.session.flush()
    for scene in scenes:
        db.session.add(
            SceneRevision(
                scene_id=scene.id,
                job_id=job.id,
                scene_number=scene.scene_number,
                revision=1,
                kind="generated",
                actor="system",
                snapshot={"description": scene.description},
            )
        )
    db.session.commit()
    return {"scene": scenes[0].id, "revision": "1"}
