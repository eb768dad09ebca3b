"""The OpenAPI document is fit for client generators: ids, typed properties, input and output schemas, errors."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from storyboard.api.openapi import components, operations

METHODS = {"get", "put", "post", "delete", "patch"}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
# The app's routes that are not API operations (the document and its page).
UNDOCUMENTED = {"/api/v3/openapi.json", "/api/v3/docs", "/metrics"}


@pytest.fixture(scope="module")
def doc(app) -> dict:
    response = app.test_client().get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def _schema(doc, name: str) -> dict:
    return doc["components"]["schemas"][name]


def _resolve(doc, node: dict) -> dict:
    ref = node.get("$ref") or (node.get("allOf") or [{}])[0].get("$ref")
    return _schema(doc, ref.rsplit("/", 1)[-1]) if ref else node


def test_every_operation_has_a_unique_operation_id(doc):
    missing = [f"{m.upper()} {p}" for m, p, op in _operations(doc) if not op.get("operationId")]
    assert not missing, f"add them to OPERATION_IDS in storyboard/api/openapi/operations.py: {missing}"
    counts = Counter(op["operationId"] for _, _, op in _operations(doc))
    assert [name for name, n in counts.items() if n > 1] == []
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]+", name) for name in counts)


def test_ids_are_the_ones_clients_were_promised(doc):
    ids = {f"{m.upper()} {p}": op["operationId"] for m, p, op in _operations(doc)}
    assert ids["GET /api/v3/clients"] == "listClients"
    assert ids["POST /api/v3/jobs"] == "createJob"
    assert ids["GET /api/v3/jobs/{job_id}/video"] == "getJobVideo"
    assert set(operations.OPERATION_IDS) == set(ids), "OPERATION_IDS names routes that are gone"


def test_every_route_is_documented(app, doc):
    documented = {(m, p) for m, p, _ in _operations(doc)}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if path in UNDOCUMENTED or path.startswith("/api/v3/docs/") or rule.endpoint == "static":
            continue
        for method in (rule.methods or set()) & {m.upper() for m in METHODS}:
            assert (method.lower(), path) in documented, f"{method} {path} is not in the document"


def _untyped(node, where: str):
    """Every schema in `node` that says nothing of its type."""
    if not isinstance(node, dict):
        return
    if not ({"type", "$ref", "allOf", "oneOf", "anyOf"} & node.keys()):
        yield where
    for key, child in node.get("properties", {}).items():
        yield from _untyped(child, f"{where}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict) and node[key]:
            yield from _untyped(node[key], f"{where}[{key}]")
    for key in ("allOf", "oneOf", "anyOf"):
        for i, child in enumerate(node.get(key, ())):
            yield from _untyped(child, f"{where}<{key}{i}>")


def test_every_property_is_typed(doc):
    untyped = [w for name, schema in doc["components"]["schemas"].items() for w in _untyped(schema, name)]
    assert untyped == []


def test_the_job_says_what_a_frontend_reads(doc):
    job = _schema(doc, "Job")
    progress = _resolve(doc, job["properties"]["progress"])
    assert progress["properties"]["percent"]["type"] == "integer"
    assert {"current_stage", "percent"} <= set(progress["required"])
    audio = _resolve(doc, job["properties"]["audio"])
    assert "status" in audio["required"] and "voice" not in audio["required"]
    for name in ("videoUrl", "thumbnailUrl", "signedVideoUrl", "signedThumbnailUrl"):
        assert job["properties"][name]["type"] == "string" and job["properties"][name]["nullable"] is True
    assert job["properties"]["allowedActions"]["items"]["enum"]
    assert {"id", "status", "progress", "audio", "scenes", "videoUrl", "allowedActions"} <= set(job["required"])
    assert "scenes" not in _schema(doc, "JobListItem")["properties"]


def test_asset_media_fields_are_typed_and_optional(doc):
    asset = _schema(doc, "Asset")
    assert asset["properties"]["url"]["type"] == "string"
    assert asset["properties"]["width"]["type"] == "integer"
    assert asset["properties"]["duration"]["type"] == "number"
    assert {"id", "url", "type", "status"} <= set(asset["required"])
    assert not {"width", "height", "duration", "pageCount"} & set(asset["required"])


def test_the_envelope_is_typed_and_required(doc):
    error = _schema(doc, "Error")
    assert set(error["required"]) == {"data", "error", "meta", "success"}
    assert error["properties"]["detail"]["oneOf"]
    envelope = _schema(doc, "EnvJob")
    assert set(envelope["required"]) == {"data", "error", "meta", "success"}
    assert envelope["properties"]["error"]["type"] == "string"


def test_request_schemas_keep_no_defaults_that_would_make_fields_required(doc):
    sent, _ = components.directions(doc)
    for name in sent:
        for key, prop in _schema(doc, name).get("properties", {}).items():
            assert "default" not in prop, f"{name}.{key}"
            assert not prop.get("readOnly"), f"{name}.{key}"
    specs = _schema(doc, "VideoSpecs")
    assert "required" not in specs and "Default: 30" in specs["properties"]["duration"]["description"]


def test_a_shape_used_both_ways_gets_an_output_copy(doc):
    job_request = _resolve(doc, _schema(doc, "Job")["properties"]["request"])
    assert job_request is _schema(doc, "JobCreateOutput")
    # The echo of a stored brief promises no key: rows the service did not write may lack any of them.
    assert "required" not in job_request and "required" not in _schema(doc, "ContextOutput")
    assert "default" in _schema(doc, "VideoSpecsOutput")["properties"]["duration"]
    create = doc["paths"]["/api/v3/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create == {"$ref": "#/components/schemas/JobCreate"}


def test_action_parameters_are_a_documented_object(doc):
    action = _schema(doc, "JobAction")
    assert "approve" in action["properties"]["action"]["enum"]
    assert action["properties"]["sceneNumber"]["type"] == "integer"
    assert action["properties"]["feedback"]["type"] == "string"
    payload = _resolve(doc, action["properties"]["payload"])
    assert payload["properties"]["revision"]["type"] == "integer"


def test_every_operation_documents_its_errors_with_the_envelope(doc):
    refs = doc["components"]["responses"]
    for method, path, operation in _operations(doc):
        codes = set(operation["responses"])
        if path.startswith("/api/"):
            assert "429" in codes, path
        if path.startswith("/api/v3/"):
            assert {"401", "403"} <= codes, f"{method} {path}"
        if "{" in path:
            assert "404" in codes, f"{method} {path}"
        if "requestBody" in operation:
            assert {"413", "422"} <= codes, f"{method} {path}"
        for code, response in operation["responses"].items():
            # The probes answer their own JSON; a binary route's 416 has no body.
            if path.startswith("/api/") and code.isdigit() and int(code) >= 400 and code != "416":
                response = refs[response["$ref"].rsplit("/", 1)[-1]] if "$ref" in response else response
                assert response["content"]["application/json"]["schema"] == ERROR_REF, f"{method} {path} {code}"
    assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining"} <= refs["TooManyRequests"]["headers"].keys()
    create_job = doc["paths"]["/api/v3/jobs"]["post"]["responses"]
    assert {"201", "202", "409", "502", "504"} <= set(create_job)


def test_login_logout_and_health_need_no_credentials(doc):
    public = {p for m, p, op in _operations(doc) if op.get("security") == []}
    assert public == {"/api/auth/login", "/api/auth/logout", "/healthz", "/readyz"}
    assert {"ApiKey", "Bearer", "Cookie"} <= doc["components"]["securitySchemes"].keys()


def test_binary_responses_have_their_media_types(doc):
    def content(path: str) -> dict:
        return doc["paths"][path]["get"]["responses"]["200"]["content"]

    assert content("/api/v3/jobs/{job_id}/video") == {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}
    assert set(content("/api/v3/jobs/{job_id}/video/thumbnail")) == {"image/jpeg"}
    assert "application/octet-stream" in content("/api/v3/assets/{asset_id}/data")
    for method, path, operation in _operations(doc):
        for response in operation["responses"].values():
            for media_type, body in response.get("content", {}).items():
                assert media_type != "*/*", f"{method} {path}"
                if media_type != "application/json":
                    assert body["schema"] == {"type": "string", "format": "binary"}, f"{method} {path}"


def test_numeric_limits_match_validation(doc, api):
    duration = _schema(doc, "SceneUpdate")["properties"]["duration"]
    assert duration["minimum"] == 0 and duration["exclusiveMinimum"] is True
    specs = _schema(doc, "VideoSpecs")["properties"]["duration"]
    assert (specs["minimum"], specs["maximum"]) == (5, 120) and "exclusiveMinimum" not in specs


def test_create_operations_document_prefer_and_idempotency_key(doc):
    for path in ("/api/v3/jobs", "/api/v3/assets/from-url"):
        names = {p["name"] for p in doc["paths"][path]["post"]["parameters"] if p["in"] == "header"}
        assert {"Prefer", "Idempotency-Key"} <= names, path
