"""Every /api/v3 route that names an object answers 404 to another user, binary routes included."""

from __future__ import annotations

import re

from tests.support.world import build_world

# A valid body per (rule, method), so that the ownership check, not validation, decides the answer.
BODIES = {
    ("/api/v3/clients/<client_id>", "PUT"): {"name": "stolen"},
    ("/api/v3/campaigns/<campaign_id>", "PUT"): {"name": "stolen"},
    ("/api/v3/jobs/<job_id>/actions", "POST"): {"action": "cancel"},
    ("/api/v3/jobs/<job_id>/scenes/<scene>", "PUT"): {"description": "stolen", "duration": 3},
    ("/api/v3/jobs/<job_id>/scenes/<scene>/regenerate", "POST"): {"feedback": "stolen"},
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v3/") and rule.arguments:
            for method in sorted(rule.methods - {"OPTIONS"}):
                yield rule.rule, method


def _fill(rule: str, ids: dict) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in ids, f"tests/support/world.py has no object for <{name}> in {rule}"
        return ids[name]

    return re.sub(r"<([^>]+)>", value, rule)


def test_every_object_route_hides_other_users_objects(app, api, other):
    ids = build_world(app, api)
    checked = []
    for rule, method in _routes(app):
        path = _fill(rule, ids)
        response = other.open(method, path, json=BODIES.get((rule, method), {}))
        assert response.status_code == 404, (method, rule, response.status_code)
        if method != "HEAD":
            assert "not found" in response.get_json()["error"].lower()
        checked.append((method, rule))
    assert len(checked) >= 10
    # A's objects survived B's attempts to change or delete them.
    for name in ("clients", "campaigns", "jobs"):
        key = {"clients": "client_id", "campaigns": "campaign_id", "jobs": "job_id"}[name]
        assert api.get(f"/api/v3/{name}/{ids[key]}").status_code == 200
