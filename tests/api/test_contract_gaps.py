"""Small contract gaps (issue 13): from-url's `name` is required, bulk size errors read exactly as the contract
writes them, list filters accept their camelCase spellings, and a caller who waits past the download deadline
gets the contract's 504."""

from __future__ import annotations

import time

import pytest

from storyboard.models import Asset, db
from storyboard.queue import drain_local
from tests.support import factories
from tests.support.envelope import assert_error, assert_ok
from tests.support.media_server import stall, trickle


def from_url(api, url: str, *, wait: str | None = None, **body):
    headers = {"Prefer": wait} if wait else {}
    return api.post("/api/v3/assets/from-url", json={"type": "image", "url": url, **body}, headers=headers)


def asset_count(app) -> int:
    with app.app_context():
        return db.session.query(Asset).count()


def test_from_url_without_a_name_is_422(api, media_server, media_files):
    url = media_server.add("/a.png", media_files.read("png"), content_type="image/png")
    body = assert_error(from_url(api, url), 422)
    assert body["detail"][0]["loc"] == ["json", "name"]
    assert_error(from_url(api, url, name="  "), 422)
    assert assert_ok(from_url(api, url, name="logo"), 201)["name"] == "logo"


@pytest.mark.parametrize(
    ("count", "message"), [(0, "No assets provided"), (101, "Maximum 100 assets allowed per bulk upload")]
)
def test_bulk_size_errors_are_the_contracts_words_alone(api, count, message):
    items = [{"name": "a", "type": "image", "url": "http://x.test/a.png"}] * count
    body = assert_error(api.post("/api/v3/assets/from-urls", json={"assets": items}), 422)
    assert body["error"] == message
    assert body["detail"] == [{"loc": ["json", "assets"], "msg": message, "type": "value_error"}]


def test_other_validation_errors_keep_their_summary(api):
    body = assert_error(api.post("/api/v3/assets/from-urls", json={"assets": [{"type": "image"}]}), 422)
    assert body["error"].startswith("Validation failed: assets.0.url:")


@pytest.fixture
def two_clients(app, api):
    """Two clients of `api`'s user with a campaign each, and one job and one asset under each campaign."""
    with app.app_context():
        from storyboard.models import User

        owner = db.session.get(User, api.user.id)
        out = []
        for name in ("A", "B"):
            client = factories.make_client(owner, name=name)
            campaign = factories.make_campaign(owner, client, name=f"{name} launch")
            factories.make_job(owner, client, campaign)
            db.session.add(
                Asset(user_id=owner.id, client_id=client.id, campaign_id=campaign.id, name=name, type="image")
            )
            db.session.commit()
            out.append({"client": client.id, "campaign": campaign.id})
        return out


@pytest.mark.parametrize("route", ["jobs", "campaigns", "assets"])
def test_list_filters_accept_camel_case_client_id(api, two_clients, route):
    first = two_clients[0]["client"]
    snake = assert_ok(api.get(f"/api/v3/{route}?client_id={first}"))
    camel = assert_ok(api.get(f"/api/v3/{route}?clientId={first}&_={time.time()}"))
    assert len(snake) == 1 and camel == snake
    assert len(assert_ok(api.get(f"/api/v3/{route}?_=cachebuster"))) == 2


@pytest.mark.parametrize("route", ["jobs", "assets"])
def test_list_filters_accept_camel_case_campaign_id(api, two_clients, route):
    second = two_clients[1]["campaign"]
    items = assert_ok(api.get(f"/api/v3/{route}?campaignId={second}"))
    assert [item["campaignId"] for item in items] == [second]


def test_both_spellings_must_agree(api, two_clients):
    first, second = two_clients[0]["client"], two_clients[1]["client"]
    assert len(assert_ok(api.get(f"/api/v3/jobs?client_id={first}&clientId={first}"))) == 1
    body = assert_error(api.get(f"/api/v3/jobs?client_id={first}&clientId={second}"), 422)
    assert body["detail"][0]["loc"] == ["query", "clientId"]


@pytest.fixture
def deadline(app, monkeypatch):
    """set(seconds): the download deadline for this test."""
    return lambda seconds: monkeypatch.setitem(app.config, "ASSET_DOWNLOAD_TIMEOUT_SECONDS", seconds)


def slow_png(server, files, path: str) -> str:
    """A PNG sent a byte every 0.1 s: 6 s in all, longer than any deadline here."""
    return server.add(path, trickle(files.read("png")[:60], 0.1), content_type="image/png")


def test_waiting_past_the_deadline_answers_504_when_the_download_times_out(
    app, api, media_server, media_files, deadline
):
    deadline(1.0)
    started = time.monotonic()
    answer = from_url(api, slow_png(media_server, media_files, "/slow.png"), wait="wait=3", name="slow")
    assert_error(answer, 504, "Failed to download asset: Download timed out")
    assert time.monotonic() - started < 2.5
    assert asset_count(app) == 0


def test_waiting_past_the_deadline_answers_504_when_the_download_started_late(
    app, api, media_server, media_files, deadline
):
    """Every work thread is busy with another stalled download, so this one starts a second late: its own
    deadline ends after the caller's wait. The caller still learns the outcome: 504, nothing kept."""
    deadline(1.0)
    busy = media_server.add("/busy.png", stall(b"\x89PNG", 3), content_type="image/png")
    for _ in range(app.config["LOCAL_WORK_THREADS"]):
        assert_ok(from_url(api, busy, wait="respond-async", name="busy"), 202)
    started = time.monotonic()
    answer = from_url(api, slow_png(media_server, media_files, "/late.png"), wait="wait=1.5", name="late")
    assert_error(answer, 504, "Failed to download asset: Download timed out")
    assert time.monotonic() - started < 2.5
    drain_local()
    names = [asset["name"] for asset in assert_ok(api.get("/api/v3/assets?limit=100"))]
    assert "late" not in names and names.count("busy") == app.config["LOCAL_WORK_THREADS"]


def test_a_shorter_wait_than_the_deadline_still_answers_202(api, media_server, media_files, deadline):
    deadline(2.0)
    pending = assert_ok(from_url(api, slow_png(media_server, media_files, "/slow.png"), wait="wait=0.5", name="s"), 202)
    assert pending["status"] == "pending"
    drain_local()
    assert assert_ok(api.get(f"/api/v3/assets/{pending['id']}"))["status"] == "failed"
