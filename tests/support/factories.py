"""Make rows through the services, as a user of the API would."""

from __future__ import annotations

import itertools

from storyboard.services import accounts, catalog

_counter = itertools.count(1)


def make_user(username: str | None = None):
    """A user and a plain API key for it."""
    user = accounts.create_user(username or f"user{next(_counter)}", password="correct horse")
    _key, plain = accounts.create_api_key(user, "tests")
    return user, plain


def make_client(owner, **data):
    return catalog.create_client(owner, {"name": data.pop("name", f"Client {next(_counter)}"), **data})


def make_campaign(owner, client, **data):
    base = {"client_id": client.id, "name": f"Campaign {next(_counter)}", "goal": "Sell more"}
    return catalog.create_campaign(owner, {**base, **data})


def brief(client_id: str, *, duration: float = 30, campaign_id: str | None = None, **extra) -> dict:
    """A valid JobCreateRequest body."""
    body = {
        "context": {"clientId": client_id, **({"campaignId": campaign_id} if campaign_id else {})},
        "adBasics": {
            "product": "Aurora Smart Bottle",
            "targetAudience": "busy commuters",
            "keyMessage": "Stay hydrated without thinking",
            "callToAction": "Order today",
        },
        "creative": {
            "videoSpecs": {"duration": duration, "format": "16:9"},
            "direction": {"style": "modern", "tone": "upbeat"},
        },
    }
    body.update(extra)
    return body


def make_job(owner, client, campaign=None, status: str = "storyboard_review", **data):
    """A job row in a given status (for reads; the create flow has its own tests)."""
    from storyboard.models import Job, db

    job = Job(
        user_id=owner.id,
        client_id=client.id,
        campaign_id=campaign.id if campaign else None,
        status=status,
        request=brief(client.id),
        estimated_cost=3.015,
        **data,
    )
    db.session.add(job)
    db.session.commit()
    return job
