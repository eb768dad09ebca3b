"""Fixtures for storyboard tests over HTTP: a client and campaign, asset rows, a scripted LLM, recorded renders."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.llm_server import LLMServer

LLM_KEY = "sk-storyboard-test-0123456789abcdef"


@pytest.fixture
def acme(app, api) -> dict[str, str]:
    """A client with brand guidelines and a campaign of it, owned by `api`'s user."""
    with app.app_context():
        from storyboard.models import User, db

        owner = db.session.get(User, api.user.id)
        brand = {"colors": ["#FF6B35"], "tone": "playful", "restrictions": ["no competitor cups"]}
        client = factories.make_client(owner, name="Acme", brand_guidelines=brand)
        campaign = factories.make_campaign(owner, client, name="Spring launch", goal="Drive first orders")
        return {"client": client.id, "campaign": campaign.id}


@pytest.fixture
def llm(app, monkeypatch, llm_retry_pauses):
    """A scripted OpenAI-compatible server that the app's `openai` provider talks to (retrying without pauses)."""
    with LLMServer() as server:
        for key, value in {
            "AI_PROVIDER": "openai",
            "AI_API_KEY": LLM_KEY,
            "AI_BASE_URL": server.base_url,
            "AI_MAX_RETRIES": 2,
            "AI_TIMEOUT_SECONDS": 10.0,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        yield server


@pytest.fixture
def renders(api):
    """Approved jobs really render in the background; at the end of the test they are cancelled, which stops
    ffmpeg within about a second, so the suite does not wait for whole videos it does not look at."""
    yield
    for job in api.get("/api/v3/jobs?limit=1000").get_json()["data"]:
        if job["status"] in ("in_progress", "rendering"):
            api.post(f"/api/v3/jobs/{job['id']}/actions", json={"action": "cancel"})


@pytest.fixture
def job(api, acme) -> dict:
    """A job in storyboard_review with the offline provider's four scenes (30 s)."""
    from tests.support.envelope import assert_ok
    from tests.support.factories import brief

    return assert_ok(api.post("/api/v3/jobs", json=brief(acme["client"])), 201)
