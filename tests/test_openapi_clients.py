"""Clients generated from the OpenAPI document work: openapi-typescript's types compile a frontend's typed client
under `tsc --strict` (tools/typed-client/client.ts), and an openapi-python-client package drives a live server
through a job's whole life: create, poll, edit a scene, approve, download the video."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "typed-client"
NODE_BIN = TOOLS / "node_modules" / ".bin"
PACKAGE = "storyboard_client"


def _write_document(app, path: Path) -> Path:
    response = app.test_client().get("/api/v3/openapi.json")
    assert response.status_code == 200
    path.write_text(json.dumps(response.get_json(), indent=1))
    return path


def _run(*command, timeout: float = 300) -> str:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout, cwd=TOOLS)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_typescript_client_compiles_against_the_generated_types(app):
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the TypeScript check needs Node.js (npm ci in tools/typed-client)")
    if not (NODE_BIN / "tsc").exists():
        pytest.skip("tools/typed-client/node_modules is missing: `make test` installs it (npm ci)")
    generated = TOOLS / "generated"
    generated.mkdir(exist_ok=True)
    document = _write_document(app, generated / "openapi.json")
    # openapi-typescript with its defaults, as a frontend team runs it.
    _run(NODE_BIN / "openapi-typescript", document, "-o", generated / "schema.d.ts")
    _run(NODE_BIN / "tsc", "-p", TOOLS / "tsconfig.json")


@pytest.fixture
def python_client(app, tmp_path):
    """The package openapi-python-client generates from the document, imported."""
    document = _write_document(app, tmp_path / "openapi.json")
    generator = Path(sys.executable).with_name("openapi-python-client")
    output = _run(
        generator,
        "generate",
        "--path",
        document,
        "--output-path",
        tmp_path / PACKAGE,
        "--meta",
        "none",
        "--config",
        TOOLS / "python-client.yml",
    )
    assert "Warning" not in output, output  # a warning is an operation or a model the client left out
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _poll(read, until, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


BRIEF = {
    "adBasics": {
        "product": "Aurora bottle",
        "targetAudience": "hikers",
        "keyMessage": "It glows when you need a sip",
        "callToAction": "Order today",
    },
    "creative": {"videoSpecs": {"duration": 5, "resolution": "480p"}, "direction": {"style": "bright"}},
}


def _operations(package, *names: str):
    """The generated module of each operation (`create_job` for operationId createJob), whatever its tag."""
    folder = Path(package.__file__).parent / "api"
    for name in names:
        (path,) = folder.glob(f"*/{name}.py")
        yield importlib.import_module(f"{PACKAGE}.api.{path.parent.name}.{name}")


@pytest.mark.slow
def test_generated_python_client_drives_a_job_to_its_video(python_client, live_server, api):
    models = importlib.import_module(f"{PACKAGE}.models")
    create_client, create_campaign, create_job, get_job, list_scenes, update_scene, act, get_video = _operations(
        python_client,
        *("create_client", "create_campaign", "create_job", "get_job"),
        *("list_scenes", "update_scene", "perform_job_action", "get_job_video"),
    )
    client = python_client.AuthenticatedClient(
        base_url=live_server,
        token=api.key,
        prefix="",
        auth_header_name="X-API-Key",
        raise_on_unexpected_status=True,
        timeout=60.0,
    )
    acme = create_client.sync(client=client, body=models.ClientCreate(name="Acme")).data
    body = models.CampaignCreate(client_id=acme.id, name="Spring", goal="Awareness")
    spring = create_campaign.sync(client=client, body=body).data
    brief = models.JobCreate.from_dict({"context": {"clientId": acme.id, "campaignId": spring.id}, **BRIEF})
    created = create_job.sync(client=client, body=brief, prefer="respond-async").data
    assert created.progress.percent >= 0

    def read():
        return get_job.sync(created.id, client=client).data

    job = _poll(read, lambda j: j.status not in ("pending", "storyboard_processing"), 90)
    assert job.status == "storyboard_review", job.error
    assert job.request.creative.video_specs.duration == 5

    first = list_scenes.sync(job.id, client=client).data.scenes[0]
    change = models.SceneUpdate(script="Glows when you need it.", version=first.version)
    edited = update_scene.sync(job.id, str(first.scene_number), client=client, body=change).data
    assert edited.script == "Glows when you need it." and edited.version == first.version + 1

    approved = act.sync(job.id, client=client, body=models.JobAction(action=models.JobActionAction.APPROVE)).data
    assert approved.job.status in ("in_progress", "rendering", "completed")

    job = _poll(read, lambda j: j.status in ("completed", "failed"), 240)
    assert job.status == "completed", job.error_detail
    assert job.progress.percent == 100 and job.video_url and job.signed_video_url
    video = get_video.sync(job.id, client=client).payload.read()
    assert video[4:8] == b"ftyp" and len(video) > 1000
