"""Jobs resource."""
