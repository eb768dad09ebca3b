"""An RQ worker's lines name the work: the job (or asset) id and RQ's job id, in text or JSON."""

from __future__ import annotations

import json
import logging

import pytest

from tests.support.envelope import assert_ok
from tests.support.factories import brief, make_client
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _client_id(app, api) -> str:
    with app.app_context():
        from storyboard.models import User, db

        return make_client(db.session.get(User, api.user.id)).id


def test_a_workers_json_lines_carry_the_job_id_and_rq_job_id(rq_app, start_worker, api):
    worker = start_worker(LOG_LEVEL="INFO", LOG_FORMAT="json")
    job = assert_ok(api.post("/api/v3/jobs", json=brief(_client_id(rq_app, api)), headers={"Prefer": "wait=60"}), 201)
    rq_id = f"storyboard-{job['id']}"

    def finished() -> list[dict]:
        entries = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
        return entries if any("Successfully completed" in e["message"] for e in entries) else []

    entries = wait_for(finished, 30, what=worker.log)
    assert all(line.startswith("{") for line in worker.log().splitlines() if line.strip())
    during = [entry for entry in entries if entry.get("rq_job_id") == rq_id]
    assert any("Successfully completed" in entry["message"] for entry in during)
    assert all(entry["job_id"] == job["id"] and entry["work"] == "storyboard" for entry in during)


def test_a_download_is_named_by_its_asset_id_in_text_lines(rq_app, start_worker, api, media_server, media_files):
    worker = start_worker(LOG_LEVEL="INFO")
    url = media_server.add("/logo.png", media_files.read("png"), content_type="image/png")
    asset = assert_ok(api.post("/api/v3/assets/from-url", json={"name": "logo", "type": "image", "url": url}), 201)
    fields = f"[work=ingest asset_id={asset['id']} rq_job_id=ingest-{asset['id']}]"
    done = wait_for(lambda: [line for line in worker.log().splitlines() if "Successfully completed" in line], 30)
    assert done[0].endswith(fields), done


def test_in_process_work_is_named_too(app, api, caplog):
    caplog.set_level(logging.INFO)
    from storyboard import logs
    from storyboard.queue import log_fields

    with logs.work_context(**log_fields("storyboard.tasks.render.render_job", ("job-1",))):
        logging.getLogger("storyboard.test").info("rendering")
    (record,) = caplog.records
    assert (record.work, record.job_id) == ("render", "job-1") and not hasattr(record, "rq_job_id")
