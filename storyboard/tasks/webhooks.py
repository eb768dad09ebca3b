"""Webhook task: one attempt of one signed status delivery (queue "webhooks")."""

from __future__ import annotations

from storyboard.services import webhooks


def deliver(delivery_id: str) -> None:
    """Deliver WebhookDelivery `delivery_id` once; the service schedules any retry itself."""
    webhooks.deliver(delivery_id)
