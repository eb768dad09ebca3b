"""OpenAPI shapes of the video routes: raw bytes, documented per content type."""

from __future__ import annotations

BINARY = {"type": "string", "format": "binary"}


def binary_doc(content_type: str, description: str) -> dict:
    """A `responses` doc for a binary route: 200/206 bytes of `content_type`, 304 and 416 without a body."""
    content = {content_type: {"schema": BINARY}}
    return {
        "responses": {
            "200": {"description": description, "content": content},
            "206": {"description": "Partial content (a single Range)", "content": content},
            "304": {"description": "Not modified"},
            "416": {"description": "Range not satisfiable"},
        }
    }
