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
