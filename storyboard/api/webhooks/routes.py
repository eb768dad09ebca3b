"""/api/v3/webhook: the caller's default callback URL for job status changes, signed with their secret."""

from __future__ import annotations

from flask.views import MethodView

from storyboard.api.base import Blueprint
from storyboard.api.principal import principal
from storyboard.api.webhooks.schemas import WebhookSchema, WebhookUpdateSchema
from storyboard.services import webhooks

blp = Blueprint("webhooks", __name__, url_prefix="/api/v3/webhook", description="Job status webhooks")


@blp.route("")
class Webhook(MethodView):
    @blp.response(200, WebhookSchema)
    def get(self):
        """Show the default callback URL and the signing secret."""
        return webhooks.get_webhook(principal())

    @blp.arguments(WebhookUpdateSchema)
    @blp.response(200, WebhookSchema)
    def put(self, data):
        """Set the default callback URL (checked like a download URL); returns the signing secret."""
        return webhooks.set_webhook(principal(), data["url"], rotate_secret=data["rotate_secret"])

    @blp.response(200, WebhookSchema)
    def delete(self):
        """Remove the default callback URL (the secret stays: job callbackUrls use it too)."""
        return webhooks.delete_webhook(principal())
