"""Each operation of the document: its stable operationId, the errors it can answer and who may call it.

The ids are an explicit table, not derived from view or function names, so that renaming a view never renames
a generated client's method. A route missing from it has no id, and tests/api/test_openapi.py says which.
"""

from __future__ import annotations

from storyboard.api.limits import EXPOSED_HEADERS
from storyboard.api.principal import needs_auth

_TEXT = {"type": "string"}

OPERATION_IDS = {
    "POST /api/auth/login": "login",
    "POST /api/auth/logout": "logout",
    "GET /api/auth/api-keys": "listApiKeys",
    "POST /api/auth/api-keys": "createApiKey",
    "DELETE /api/auth/api-keys/{key_id}": "revokeApiKey",
    "GET /api/v3/clients": "listClients",
    "POST /api/v3/clients": "createClient",
    "GET /api/v3/clients/{client_id}": "getClient",
    "PUT /api/v3/clients/{client_id}": "updateClient",
    "DELETE /api/v3/clients/{client_id}": "deleteClient",
    "GET /api/v3/clients/{client_id}/stats": "getClientStats",
    "GET /api/v3/campaigns": "listCampaigns",
    "POST /api/v3/campaigns": "createCampaign",
    "GET /api/v3/campaigns/{campaign_id}": "getCampaign",
    "PUT /api/v3/campaigns/{campaign_id}": "updateCampaign",
    "DELETE /api/v3/campaigns/{campaign_id}": "deleteCampaign",
    "GET /api/v3/campaigns/{campaign_id}/stats": "getCampaignStats",
    "GET /api/v3/assets": "listAssets",
    "POST /api/v3/assets": "uploadAsset",
    "POST /api/v3/assets/from-url": "createAssetFromUrl",
    "POST /api/v3/assets/from-urls": "createAssetsFromUrls",
    "GET /api/v3/assets/{asset_id}": "getAsset",
    "DELETE /api/v3/assets/{asset_id}": "deleteAsset",
    "GET /api/v3/assets/{asset_id}/data": "getAssetData",
    "GET /api/v3/assets/{asset_id}/thumbnail": "getAssetThumbnail",
    "GET /api/v3/jobs": "listJobs",
    "POST /api/v3/jobs": "createJob",
    "POST /api/v3/jobs/dry-run": "estimateJobCost",
    "GET /api/v3/jobs/{job_id}": "getJob",
    "POST /api/v3/jobs/{job_id}/actions": "performJobAction",
    "GET /api/v3/jobs/{job_id}/events": "listJobEvents",
    "GET /api/v3/jobs/{job_id}/subtitles.vtt": "getJobSubtitlesVtt",
    "GET /api/v3/jobs/{job_id}/subtitles.srt": "getJobSubtitlesSrt",
    "GET /api/v3/jobs/{job_id}/storyboard.pdf": "getJobStoryboardPdf",
    "GET /api/v3/jobs/{job_id}/scenes": "listScenes",
    "GET /api/v3/jobs/{job_id}/scenes/{scene}": "getScene",
    "PUT /api/v3/jobs/{job_id}/scenes/{scene}": "updateScene",
    "DELETE /api/v3/jobs/{job_id}/scenes/{scene}": "deleteScene",
    "POST /api/v3/jobs/{job_id}/scenes/{scene}/regenerate": "regenerateScene",
    "GET /api/v3/jobs/{job_id}/scenes/{scene}/revisions": "listSceneRevisions",
    "POST /api/v3/jobs/{job_id}/scenes/{scene}/revisions/{revision}/restore": "restoreSceneRevision",
    "GET /api/v3/jobs/{job_id}/scenes/{scene}/preview.jpg": "getScenePreview",
    "GET /api/v3/jobs/{job_id}/video": "getJobVideo",
    "GET /api/v3/jobs/{job_id}/video/thumbnail": "getJobVideoThumbnail",
    "GET /api/v3/webhook": "getWebhook",
    "PUT /api/v3/webhook": "setWebhook",
    "DELETE /api/v3/webhook": "deleteWebhook",
    "GET /healthz": "getHealth",
    "GET /readyz": "getReadiness",
}

# Errors beyond the ones every operation of its kind can answer (see error_statuses).
EXTRA_ERRORS = {
    "login": {401, 403},  # a wrong password; an inactive user, or a login from a foreign Origin
    "logout": {403},  # from a foreign Origin
    "uploadAsset": {507},
    "createAssetFromUrl": {502, 504, 507},
    "createAssetsFromUrls": {507},
    "createJob": {502, 504},
    "performJobAction": {502, 504},
    "regenerateScene": {502, 504},
    "setWebhook": {502},
}
WRITES = {"post", "put", "patch", "delete"}

