"""SQLAlchemy models; importing this package registers every table on `db.metadata`."""

from .asset import ASSET_STATUSES, ASSET_TYPES, Asset
from .base import Base, db, iso_z, new_id, utcnow
from .blob import Blob
from .campaign import CAMPAIGN_STATUSES, Campaign
from .client import Client
from .job import JOB_STATUSES, RENDERABLE, STATUS_ALIASES, WORKING, Job, JobEvent, allowed_actions
from .misc import IdempotencyKey, WebhookDelivery
from .preview import ScenePreview
from .scene import Scene, SceneRevision
from .tally import JobTally
from .user import ApiKey, RevokedToken, User

__all__ = [
    "ASSET_STATUSES",
    "ASSET_TYPES",
    "Asset",
    "Base",
    "db",
    "iso_z",
    "new_id",
    "utcnow",
    "Blob",
    "CAMPAIGN_STATUSES",
    "Campaign",
    "Client",
    "JOB_STATUSES",
    "RENDERABLE",
    "STATUS_ALIASES",
    "WORKING",
    "allowed_actions",
    "Job",
    "JobEvent",
    "IdempotencyKey",
    "WebhookDelivery",
    "Scene",
    "SceneRevision",
    "ScenePreview",
    "JobTally",
    "ApiKey",
    "RevokedToken",
    "User",
]
