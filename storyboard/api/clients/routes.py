"""/api/v3/clients: the agency's customers."""

from __future__ import annotations

from flask.views import MethodView

from storyboard.api.base import Blueprint, set_list_meta
from storyboard.api.clients.schemas import (
    ClientCreateSchema,
    ClientListArgsSchema,
    ClientSchema,
    ClientStatsSchema,
    ClientUpdateSchema,
)
from storyboard.api.fields import MessageSchema
from storyboard.api.principal import principal
from storyboard.services import catalog

blp = Blueprint("clients", __name__, url_prefix="/api/v3/clients", description="Clients of the agency")


@blp.route("")
class Clients(MethodView):
    @blp.arguments(ClientListArgsSchema, location="query")
    @blp.response(200, ClientSchema(many=True))
    def get(self, args):
        """List clients, newest first."""
        items, total = catalog.list_clients(principal(), offset=args["offset"], limit=args["limit"])
        set_list_meta(total, args["offset"], args["limit"])
        return items

    @blp.arguments(ClientCreateSchema)
    @blp.response(201, ClientSchema)
    def post(self, data):
        """Create a client."""
        return catalog.create_client(principal(), data)


@blp.route("/<client_id>")
class ClientById(MethodView):
    @blp.response(200, ClientSchema)
    def get(self, client_id):
        """Get one client."""
        return catalog.get_client(principal(), client_id)

    @blp.arguments(ClientUpdateSchema)
    @blp.response(200, ClientSchema)
    def put(self, data, client_id):
        """Update a client (only fields that are present and non-null change)."""
        return catalog.update_client(principal(), client_id, data)

    @blp.response(200, MessageSchema)
    def delete(self, client_id):
        """Delete a client with its campaigns, assets and jobs."""
        catalog.delete_client(principal(), client_id)
        return {"message": "Client deleted successfully"}


@blp.route("/<client_id>/stats")
class ClientStats(MethodView):
    @blp.response(200, ClientStatsSchema)
    def get(self, client_id):
        """Campaign, job and video counts and spend of a client."""
        return catalog.client_stats(principal(), client_id)
