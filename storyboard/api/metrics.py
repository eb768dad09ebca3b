"""GET /metrics in Prometheus text, and the request figures it reports (outside the enveloped API).

With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`; anything else answers 401 with
the envelope. Without it the page is open, like /healthz: keep it off the public network.
"""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, current_app, g, request

from storyboard import errors, metrics
from storyboard.services import core

bp = Blueprint("metrics", __name__)
# Methods are counted by name; anything else (a client can send any token) as OTHER, so labels stay few.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests that matched no route share one label: a path is not a label (every typo would be a series).
UNMATCHED = "<unmatched>"


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_clock)
    app.after_request(_count)


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count(response):
    started = g.get("metrics_started")
    if started is not None:
        rule = request.url_rule
        method = request.method if request.method in METHODS else "OTHER"
        route = rule.rule if rule is not None else UNMATCHED
        metrics.observe_request(method, route, response.status_code, time.perf_counter() - started)
    return response


@bp.get("/metrics")
def scrape():
    """Every process's counters and histograms, with jobs by status and queue depths read now."""
    _check_token(current_app.config.get("METRICS_TOKEN") or "")
    body, content_type = metrics.exposition(_gauges(core.figures()))
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def _check_token(expected: str) -> None:
    if not expected:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise errors.Unauthorized("A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)")


def _gauges(figures: dict) -> list[metrics.Gauge]:
    jobs = {(status,): count for status, count in figures["jobs"].items()}
    gauges = [metrics.Gauge("storyboard_jobs", "Jobs by status (every user)", ("status",), jobs)]
    queues = figures["queues"]
    if queues is not None:
        depth = {(name, state): n for name, states in queues.items() for state, n in states.items()}
        gauges.append(
            metrics.Gauge("storyboard_queue_jobs", "Background jobs per queue and state", ("queue", "state"), depth)
        )
    gauges.append(
        metrics.Gauge("storyboard_queue_up", "1 when the queue answered this scrape", (), {(): int(queues is not None)})
    )
    return gauges
