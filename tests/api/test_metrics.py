"""GET /metrics: Prometheus text with requests by route and status, jobs by status, queue depths, LLM calls,
download bytes; METRICS_TOKEN protects it; under gunicorn every worker process is counted."""

from __future__ import annotations

import json
import os
import signal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief, make_job
from tests.support.jobs import scene_reply
from tests.support.waiting import wait_for


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a Prometheus text page."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client, **headers) -> dict[tuple, float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def requests(page: dict, route: str, status: int, method: str = "GET") -> float:
    labels = (("method", method), ("route", route), ("status", str(status)))
    return page.get(("storyboard_http_requests_total", labels), 0.0)


def test_requests_are_counted_by_route_and_status(app, api):
    client = app.test_client()
    before = scrape(client)
    for _ in range(3):
        assert_ok(api.get("/api/v3/clients"))
    job_route = "/api/v3/jobs/<job_id>"
    assert_error(api.get("/api/v3/jobs/no-such-job"), 404)
    assert_error(client.get("/api/v3/clients"), 401)
    client.get("/no/such/page")
    after = scrape(client)
    assert requests(after, "/api/v3/clients", 200) - requests(before, "/api/v3/clients", 200) == 3
    assert requests(after, "/api/v3/clients", 401) - requests(before, "/api/v3/clients", 401) == 1
    assert requests(after, job_route, 404) - requests(before, job_route, 404) == 1
    assert requests(after, "<unmatched>", 404) - requests(before, "<unmatched>", 404) == 1
    labels = (("method", "GET"), ("route", "/api/v3/clients"), ("status", "200"))
    count = ("storyboard_http_request_duration_seconds_count", labels)
    assert after[count] - before.get(count, 0) == 3


def test_jobs_by_status_and_queue_depths_are_read_at_each_scrape(app, api, acme):
    with app.app_context():
        from storyboard.models import Client, User, db

        owner, client = db.session.get(User, api.user.id), db.session.get(Client, acme["client"])
        for status in ("storyboard_review", "storyboard_review", "failed"):
            make_job(owner, client, status=status)
    page = scrape(app.test_client())
    assert page[("storyboard_jobs", (("status", "storyboard_review"),))] == 2
    assert page[("storyboard_jobs", (("status", "failed"),))] == 1
    assert page[("storyboard_jobs", (("status", "rendering"),))] == 0
    assert page[("storyboard_queue_jobs", (("queue", "local"), ("state", "queued")))] == 0
    assert page[("storyboard_queue_up", ())] == 1


def test_queue_depths_come_from_rq_with_redis(rq_app, api, acme):
    from storyboard.queue import QUEUES, queue_name

    # No worker runs: the storyboard waits in its queue.
    assert_ok(api.post("/api/v3/jobs", json=brief(acme["client"]), headers={"Prefer": "respond-async"}), 202)
    page = scrape(rq_app.test_client())
    llm_queue = queue_name(rq_app, "llm")
    assert page[("storyboard_queue_jobs", (("queue", llm_queue), ("state", "queued")))] == 1
    for name in QUEUES:
        assert ("storyboard_queue_jobs", (("queue", queue_name(rq_app, name)), ("state", "failed"))) in page


def test_a_redis_that_does_not_answer_leaves_the_queues_out(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "REDIS_SOCKET_TIMEOUT_SECONDS", 0.5)
    app.extensions.pop("storyboard_redis", None)
    try:
        page = scrape(app.test_client())
    finally:
        app.extensions.pop("storyboard_redis", None)
    assert page[("storyboard_queue_up", ())] == 0
    assert not any(name == "storyboard_queue_jobs" for name, _ in page)


