"""Assets resource."""
