"""/api/v3/webhook and signed job status deliveries to a receiver on 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storyboard import errors
from storyboard.models import User, WebhookDelivery, db
from storyboard.queue import drain_local
from storyboard.services import rendering, webhooks
from tests.support import factories
from tests.support.envelope import assert_ok
from tests.support.render_jobs import make_render_job, reload_job
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import Receiver, signature_ok

HOSTILE = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:5000/admin",
    "http://[::1]/",
    "http://10.0.0.5/hook",
    "http://localhost/hook",
    "http://2130706433/",
    "http://user:pw@example.com/hook",
    "file:///etc/passwd",
    "gopher://example.com/",
    "http://example.com:6379/",
]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def production_policy(app, monkeypatch):
    monkeypatch.setitem(app.config, "ASSET_FETCH_ALLOW_PRIVATE", False)


def _card() -> dict:
    return dict(duration=0.6, description="Title", script="", shot_type="wide", transition="cut", assets=[])


def _job(app, api, **data) -> str:
    with app.app_context():
        owner = db.session.get(User, api.user.id)
        return make_render_job(owner, factories.make_client(owner), [_card()], resolution="480p", **data).id


def _secret(app, api) -> str:
    with app.app_context():
        return db.session.get(User, api.user.id).webhook_secret


def _notify(app, job_id: str, from_status: str) -> None:
    with app.app_context():
        webhooks.stage_status_change(reload_job(job_id), from_status)
        db.session.commit()
    drain_local()


def _deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)).all()
        db.session.expunge_all()
        return list(rows)


# --- the default URL -----------------------------------------------------------------------------


def test_put_registers_the_url_and_returns_the_secret_get_shows_it(api, receiver):
    assert assert_ok(api.get("/api/v3/webhook")) == {"url": None, "secret": None, "event": "job.status_changed"}
    created = assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url}))
    assert created["url"] == receiver.url and created["secret"].startswith("whsec_")
    assert assert_ok(api.get("/api/v3/webhook")) == created
    again = assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url + "/v2"}))
    assert again["secret"] == created["secret"]
    rotated = assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url, "rotateSecret": True}))
    assert rotated["secret"] != created["secret"]


def test_delete_forgets_the_url_but_keeps_the_secret(api, receiver):
    secret = assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url}))["secret"]
    assert assert_ok(api.delete("/api/v3/webhook")) == {"url": None, "secret": secret, "event": "job.status_changed"}


def test_each_user_sees_only_their_own_webhook(api, other, receiver):
    assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url}))
    assert assert_ok(other.get("/api/v3/webhook"))["url"] is None
    assert_ok(other.delete("/api/v3/webhook"))
    assert assert_ok(api.get("/api/v3/webhook"))["url"] == receiver.url


@pytest.mark.parametrize("url", HOSTILE)
def test_a_hostile_callback_url_is_refused(app, api, production_policy, url):
    response = api.put("/api/v3/webhook", json={"url": url})
    assert response.status_code == 422
    with app.app_context(), pytest.raises(errors.Unprocessable, match="Callback URL not allowed"):
        webhooks.validate_callback_url(url)


def test_a_public_callback_url_passes_the_static_check(ctx, production_policy, network):
    assert webhooks.validate_callback_url("https://hooks.example.com/storyboard?token=abc") is None
    # The same URL aimed at a private address fails under the same policy: the check really ran.
    with pytest.raises(errors.Unprocessable, match="Callback URL not allowed"):
        webhooks.validate_callback_url("https://10.0.0.5/storyboard?token=abc")
    assert (network.lookups, network.connects) == ([], [])  # static: no DNS, no connection


# --- deliveries ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_render_status_change_reaches_the_receiver_signed(app, api, receiver, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path))
    secret = assert_ok(api.put("/api/v3/webhook", json={"url": receiver.url}))["secret"]
    job_id = _job(app, api)
    with app.app_context():
        rendering.render_job(job_id)
    drain_local()
    changes = sorted((r.payload["previousStatus"], r.payload["job"]["status"]) for r in receiver.received)
    assert changes == [("in_progress", "rendering"), ("rendering", "completed")]
    for request in receiver.received:
        assert signature_ok(secret, request.headers["X-Storyboard-Signature"], request.body)
        assert request.payload["event"] == request.headers["X-Storyboard-Event"] == "job.status_changed"
        assert request.headers["Content-Type"] == "application/json"
    done = next(r.payload["job"] for r in receiver.received if r.payload["job"]["status"] == "completed")
    shown = assert_ok(api.get(f"/api/v3/jobs/{job_id}"))
    # Exactly the job as the API shows it (both come from JobSchema).
    assert done == shown
    assert {(d.status, d.attempts) for d in _deliveries(app)} == {("delivered", 1)}


def test_a_job_callback_url_wins_and_gets_a_secret_lazily(app, api, receiver):
    other_receiver = Receiver().start()
    try:
        assert_ok(api.put("/api/v3/webhook", json={"url": other_receiver.url}))
        job_id = _job(app, api, callback_url=receiver.url)
        _notify(app, job_id, "in_progress")
    finally:
        other_receiver.stop()
    assert len(receiver.received) == 1 and other_receiver.received == []
    assert signature_ok(
        _secret(app, api), receiver.received[0].headers["X-Storyboard-Signature"], receiver.received[0].body
    )


def test_a_job_without_any_callback_sends_nothing(app, api):
    job_id = _job(app, api)
    _notify(app, job_id, "in_progress")
    assert _deliveries(app) == []


def test_a_failing_receiver_is_retried_with_fresh_signatures(app, api, receiver, fast_webhook_retries):
    receiver.statuses = [500, 503]
    job_id = _job(app, api, callback_url=receiver.url)
    _notify(app, job_id, "in_progress")
    _wait_for_status(app, "delivered")
    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1
    assert all(signature_ok(_secret(app, api), r.headers["X-Storyboard-Signature"], r.body) for r in receiver.received)
    [delivery] = _deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)


def test_a_receiver_that_never_answers_2xx_fails_after_the_last_retry(app, api, receiver, fast_webhook_retries):
    receiver.statuses = [500] * 10
    job_id = _job(app, api, callback_url=receiver.url)
    _notify(app, job_id, "in_progress")
    _wait_for_status(app, "failed")
    [delivery] = _deliveries(app)
    assert delivery.attempts == 4 == len(receiver.received)
    assert delivery.last_error == "Receiver answered HTTP 500"


def test_a_stored_url_refused_by_todays_policy_is_not_called(app, api, receiver, production_policy):
    job_id = _job(app, api, callback_url=receiver.url)
    _notify(app, job_id, "in_progress")
    [delivery] = _deliveries(app)
    assert (delivery.status, delivery.attempts, receiver.received) == ("failed", 1, [])
    assert delivery.last_error == "Callback URL not allowed"


def _wait_for_status(app, status: str) -> None:
    # Retries are enqueued from worker threads; each drain waits for the hops queued so far.
    def settled() -> bool:
        drain_local()
        return all(d.status == status for d in _deliveries(app))

    wait_for(settled, 5, what=lambda: [(d.status, d.attempts) for d in _deliveries(app)])


# --- signatures ----------------------------------------------------------------------------------


def test_a_signature_verifies_only_for_the_same_body_secret_and_a_fresh_timestamp():
    body, now = b'{"event":"job.status_changed"}', 1_700_000_000
    header = webhooks.signature_header("whsec_x", body, now)
    assert webhooks.verify_signature("whsec_x", header, body, now=now + 299)
    assert signature_ok("whsec_x", header, body, now=now + 299)
    assert not webhooks.verify_signature("whsec_x", header, body, now=now + 301)  # a replay
    assert not signature_ok("whsec_x", header, body, now=now + 301)
    assert not webhooks.verify_signature("whsec_y", header, body, now=now)
    assert not webhooks.verify_signature("whsec_x", header, body + b" ", now=now)
    assert not webhooks.verify_signature("whsec_x", "v1=abc", body, now=now)
