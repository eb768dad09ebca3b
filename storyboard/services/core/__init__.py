"""What every domain builds on: the tenant wall (scoping), idempotency keys, waiting for background work,
the cost formula, blob lifetime and readiness.

The layer above may call: readiness, figures (for /metrics), ensure_database (the CLI); domains import the
modules themselves.
"""

from storyboard.services.core.gauges import figures
from storyboard.services.core.health import readiness
from storyboard.services.core.provision import ensure_database

__all__ = ["ensure_database", "figures", "readiness"]
