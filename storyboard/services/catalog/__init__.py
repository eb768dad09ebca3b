"""Clients and campaigns, and their stats.

The layer above may call the functions re-exported here.
"""

from storyboard.services.catalog.campaigns import (
    create_campaign,
    delete_campaign,
    get_campaign,
    list_campaigns,
    update_campaign,
)
from storyboard.services.catalog.clients import create_client, delete_client, get_client, list_clients, update_client
from storyboard.services.catalog.stats import campaign_stats, client_stats

__all__ = [
    "campaign_stats",
    "client_stats",
    "create_campaign",
    "create_client",
    "delete_campaign",
    "delete_client",
    "get_campaign",
    "get_client",
    "list_campaigns",
    "list_clients",
    "update_campaign",
    "update_client",
]
