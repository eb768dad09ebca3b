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
    """The database (and Redis, when configured) answer."""
    checks = core.readiness(current_app.config.get("REDIS_URL"))
    ok = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ok" if ok else "unavailable", "checks": checks}), 200 if ok else 503
