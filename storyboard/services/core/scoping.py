"""The tenant wall: every owned row is loaded through these helpers."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, func, select

from storyboard import errors
from storyboard.models import User, db

M = TypeVar("M")


def get_owned(model: type[M], object_id: str | None, owner: User, message: str | None = None) -> M:
    """Return the row with this id owned by `owner`; NotFound for a missing row and another owner's alike."""
    return _one_owned(select(model), model, object_id, owner, message)


def get_owned_with(model: type[M], object_id: str | None, owner: User, message: str, other, onclause) -> tuple:
    """(row, other row or None): `get_owned` plus the `other` row it points to, loaded in the same query."""
    return tuple(_one_owned(select(model, other).outerjoin(other, onclause), model, object_id, owner, message))


def _one_owned(query: Select, model, object_id, owner: User, message: str | None):
    name = message or f"{model.__name__} not found"
    if not object_id or not isinstance(object_id, str) or len(object_id) > 64:
        raise errors.NotFound(name)
    row = db.session.execute(query.where(model.id == object_id, model.user_id == owner.id)).first()
    if row is None:
        raise errors.NotFound(name)
    return row[0] if len(row) == 1 else row


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
