"""Helpers for storyboard tests: asset rows, scripted LLM replies, job creation, row counts."""

from __future__ import annotations

import json


def add_asset(app, user_id: str, **data) -> str:
    """A ready asset row (the upload path has its own tests)."""
    with app.app_context():
        from storyboard.models import Asset, db

        base = {
            "name": "Bottle on white",
            "type": "image",
            "status": "ready",
            "width": 1200,
            "height": 1200,
            "tags": ["product"],
        }
        asset = Asset(user_id=user_id, **{**base, **data})
        db.session.add(asset)
        db.session.commit()
        return asset.id


def scenes_reply(count: int, *, duration: float = 7.5, assets: dict | None = None) -> dict:
    """An LLM storyboard reply with `count` scenes."""
    items = []
    for i in range(count):
        items.append(
            {
                "sceneNumber": i + 1,
                "duration": duration,
                "description": f"Shot {i + 1} of the Aurora bottle",
                "script": "Order today." if i == count - 1 else f"Line {i + 1}.",
                "shotType": "Wide",
                "transition": "CUT",
                "assets": (assets or {}).get(i, []),
                "metadata": {"mood": "bright"},
            }
        )
    return {"scenes": items}


def scene_reply(**overrides) -> str:
    base = {
        "sceneNumber": 1,
        "duration": 7.5,
        "description": "A calmer shot of the bottle on a desk",
        "script": "Stay hydrated.",
        "shotType": "close-up",
        "transition": "dissolve",
        "assets": [],
        "metadata": {"mood": "calm"},
    }
    return json.dumps({**base, **overrides})


def create(api, body: dict, **headers):
    return api.post("/api/v3/jobs", json=body, headers=headers)


def db_counts(app) -> dict[str, int]:
    """Rows per table that a failed create must not leave behind."""
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import Asset, Job, Scene, db

        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in (Job, Scene, Asset)}