def test_llm_calls_and_failures_are_counted(app, api, job, llm):
    def calls(page, outcome):
        labels = (("model", app.config["AI_MODEL"] or "gpt-4o-mini"), ("outcome", outcome), ("provider", "openai"))
        return page.get(("storyboard_llm_calls_total", labels), 0.0)

    client = app.test_client()
    before = scrape(client)
    llm.reply(scene_reply())
    act = {"action": "regenerate_scene", "sceneNumber": 1}
    assert_ok(api.post(f"/api/v3/jobs/{job['id']}/actions", json=act))
    llm.fail(402, error={"message": "pay up", "type": "insufficient_quota", "code": "insufficient_quota"})
    api.post(f"/api/v3/jobs/{job['id']}/actions", json=act)
    after = scrape(client)
    assert calls(after, "ok") - calls(before, "ok") == 1
    assert calls(after, "failed") - calls(before, "failed") == 1
    failures = [v for (name, _), v in after.items() if name == "storyboard_llm_failures_total"]
    assert sum(failures) >= 1


def test_download_bytes_are_counted(app, api, media_server, media_files):
    client = app.test_client()
    before = scrape(client).get(("storyboard_download_bytes_total", ()), 0.0)
    png = media_files.read("png")
    url = media_server.add("/hero.png", png, content_type="image/png")
    assert_ok(api.post("/api/v3/assets/from-url", json={"name": "hero", "type": "image", "url": url}), 201)
    after = scrape(client)[("storyboard_download_bytes_total", ())]
    assert after - before == len(png)


def test_with_a_metrics_token_only_its_bearer_may_scrape(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-secret-0123")
    client = app.test_client()
    missing = client.get("/metrics")
    assert_error(missing, 401, "metrics token")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert_error(client.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)
    assert_error(client.get("/metrics", headers={"X-API-Key": "scrape-secret-0123"}), 401)
    assert scrape(client, Authorization="Bearer scrape-secret-0123")


@pytest.mark.slow
def test_under_gunicorn_every_worker_process_is_counted_and_a_dead_ones_counts_stay(app, api):
    import http.client

    from tests.support.gunicorn import Gunicorn

    server = Gunicorn(app, workers=2, threads=2)

    def get(path: str, headers: dict | None = None) -> tuple[int, str]:
        # A new connection each time: gunicorn spreads them over its workers.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        return response.status, body

    def total() -> float:
        return requests(samples(get("/metrics")[1]), "/api/v3/clients", 200)

    try:
        for _ in range(20):
            assert get("/api/v3/clients", {"X-API-Key": api.key})[0] == 200
        assert total() == 20
        pid = server.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: pid not in server.worker_pids() and len(server.worker_pids()) == 2, 30, what="a new worker")
        # The dead process's counts stay in the sum (its file is kept; child_exit drops only live gauges).
        assert total() == 20
        files = sorted(os.listdir(os.path.join(server.instance.name, "metrics")))
        assert any(name.startswith("counter_") for name in files), files
        assert os.path.exists(os.path.join(server.instance.name, "gunicorn.ctl"))
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.redis
def test_a_worker_sharing_the_instances_folder_adds_its_downloads(rq_app, start_worker, api, media_server, media_files):
    import http.client

    from tests.support.gunicorn import Gunicorn

    server = Gunicorn(rq_app)
    try:
        # The instance folder, not the metrics folder: --share-metrics finds it from the settings.
        start_worker(args=("--share-metrics",), INSTANCE_DIR=server.instance.name)
        png = media_files.read("png")
        url = media_server.add("/shared.png", png, content_type="image/png")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=90)
        body = json.dumps({"name": "shared", "type": "image", "url": url})
        headers = {"X-API-Key": api.key, "Content-Type": "application/json", "Prefer": "wait=60"}
        conn.request("POST", "/api/v3/assets/from-url", body=body, headers=headers)
        created = conn.getresponse()
        assert created.status == 201, created.read()
        created.read()
        conn.request("GET", "/metrics")
        page = samples(conn.getresponse().read().decode())
        conn.close()
        # The download ran in the worker process, and gunicorn's page counts it.
        assert page[("storyboard_download_bytes_total", ())] == len(png)
        assert any(name.startswith("counter_") for name in os.listdir(os.path.join(server.instance.name, "metrics")))
    finally:
        server.stop()