PREFER = {
    "in": "header",
    "name": "Prefer",
    "required": False,
    "schema": {"type": "string"},
    "example": "respond-async",
    "description": "How long the create waits for its background work: `respond-async` answers at once (202), "
    "`wait=N` waits up to N seconds (at most 120); by default the server's REQUEST_WAIT_SECONDS. 201 when "
    "the work finished in time, 202 while it goes on: poll the resource, or wait for its webhook.",
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Send the same key again (a retry after a lost answer) to get the first request's resource "
    "instead of a second one; the same key with another body is a 409.",
}
# Request headers of an operation that flask-smorest's arguments do not describe (api/prefer.py reads them).
HEADERS = {
    "createJob": (PREFER, IDEMPOTENCY_KEY),
    "createAssetFromUrl": (PREFER, IDEMPOTENCY_KEY),
    "createAssetsFromUrls": (PREFER,),
}

RESPONSES = {
    400: ("BadRequest", "The body is not JSON, or is nested too deep"),
    401: ("Unauthorized", "No valid credentials: send X-API-Key, a Bearer token or the session cookie"),
    403: (
        "Forbidden",
        "An inactive user, a change made with the session cookie from a foreign Origin, or an expired or "
        "tampered signed link",
    ),
    404: ("NotFound", "No such resource (another user's is not found either)"),
    409: (
        "Conflict",
        "Not allowed in the resource's current status (see allowedActions), a stale version, an "
        "Idempotency-Key reused with another body, or a concurrent change: read again and retry",
    ),
    413: ("PayloadTooLarge", "The request body, or the file behind a URL, is too large"),
    422: ("UnprocessableEntity", "A field is missing, of the wrong type or out of range: `detail` says which"),
    429: ("TooManyRequests", "Over a rate limit: wait for Retry-After seconds"),
    502: (
        "BadGateway",
        "An outside service failed (the URL's server, the AI model, the renderer); a job that failed comes "
        "back in `data`, its `errorDetail` says why",
    ),
    504: ("GatewayTimeout", "An outside service did not answer in time"),
    507: ("InsufficientStorage", "The blob store is full"),
}
RATE_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}},
    **{
        name: {"description": "Where the tightest budget stands (see the README's rate limits)", "schema": _TEXT}
        for name in EXPOSED_HEADERS
        if name.startswith("RateLimit-")
    },
}


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def error_statuses(method: str, path: str, operation: dict) -> set[int]:
    """The statuses `operation` can answer with the error envelope, besides 422 (flask-smorest documents it
    with the arguments) and the `default` response (500, 503)."""
    if not path.startswith("/api/"):
        return set()
    codes = {429}
    if needs_auth(path):
        codes |= {401, 403}
    if "{" in path:
        codes.add(404)
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        codes |= {413, 422}
    if "application/json" in body:
        codes.add(400)
    if method in WRITES:
        codes.add(409)
    return codes | EXTRA_ERRORS.get(operation.get("operationId"), set())


def finish_operation(method: str, path: str, operation: dict) -> None:
    """Give `operation` its id, its error responses (each the envelope) and, when public, `security: []`."""
    if operation_id := OPERATION_IDS.get(operation_key(method, path)):
        operation["operationId"] = operation_id
    if not needs_auth(path):
        operation["security"] = []
    if headers := HEADERS.get(operation.get("operationId")):
        operation.setdefault("parameters", []).extend(headers)
    responses = operation.setdefault("responses", {})
    for code in sorted(error_statuses(method, path, operation) | _documented_errors(responses)):
        responses[str(code)] = {"$ref": f"#/components/responses/{RESPONSES[code][0]}"}


def _documented_errors(responses: dict) -> set[int]:
    """The error statuses flask-smorest documented already (422 with the arguments): ours replace them."""
    return {int(code) for code in responses if code.isdigit() and int(code) in RESPONSES}


def error_responses() -> dict:
    """components/responses: one per error status, each the envelope (`Error`)."""
    out = {}
    for code, (name, description) in RESPONSES.items():
        response = {"description": description, "content": {"application/json": {"schema": _ERROR}}}
        if code == 429:
            response["headers"] = RATE_HEADERS
        if code == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": _TEXT}}
        out[name] = response
    return out


_ERROR = {"$ref": "#/components/schemas/Error"}
