"""Campaigns resource."""
