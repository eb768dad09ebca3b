"""Clients resource."""
