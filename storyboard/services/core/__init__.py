"""What every domain builds on: the tenant wall (scoping), idempotency keys, waiting for background work,
the cost formula, blob lifetime and readiness.

The layer above may call: read_range (stream a blob), readiness; domains import the modules themselves.
"""

from storyboard.services.core.blobs import read_range
from storyboard.services.core.health import readiness

__all__ = ["read_range", "readiness"]
