"""What every domain builds on: the tenant wall (scoping), idempotency keys, waiting for background work,
the cost formula, blob lifetime and readiness.

The layer above may call: readiness; domains import the modules themselves.
"""

from storyboard.services.core.health import readiness

__all__ = ["readiness"]
