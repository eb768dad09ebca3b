"""The user's default webhook: its URL (checked like a download URL) and the secret deliveries are signed with."""

from __future__ import annotations

import secrets

from flask import current_app

from storyboard import errors
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from storyboard.models import User, db

EVENT = "job.status_changed"


def policy() -> FetchPolicy:
    """The download address policy, with a delivery's own deadline and no size cap."""
    config = current_app.config
    return FetchPolicy(
        max_bytes=0,
        deadline_seconds=10,
        allowed_ports=tuple(config.get("ASSET_ALLOWED_PORTS") or (80, 443)),
        allow_private=bool(config.get("ASSET_FETCH_ALLOW_PRIVATE")),
    )


def validate_callback_url(url: str) -> None:
    """The asset-download URL policy, without network: raises Unprocessable("Callback URL not allowed")."""
    try:
        Fetcher(policy()).check_url(url)
    except errors.Unprocessable:
        raise errors.Unprocessable("Callback URL not allowed") from None


def ensure_secret(user: User, rotate: bool = False) -> str:
    """The user's signing secret, created (or rotated) in the caller's transaction."""
    if rotate or not user.webhook_secret:
        user.webhook_secret = "whsec_" + secrets.token_urlsafe(32)
    return user.webhook_secret


def get_webhook(owner: User) -> dict:
    return {"url": owner.webhook_url, "secret": owner.webhook_secret, "event": EVENT}


def set_webhook(owner: User, url: str, *, rotate_secret: bool = False) -> dict:
    """Register the default callback URL (checked like a download URL); creates the signing secret; commits."""
    validate_callback_url(url)
    user = db.session.get(User, owner.id)
    user.webhook_url = url
    ensure_secret(user, rotate_secret)
    db.session.commit()
    return get_webhook(user)


def delete_webhook(owner: User) -> dict:
    """Forget the default URL; the secret stays, since job callbackUrls are signed with it too; commits."""
    user = db.session.get(User, owner.id)
    user.webhook_url = None
    db.session.commit()
    return get_webhook(user)
