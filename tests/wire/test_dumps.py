"""Hand-written dumps (jobs, scenes, assets, clients, campaigns) equal marshmallow's dump of their schemas."""

from __future__ import annotations

import marshmallow as ma
import pytest

from storyboard.api.assets.schemas import AssetSchema, BulkOutcomeSchema
from storyboard.api.campaigns.schemas import CampaignSchema
from storyboard.api.clients.schemas import ClientSchema
from storyboard.api.jobs.schemas import JobActionResultSchema, JobListItemSchema
from storyboard.api.scenes.schemas import SceneListSchema
from storyboard.wire import jobs as wire_jobs
from storyboard.wire.base import DictDump
from storyboard.wire.jobs import JobSchema, job_json
from storyboard.wire.scenes import SceneSchema
from tests.wire import rows
from tests.wire.conftest import as_json

JOBS = rows.jobs()
ASSETS = rows.assets()
CLIENTS = rows.clients()
CAMPAIGNS = rows.campaigns()
SCENES = [scene for job in JOBS for scene in job.scenes or ()]


def _mismatches(schema, items, marshmallow_dump) -> list[str]:
    out = []
    for item in items:
        mine, theirs = as_json(schema.dump(item)), as_json(marshmallow_dump(schema, item))
        if mine != theirs:
            out.append(f"{item.id}:\n  hand-written {mine}\n  marshmallow  {theirs}")
    return out


@pytest.mark.parametrize(
    ("schema", "items"),
    [
        (JobSchema(), JOBS),
        (JobListItemSchema(), JOBS),
        (SceneSchema(), SCENES),
        (AssetSchema(), ASSETS),
        (ClientSchema(), CLIENTS),
        (CampaignSchema(), CAMPAIGNS),
    ],
    ids=["job", "job-list-item", "scene", "asset", "client", "campaign"],
)
def test_each_row_dumps_as_marshmallow_does(schema, items, marshmallow_dump):
    assert len(items) > 150
    assert not _mismatches(schema, items, marshmallow_dump)


@pytest.mark.parametrize(
    ("schema", "items"),
    [
        (JobSchema(many=True), JOBS),
        (JobListItemSchema(many=True), JOBS),
        (AssetSchema(many=True), ASSETS),
        (ClientSchema(many=True), CLIENTS),
        (CampaignSchema(many=True), CAMPAIGNS),
    ],
    ids=["jobs", "job-list", "assets", "clients", "campaigns"],
)
def test_lists_dump_as_marshmallow_does(schema, items, marshmallow_dump):
    assert as_json(schema.dump(items)) == as_json(marshmallow_dump(schema, items))


def test_shapes_that_nest_them_dump_as_marshmallow_does(marshmallow_dump):
    cases = [(JobActionResultSchema(), {"message": "ok", "job": job, "scenes": job.scenes}) for job in JOBS[:60]]
    cases += [(SceneListSchema(), {"scenes": job.scenes or []}) for job in JOBS]
    results = [{"asset": asset, "success": True, "error": None} for asset in ASSETS]
    outcome = {"results": [*results, {"asset": None, "success": False, "error": "x"}], "summary": {"total": 1}}
    cases.append((BulkOutcomeSchema(), outcome))
    for schema, data in cases:
        assert as_json(schema.dump(data)) == as_json(marshmallow_dump(schema, data))


def test_webhook_job_json_is_the_jobs_marshmallow_dump(marshmallow_dump):
    for job in JOBS:
        assert as_json(job_json(job)) == as_json(marshmallow_dump(JobSchema(), job))


def test_a_list_dump_builds_no_schema_and_walks_no_fields(monkeypatch):
    schemas = [JobSchema(many=True), JobListItemSchema(many=True), SceneSchema(many=True), AssetSchema(many=True)]
    schemas += [ClientSchema(many=True), CampaignSchema(many=True)]
    plain = [job for job in JOBS if isinstance(job.request, dict) and "not an object" not in str(job.request)]

    def refuse(*args, **kwargs):
        raise AssertionError("marshmallow was asked to build a schema or walk its fields")

    monkeypatch.setattr(ma.Schema, "__init__", refuse)
    monkeypatch.setattr(ma.Schema, "_serialize", refuse)
    for schema, items in zip(schemas, [plain, plain, SCENES, ASSETS, CLIENTS, CAMPAIGNS], strict=True):
        assert len(schema.dump(items)) == len(items)


def test_narrowed_instances_and_subclasses_dump_field_by_field():
    job = JOBS[0]

    class WithExtra(JobSchema):
        extra = ma.fields.Constant("yes")

    assert JobSchema(only=("id", "status")).dump(job) == {"id": job.id, "status": job.status}
    assert "request" not in JobSchema(exclude=("request",)).dump(job)
    assert WithExtra().dump(job)["extra"] == "yes"


def _dict_dumps() -> list[DictDump]:
    return [value for value in vars(wire_jobs).values() if isinstance(value, DictDump)]


@pytest.mark.parametrize("dump", _dict_dumps(), ids=lambda d: type(d.schema).__name__)
def test_each_dict_dump_lists_its_schemas_fields_in_order(dump):
    fields = [(f.data_key or name, f.attribute or name) for name, f in dump.schema.dump_fields.items()]
    assert fields == [(name, key) for name, key, _convert in dump.fields]


def _nested_schemas(schema: ma.Schema) -> set[type]:
    found = {type(schema)}
    for field in schema.dump_fields.values():
        field = field.inner if isinstance(field, ma.fields.List) else field
        if isinstance(field, ma.fields.Nested):
            found |= _nested_schemas(field.schema)
    return found


def test_every_brief_and_progress_schema_has_a_dict_dump():
    shapes = _nested_schemas(wire_jobs.JobCreateSchema()) | _nested_schemas(wire_jobs.ProgressSchema())
    assert len(shapes) == 9
    assert shapes == {type(dump.schema) for dump in _dict_dumps()}
