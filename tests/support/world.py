"""One user's objects of every kind, for tests that walk every route (tenancy, schemathesis)."""

from __future__ import annotations

from tests.support import factories


def build_world(app, api) -> dict[str, str]:
    """Create a client, campaign and job for `api`'s user; return path-parameter name → id."""
    with app.app_context():
        from storyboard.models import User, db

        owner = db.session.get(User, api.user.id)
        client = factories.make_client(owner, name="World client")
        campaign = factories.make_campaign(owner, client)
        job = factories.make_job(owner, client, campaign)
        return {"client_id": client.id, "campaign_id": campaign.id, "job_id": job.id}
