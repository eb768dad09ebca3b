"""Clients: create, list with totals, read, update, delete with cascade, stats, tenancy."""

from __future__ import annotations

import pytest

from tests.support.envelope import assert_error, assert_ok


def create(api, **body):
    return assert_ok(api.post("/api/v3/clients", json={"name": "Acme", **body}), 201)


def test_create_client_returns_the_contract_shape(api):
    data = create(
        api,
        homepage="https://acme.test",
        brandGuidelines={"colors": ["#112233"], "tone": "warm"},
        metadata={"tier": "gold"},
    )
    assert set(data) == {
        "id",
        "name",
        "description",
        "homepage",
        "brandGuidelines",
        "metadata",
        "createdAt",
        "updatedAt",
    }
    assert data["description"] == ""
    assert data["brandGuidelines"] == {
        "colors": ["#112233"],
        "fonts": None,
        "tone": "warm",
        "restrictions": None,
        "examples": None,
    }
    assert data["createdAt"].endswith("Z") and "T" in data["createdAt"]


def test_client_name_is_trimmed(api):
    assert create(api, name="  Acme  ")["name"] == "Acme"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "homepage": "ftp://acme.test"}, "homepage"),
        ({"name": "A", "brandGuidelines": {"colors": "red"}}, "colors"),
        ({"name": 5}, "name"),
    ],
)
def test_invalid_client_bodies_answer_422_with_detail(api, body, field):
    body = assert_error(api.post("/api/v3/clients", json=body), 422)
    assert any(field in [str(p) for p in d["loc"]] for d in body["detail"]), body["detail"]


def test_list_clients_counts_all_rows_and_pages(api):
    for i in range(5):
        create(api, name=f"C{i}")
    response = api.get("/api/v3/clients?limit=2&offset=2")
    data = assert_ok(response)
    meta = response.get_json()["meta"]
    assert [c["name"] for c in data] == ["C2", "C1"]
    assert meta["total"] == 5 and meta["page"] == 2 and meta["limit"] == 2 and meta["offset"] == 2


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "offset=-1", "limit=abc"])
def test_list_clients_rejects_bad_paging(api, query):
    assert_error(api.get(f"/api/v3/clients?{query}"), 422)


def test_update_client_is_patch_like(api):
    client = create(api, description="old", metadata={"a": 1})
    data = assert_ok(api.put(f"/api/v3/clients/{client['id']}", json={"description": "new", "name": None}))
    assert data["description"] == "new" and data["name"] == "Acme" and data["metadata"] == {"a": 1}
    assert data["updatedAt"] >= client["updatedAt"]


def test_update_client_without_fields_is_422(api):
    client = create(api)
    assert_error(api.put(f"/api/v3/clients/{client['id']}", json={}), 422, "No updatable fields")


def test_unknown_client_is_404(api):
    assert_error(api.get("/api/v3/clients/does-not-exist"), 404, "Client not found")


def test_other_users_client_is_404_on_every_route(api, other):
    client = create(api)
    path = f"/api/v3/clients/{client['id']}"
    assert_error(other.get(path), 404, "not found")
    assert_error(other.put(path, json={"name": "stolen"}), 404, "not found")
    assert_error(other.delete(path), 404, "not found")
    assert_error(other.get(path + "/stats"), 404, "not found")
    assert assert_ok(api.get(path))["name"] == "Acme"
    assert other.get("/api/v3/clients").get_json()["meta"]["total"] == 0


def test_delete_client_cascades_to_campaigns(api):
    client = create(api)
    campaign = assert_ok(
        api.post("/api/v3/campaigns", json={"clientId": client["id"], "name": "Spring", "goal": "Awareness"}), 201
    )
    assert assert_ok(api.delete(f"/api/v3/clients/{client['id']}")) == {"message": "Client deleted successfully"}
    assert_error(api.get(f"/api/v3/campaigns/{campaign['id']}"), 404)
    assert api.get("/api/v3/campaigns").get_json()["meta"]["total"] == 0


def test_client_stats_start_at_zero(api):
    client = create(api)
    assert_ok(api.post("/api/v3/campaigns", json={"clientId": client["id"], "name": "S", "goal": "G"}), 201)
    stats = assert_ok(api.get(f"/api/v3/clients/{client['id']}/stats"))
    assert stats == {"campaignCount": 1, "videoCount": 0, "totalSpend": 0.0, "jobCount": 0, "assetCount": 0}


def test_requests_without_credentials_are_401(api):
    body = assert_error(api.client.get("/api/v3/clients"), 401, "Not authenticated")
    assert body["detail"]
    assert_error(api.client.get("/api/v3/clients", headers={"X-API-Key": "sk_wrong"}), 401)
    assert_error(
        api.client.get("/api/v3/clients", headers={"Authorization": "Bearer nope"}),
        401,
        "Could not validate credentials",
    )
