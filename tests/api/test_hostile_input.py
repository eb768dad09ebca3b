"""Hostile JSON and text get a 4xx with the envelope, the same on SQLite and Postgres, and change no row."""

from __future__ import annotations

import io

import pytest

from tests.support.envelope import assert_error, assert_ok

CLIENTS = "/api/v3/clients"


def row_counts(app) -> dict[str, int]:
    """Rows in every table: what a refused request must leave as it found it."""
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import db

        counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
        db.session.rollback()
        return counts


def send_json(api, method: str, path: str, text: str, **kwargs):
    """`text` sent as the raw JSON body (the test client's json= would refuse or rewrite what we send)."""
    return api.open(method, path, data=text.encode("utf-8"), content_type="application/json", **kwargs)


def nested(levels: int) -> str:
    """A client whose metadata holds arrays nested so that the whole document is `levels` deep."""
    arrays = levels - 2
    return '{"name": "Deep", "metadata": {"a": ' + "[" * arrays + "]" * arrays + "}}"


def client_with_metadata(value: str) -> str:
    return '{"name": "Acme", "metadata": {"a": ' + value + "}}"


# (body, status, words of the message, the field the 422 names)
HOSTILE_CLIENTS = {
    "10,000 levels of nesting": (nested(10_000), 400, "nested deeper than 64 levels", None),
    "65 levels of nesting": (nested(65), 400, "nested deeper than 64 levels", None),
    "lone surrogate in metadata": (client_with_metadata('["\\ud800"]'), 422, "lone surrogate", ["metadata", "a", 0]),
    "lone surrogate in a name": ('{"name": "Acme \\udfff"}', 422, "lone surrogate", ["name"]),
    "lone surrogate in a key": ('{"name": "Acme", "metadata": {"\\ud800": 1}}', 422, "lone surrogate", None),
    "NUL in a name": ('{"name": "Ac\\u0000me"}', 422, "NUL", ["name"]),
    "NUL in metadata": (client_with_metadata('"a\\u0000b"'), 422, "NUL", ["metadata", "a"]),
    "NUL in a key": ('{"name": "Acme", "metadata": {"k\\u0000": 1}}', 422, "NUL", ["metadata", "k\\u0000"]),
    "5,000-digit integer": (client_with_metadata("9" * 5000), 422, "out of range", ["metadata", "a"]),
    "2^63": (client_with_metadata(str(2**63)), 422, "out of range", ["metadata", "a"]),
    "-2^63 - 1": (client_with_metadata(str(-(2**63) - 1)), 422, "out of range", ["metadata", "a"]),
    "1e309": (client_with_metadata("1e309"), 422, "finite", ["metadata", "a"]),
    "NaN": (client_with_metadata("NaN"), 422, "finite", ["metadata", "a"]),
    "Infinity": (client_with_metadata("Infinity"), 422, "finite", ["metadata", "a"]),
    "-Infinity": (client_with_metadata("-Infinity"), 422, "finite", ["metadata", "a"]),
}


@pytest.mark.parametrize("case", list(HOSTILE_CLIENTS))
def test_hostile_json_is_refused_with_the_envelope_and_writes_nothing(app, api, case):
    body, status, words, field = HOSTILE_CLIENTS[case]
    before = row_counts(app)
    refused = assert_error(send_json(api, "POST", CLIENTS, body), status, words)
    if field is not None:
        assert ["json", *field] in [d["loc"] for d in refused["detail"]], refused["detail"]
    assert row_counts(app) == before
    assert assert_ok(api.get(CLIENTS)) == []


def test_the_limits_themselves_are_accepted_and_read_back(api):
    deep = "[" * 62 + "]" * 62  # with the root and metadata objects: exactly 64 levels
    body = f'{{"name": "Edge", "metadata": {{"max": {2**63 - 1}, "min": {-(2**63)}, "deep": {deep}, '
    body += '"pair": "\\ud83d\\ude00"}}'
    created = assert_ok(send_json(api, "POST", CLIENTS, body), 201)
    read = assert_ok(api.get(f"{CLIENTS}/{created['id']}"))
    assert read["metadata"]["max"] == 2**63 - 1 and read["metadata"]["min"] == -(2**63)
    assert read["metadata"]["pair"] == "\U0001f600"


