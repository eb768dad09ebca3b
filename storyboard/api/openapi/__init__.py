"""The OpenAPI document as client generators need it, finished in one place.

flask-smorest and apispec write the document from the blueprints and schemas; `finish` then gives every
operation its stable operationId, error responses and security (operations.py), and splits the schemas into
what is sent and what comes back (components.py). `install` puts both in the app's Api: its spec's `to_dict`
answers the finished document (/api/v3/openapi.json, `flask openapi print`, the tests), and the field
converter learns computed shapes and exclusive bounds (fields.py).
"""

from __future__ import annotations

import copy

from storyboard.api.openapi import components, fields, operations

SECURITY_SCHEMES = {
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key: POST /api/auth/api-keys, or `flask keys create` on the server.",
    },
    "Bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The access_token of POST /api/auth/login (an API key is accepted here too).",
    },
    "Cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "access_token",
        "description": "The HttpOnly cookie that login sets, for browsers; a change needs a same-origin Origin.",
    },
}
DESCRIPTION = (
    "Every JSON answer is the envelope `{data, error, meta, success}`; errors carry the same envelope with "
    "`error` set. Creates that wait on background work answer 201 when done and 202 while it goes on "
    "(`Prefer: respond-async` returns at once, `Prefer: wait=N` waits up to N seconds); poll the resource "
    "or register a webhook. Binary routes also open with the signed links of `signedUrl`, `signedVideoUrl` "
    "and `signedThumbnailUrl`, without credentials."
)


def finish(doc: dict) -> dict:
    """The finished document made from apispec's `doc` (changed in place and returned)."""
    doc["info"].setdefault("description", DESCRIPTION)
    parts = doc.setdefault("components", {})
    parts["securitySchemes"] = SECURITY_SCHEMES
    doc["security"] = [{name: []} for name in SECURITY_SCHEMES]
    parts.setdefault("responses", {}).update(operations.error_responses())
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if method != "parameters":
                operations.finish_operation(method, path, operation)
    components.nullable_refs(doc["components"]["schemas"])
    components.split(doc)
    components.prune_responses(doc)
    return doc


class FinishedSpec:
    """apispec's APISpec, but `to_dict` gives the finished document (everything else is the spec's own)."""

    def __init__(self, spec):
        self._spec = spec

    def __getattr__(self, name):
        return getattr(self._spec, name)

    def to_dict(self) -> dict:
        # apispec hands out its own dicts: finish a copy, so every call starts from the same document.
        return finish(copy.deepcopy(self._spec.to_dict()))


def install(api) -> None:
    """Finish `api`'s document and document computed fields; call it right after the spec is made."""
    fields.install(api.ma_plugin.converter)
    api.spec = FinishedSpec(api.spec)
