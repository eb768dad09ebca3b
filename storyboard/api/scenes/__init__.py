"""Scenes resource (a job's storyboard)."""