def test_a_hostile_scene_edit_changes_nothing(app, api, job):
    scene = job["scenes"][0]
    path = f"/api/v3/jobs/{job['id']}/scenes/{scene['id']}"
    before = row_counts(app)
    for body in ('{"metadata": {"note": "\\ud800"}}', '{"script": "a\\u0000b"}', nested(100)):
        assert 400 <= send_json(api, "PUT", path, body).status_code < 500
    refused = assert_error(api.put(path, json={"description": "x", "version": 2**40}), 422)
    assert refused["detail"][0]["loc"] == ["json", "version"]
    assert row_counts(app) == before
    assert assert_ok(api.get(path)) == scene


@pytest.mark.parametrize("revision", [2**63 + 1, 2**40, 2**31])
def test_restoring_a_revision_no_column_can_hold_is_404(app, api, job, revision):
    scene = job["scenes"][0]
    path = f"/api/v3/jobs/{job['id']}/scenes/{scene['id']}"
    before = row_counts(app)
    assert_error(api.post(f"{path}/revisions/{revision}/restore"), 404)
    assert row_counts(app) == before
    assert assert_ok(api.get(path)) == scene


@pytest.mark.parametrize(
    "body",
    [
        {"action": "revert_scene", "sceneNumber": 1, "revision": 2**40},
        {"action": "revert_scene", "payload": {"sceneNumber": 1, "revision": 2**31}},
        {"action": "regenerate_scene", "sceneNumber": 2**40},
    ],
)
def test_an_action_naming_an_integer_no_column_can_hold_is_422(app, api, job, body):
    before = row_counts(app)
    refused = assert_error(api.post(f"/api/v3/jobs/{job['id']}/actions", json=body), 422, "out of range")
    assert refused["detail"][0]["loc"][:2] in (["json", "revision"], ["json", "sceneNumber"], ["json", "payload"])
    assert row_counts(app) == before


def test_an_action_with_a_revision_beyond_64_bits_is_422(app, api, job):
    before = row_counts(app)
    body = {"action": "revert_scene", "sceneNumber": 1, "revision": 2**63 + 1}
    assert_error(api.post(f"/api/v3/jobs/{job['id']}/actions", json=body), 422, "revision")
    assert row_counts(app) == before


def test_nul_in_a_query_string_names_the_parameter(api):
    refused = assert_error(api.get("/api/v3/campaigns?client_id=%00"), 422, "NUL")
    assert refused["detail"][0]["loc"] == ["query", "client_id"]


def test_nul_in_a_path_finds_nothing(api):
    assert_error(api.get(f"{CLIENTS}/%00"), 404)
    assert_error(api.delete(f"{CLIENTS}/a%00b"), 404)


def test_nul_in_an_upload_form_field_is_422_and_stores_nothing(app, api):
    before = row_counts(app)
    form = {"file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf"), "name": "bad\x00name"}
    refused = assert_error(api.post("/api/v3/assets", data=form, content_type="multipart/form-data"), 422, "NUL")
    assert refused["detail"][0]["loc"] == ["form", "name"]
    assert row_counts(app) == before


# Free-form fields: each at most MAX_JSON_FIELD_KB (64) as JSON; a whole JSON body at most MAX_JSON_BODY_KB.
FREE_FORM = {
    "client metadata": (CLIENTS, lambda big, ids: {"name": "Acme", "metadata": big}, "metadata"),
    "campaign brief": (
        "/api/v3/campaigns",
        lambda big, ids: {"clientId": ids["client"], "name": "C", "goal": "G", "brief": big},
        "brief",
    ),
    "campaign metadata": (
        "/api/v3/campaigns",
        lambda big, ids: {"clientId": ids["client"], "name": "C", "goal": "G", "metadata": big},
        "metadata",
    ),
}


