"""Security headers on every response: JSON, errors, the OpenAPI document, the Swagger page and blobs.

A response that set a header itself keeps it: blobs send their stricter sandboxing CSP and their own cache
rules (private, immutable); everything else is never sniffed, framed, cached or given a Referer.
"""

from __future__ import annotations

# The Swagger page runs scripts from its CDN, so HTML is only kept out of frames; nothing else may load anything.
HTML_POLICY = "frame-ancestors 'none'"
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'"


def secure(response):
    """after_request: nosniff, anti-framing, no Referer, and no-store for JSON (the answers are per user)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", HTML_POLICY if response.mimetype == "text/html" else DEFAULT_POLICY)
    headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "application/json":
        headers.setdefault("Cache-Control", "no-store")
    return response
