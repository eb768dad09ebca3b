"""The tenant wall: every owned row is loaded through these helpers."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, func, select

from storyboard import errors
from storyboard.models import User, db

M = TypeVar("M")


def get_owned(model: type[M], object_id: str | None, owner: User, message: str | None = None) -> M:
    """Return the row with this id owned by `owner`; NotFound for a missing row and another owner's alike."""
    name = message or f"{model.__name__} not found"
    if not object_id or not isinstance(object_id, str) or len(object_id) > 64:
        raise errors.NotFound(name)
    row = db.session.scalar(select(model).where(model.id == object_id, model.user_id == owner.id))
    if row is None:
        raise errors.NotFound(name)
    return row


def owned_query(model, owner: User) -> Select:
    return select(model).where(model.user_id == owner.id)


def paginate(query: Select, order_by, *, offset: int, limit: int) -> tuple[list, int]:
    """Run `query` for one page, newest first, and count all matching rows in SQL."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.order_by(*order_by).offset(offset).limit(limit)).all()
    return list(rows), total or 0


def patch(row, data: dict, updatable: tuple[str, ...]) -> dict:
    """Apply the present, non-null fields of `data` (PATCH-like PUT); 422 when there are none."""
    changes = {k: v for k, v in data.items() if k in updatable and v is not None}
    if not changes:
        raise errors.Unprocessable("No updatable fields supplied")
    for key, value in changes.items():
        setattr(row, key, value)
    return changes
