"""Who a signed media link opens for (the links themselves: storyboard/wire/links.py)."""

from __future__ import annotations

from sqlalchemy import select

from storyboard import errors
from storyboard.models import Asset, Job, User, db
from storyboard.wire import links

_OWNED = {"assets": (Asset, "Asset not found"), "jobs": (Job, "Job not found")}


def user_for_signed_link(secret: str, path: str, exp: int, sig: str) -> User | None:
    """The owner of the medium at `path` when `sig` signs it for them with `exp`; None for a wrong signature.

    404 when the asset or job is gone (a deleted asset's links die with it), 403 for an inactive owner.
    The caller checks that `exp` is still ahead.
    """
    media = links.media_of(path)
    if media is None:
        return None
    model, missing = _OWNED[media[0]]
    ident = media[1]
    # One query: the owner of the row the path names.
    user = db.session.scalar(select(User).join(model, model.user_id == User.id).where(model.id == ident))
    if user is None:
        raise errors.NotFound(missing)
    if not links.valid(secret, path, user.id, exp, sig):
        return None
    if not user.is_active:
        raise errors.Forbidden("Inactive user")
    return user
