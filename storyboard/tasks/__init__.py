"""Background task entry points: ids in, one service call each."""
