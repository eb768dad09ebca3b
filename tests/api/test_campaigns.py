"""Campaigns: references to the caller's client, status enum, filters, cascade, stats."""

from __future__ import annotations

import pytest

from tests.support.envelope import assert_error, assert_ok


@pytest.fixture
def client_id(api):
    return assert_ok(api.post("/api/v3/clients", json={"name": "Acme"}), 201)["id"]


def create(api, client_id, **body):
    payload = {"clientId": client_id, "name": "Spring", "goal": "Awareness", **body}
    return assert_ok(api.post("/api/v3/campaigns", json=payload), 201)


def test_create_campaign_shape_and_default_status(api, client_id):
    data = create(api, client_id, productUrl="https://acme.test/p", brief={"audience": "teens"})
    assert data["status"] == "draft" and data["clientId"] == client_id
    assert set(data) == {
        "id",
        "clientId",
        "name",
        "goal",
        "status",
        "productUrl",
        "brief",
        "metadata",
        "createdAt",
        "updatedAt",
    }


def test_campaign_status_must_be_in_the_enum(api, client_id):
    body = {"clientId": client_id, "name": "S", "goal": "G", "status": "running"}
    assert_error(api.post("/api/v3/campaigns", json=body), 422)


def test_campaign_brief_must_be_an_object(api, client_id):
    body = {"clientId": client_id, "name": "S", "goal": "G", "brief": "a string"}
    assert_error(api.post("/api/v3/campaigns", json=body), 422)


def test_campaign_for_someone_elses_client_is_404(api, other, client_id):
    body = {"clientId": client_id, "name": "S", "goal": "G"}
    assert_error(other.post("/api/v3/campaigns", json=body), 404, "Client not found")


def test_list_filters_by_client(api, client_id):
    second = assert_ok(api.post("/api/v3/clients", json={"name": "Beta"}), 201)["id"]
    create(api, client_id)
    create(api, client_id)
    create(api, second)
    response = api.get(f"/api/v3/campaigns?client_id={client_id}&limit=1")
    assert len(assert_ok(response)) == 1
    assert response.get_json()["meta"]["total"] == 2


def test_update_campaign_status_and_keep_client(api, client_id):
    campaign = create(api, client_id)
    data = assert_ok(api.put(f"/api/v3/campaigns/{campaign['id']}", json={"status": "active", "clientId": "other"}))
    assert data["status"] == "active" and data["clientId"] == client_id
    assert_error(api.put(f"/api/v3/campaigns/{campaign['id']}", json={"status": "nope"}), 422)


def test_delete_campaign_and_other_users_access(api, other, client_id):
    campaign = create(api, client_id)
    path = f"/api/v3/campaigns/{campaign['id']}"
    for call in (other.get(path), other.put(path, json={"name": "x"}), other.delete(path), other.get(path + "/stats")):
        assert_error(call, 404, "Campaign not found")
    assert assert_ok(api.delete(path)) == {"message": "Campaign deleted successfully"}
    assert_error(api.get(path), 404)


def test_campaign_stats_count_completed_jobs_only(app, api, client_id):
    campaign = create(api, client_id)
    with app.app_context():
        from storyboard.models import Campaign, Client, User, db
        from tests.support.factories import make_job

        owner, client = db.session.get(User, api.user.id), db.session.get(Client, client_id)
        camp = db.session.get(Campaign, campaign["id"])
        make_job(owner, client, camp, status="completed", actual_cost=3.0)
        make_job(owner, client, camp, status="completed", actual_cost=2.0)
        make_job(owner, client, camp, status="failed")
    stats = assert_ok(api.get(f"/api/v3/campaigns/{campaign['id']}/stats"))
    assert stats["videoCount"] == 2 and stats["totalSpend"] == 5.0 and stats["avgCost"] == 2.5
    assert stats["jobCount"] == 3
    client_stats = assert_ok(api.get(f"/api/v3/clients/{client_id}/stats"))
    assert client_stats["videoCount"] == 2 and client_stats["totalSpend"] == 5.0