@pytest.mark.parametrize("case", list(FREE_FORM))
def test_a_free_form_field_over_its_cap_is_422_naming_it(app, api, acme, case):
    path, body, field = FREE_FORM[case]
    before = row_counts(app)
    big = {"notes": "x" * (64 * 1024)}
    refused = assert_error(api.post(path, json=body(big, acme)), 422, "too large")
    assert refused["detail"][0]["loc"] == ["json", field]
    assert row_counts(app) == before
    assert_ok(api.post(path, json=body({"notes": "x" * (60 * 1024)}, acme)), 201)


def test_a_job_storyboard_over_its_cap_is_422_and_no_job_is_made(app, api, acme):
    from tests.support.factories import brief

    body = brief(acme["client"])
    body["creative"]["storyboard"] = {"scenes": ["x" * 1000] * 70}
    before = row_counts(app)
    refused = assert_error(api.post("/api/v3/jobs", json=body), 422, "too large")
    assert refused["detail"][0]["loc"] == ["json", "creative", "storyboard"]
    assert row_counts(app) == before


def test_scene_metadata_and_constraints_are_capped(app, api, job):
    scene = job["scenes"][0]
    path = f"/api/v3/jobs/{job['id']}/scenes/{scene['id']}"
    big = {"notes": "é" * (33 * 1024)}  # 66 KiB as UTF-8: counted in bytes, not characters
    before = row_counts(app)
    assert_error(api.put(path, json={"metadata": big}), 422, "metadata")
    assert_error(api.post(f"{path}/regenerate", json={"constraints": big}), 422, "constraints")
    assert_error(api.post(f"/api/v3/jobs/{job['id']}/actions", json={"action": "reject", "payload": big}), 422)
    assert row_counts(app) == before
    assert assert_ok(api.get(path)) == scene


def test_the_field_cap_follows_max_json_field_kb(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_JSON_FIELD_KB", 1)
    assert_error(api.post(CLIENTS, json={"name": "Acme", "metadata": {"n": "x" * 1100}}), 422, "at most 1 KiB")
    assert_ok(api.post(CLIENTS, json={"name": "Acme", "metadata": {"n": "x" * 900}}), 201)


def test_a_60_mb_metadata_is_refused_before_it_is_read_and_nothing_is_written(app, api):
    before = row_counts(app)
    body = '{"name": "Huge", "metadata": {"blob": "' + "x" * (60 * 1024 * 1024) + '"}}'
    assert_error(send_json(api, "POST", CLIENTS, body), 413, "at most 2048 KiB")
    assert row_counts(app) == before


def test_a_json_body_without_content_length_stops_at_the_cap(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_JSON_BODY_KB", 1)
    body = ('{"name": "Chunked", "metadata": {"n": "' + "x" * 4096 + '"}}').encode()
    response = api.post(
        CLIENTS,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_error(response, 413)
    assert assert_ok(api.get(CLIENTS)) == []


def test_uploads_keep_their_own_cap(app, api, monkeypatch, media_files):
    monkeypatch.setitem(app.config, "MAX_JSON_BODY_KB", 1)
    data = media_files.read("png")
    assert len(data) > 1024
    form = {"file": (io.BytesIO(data), "pic.png"), "type": "image"}
    assert_ok(api.post("/api/v3/assets", data=form, content_type="multipart/form-data"), 201)


def test_a_form_part_without_a_name_is_not_a_500(app, api):
    before = row_counts(app)
    body = (
        b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nnameless\x00value\r\n"
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n\r\n--XyZ--\r\n"
    )
    answer = api.post("/api/v3/assets", data=body, content_type="multipart/form-data; boundary=XyZ")
    assert answer.status_code in (201, 422), answer.get_json()
    if answer.status_code == 422:
        assert row_counts(app) == before
