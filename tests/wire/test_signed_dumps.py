"""Inside an app (which holds the signing key) the hand-written dumps sign the same links marshmallow's do."""

from __future__ import annotations

import flask
import pytest

from storyboard.api.assets.schemas import AssetSchema
from storyboard.api.jobs.schemas import JobListItemSchema
from storyboard.wire.jobs import JobSchema, job_json
from tests.wire import rows
from tests.wire.conftest import as_json

JOBS = rows.jobs()
ASSETS = rows.assets()


@pytest.fixture(autouse=True)
def signing_app():
    """A bare app with a key; a TTL of years keeps every link of a test inside one expiry bucket."""
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="wire-secret-0123456789abcdef0123456789", SIGNED_URL_TTL_SECONDS=400_000_000)
    with app.app_context():
        yield


@pytest.mark.parametrize(
    ("schema", "items"),
    [(JobSchema(), JOBS), (JobListItemSchema(), JOBS), (AssetSchema(), ASSETS)],
    ids=["job", "job-list-item", "asset"],
)
def test_signed_links_dump_as_marshmallow_does(schema, items, marshmallow_dump):
    for item in items:
        assert as_json(schema.dump(item)) == as_json(marshmallow_dump(schema, item)), item.id


def test_the_rows_have_signed_links_and_rows_without_media_have_none():
    jobs = [job_json(job) for job in JOBS]
    assert any(j["signedVideoUrl"] for j in jobs) and any(j["signedVideoUrl"] is None for j in jobs)
    for out in jobs:
        for plain, signed in (("videoUrl", "signedVideoUrl"), ("thumbnailUrl", "signedThumbnailUrl")):
            assert (out[signed] or "").startswith(out[plain] or "") and bool(out[signed]) == bool(out[plain])
    assets = [AssetSchema().dump(asset) for asset in ASSETS]
    assert all(a["signedUrl"] for a, row in zip(assets, ASSETS, strict=True) if row.user_id)
    assert any(a["signedThumbnailUrl"] for a in assets)
