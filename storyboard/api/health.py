"""Liveness and readiness probes (outside the enveloped API)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from storyboard.services import core

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """The database, the blob store (and Redis, when configured) answer; a nearly full blob store is reported
    ("degraded") but still ready: it serves reads."""
    checks = core.readiness(current_app.config.get("REDIS_URL"))
    if any(value == "unavailable" for value in checks.values()):
        return jsonify({"status": "unavailable", "checks": checks}), 503
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return jsonify({"status": status, "checks": checks}), 200


_ALIVE = {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}, "required": ["status"]}
_READY = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
        "checks": {
            "type": "object",
            "description": 'database, blob_store and (with REDIS_URL) redis: "ok", "unavailable", or "nearly full"',
            "additionalProperties": {"type": "string"},
        },
    },
    "required": ["status", "checks"],
}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(spec, app) -> None:
    """Both probes in the OpenAPI document (they are plain Flask routes, outside flask-smorest)."""
    spec.tag({"name": "health", "description": "Liveness and readiness probes (no credentials, no envelope)"})
    alive = {"summary": healthz.__doc__, "tags": ["health"], "responses": {"200": _answer("Alive", _ALIVE)}}
    ready = {
        "summary": "The database, the blob store and Redis (when configured) answer.",
        "tags": ["health"],
        "responses": {
            "200": _answer("Ready (or degraded: still serving)", _READY),
            "503": _answer("Not ready", _READY),
        },
    }
    for view, operation in ((healthz, alive), (readyz, ready)):
        for rule in app.url_map.iter_rules(f"{bp.name}.{view.__name__}"):
            spec.path(rule=rule, operations={"get": operation})
