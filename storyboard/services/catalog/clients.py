"""Clients: create, read, update, delete (with everything under them)."""

from __future__ import annotations

from storyboard.models import Client, User, db
from storyboard.services.core import blobs
from storyboard.services.core.scoping import get_owned, owned_query, paginate, patch

UPDATABLE = ("name", "description", "homepage", "brand_guidelines", "meta")
BRAND_KEYS = ("colors", "fonts", "tone", "restrictions", "examples")


def _brand(value: dict | None) -> dict | None:
    # Persist all five keys, absent ones as null, as the original did.
    return None if value is None else {k: value.get(k) for k in BRAND_KEYS}


def create_client(owner: User, data: dict) -> Client:
    client = Client(
        user_id=owner.id,
        name=data["name"],
        description=data.get("description") or "",
        homepage=data.get("homepage"),
        brand_guidelines=_brand(data.get("brand_guidelines")),
        meta=data.get("meta") or None,
    )
    db.session.add(client)
    db.session.commit()
    return client


def get_client(owner: User, client_id: str) -> Client:
    return get_owned(Client, client_id, owner, "Client not found")


def list_clients(owner: User, *, offset: int, limit: int) -> tuple[list[Client], int]:
    return paginate(owned_query(Client, owner), [Client.created_at.desc(), Client.id], offset=offset, limit=limit)


def update_client(owner: User, client_id: str, data: dict) -> Client:
    """PATCH-like: only present, non-null fields change; 422 when none is given."""
    client = get_client(owner, client_id)
    if data.get("brand_guidelines") is not None:
        data = {**data, "brand_guidelines": _brand(data["brand_guidelines"])}
    patch(client, data, UPDATABLE)
    db.session.commit()
    return client


def delete_client(owner: User, client_id: str) -> None:
    """Delete the client with its campaigns, assets and jobs; blobs nobody else uses go too."""
    client = get_client(owner, client_id)
    blobs.delete_owner_of(client, blobs.blob_ids_of_client(client.id))
