"""Storyboard services without HTTP: the generation task's guards, failures on the job, and the version check."""

from __future__ import annotations

import pytest

from storyboard import errors
from storyboard.integrations.llm.offline import OfflineProvider
from storyboard.models import Job, JobEvent, Scene, allowed_actions, db
from storyboard.services import storyboards
from storyboard.services.storyboards import briefs, records
from storyboard.tasks import storyboards as storyboard_tasks
from tests.support import factories


@pytest.fixture
def pending(ctx):
    owner, _key = factories.make_user("carol")
    client = factories.make_client(owner)
    job = factories.make_job(owner, client, status="pending")
    job.request = {
        "ad_basics": {
            "product": "Aurora",
            "target_audience": "commuters",
            "key_message": "Drink more",
            "call_to_action": "Order today",
        },
        "creative": {"direction": {"style": "bold"}},
    }
    db.session.commit()
    return job.id


class Interrupting(OfflineProvider):
    """The offline writer, with something happening to the job while it writes (what a concurrent request does)."""

    def __init__(self, job_id: str, change):
        super().__init__()
        self.job_id, self.change = job_id, change

    def complete_storyboard(self, *args, **kwargs):
        job = db.session.get(Job, self.job_id)
        self.change(job)
        db.session.commit()
        db.session.close()
        return super().complete_storyboard(*args, **kwargs)


def _scene_count(job_id: str) -> int:
    return len(db.session.scalars(db.select(Scene).where(Scene.job_id == job_id)).all())


def test_generation_stores_scenes_and_a_second_run_is_a_no_op(pending):
    storyboards.generate_storyboard(pending)
    storyboards.generate_storyboard(pending)
    job = db.session.get(Job, pending)
    assert job.status == "storyboard_review" and _scene_count(pending) == 4 and job.generation == 1


def test_a_job_cancelled_while_the_llm_writes_gets_no_scenes(pending, monkeypatch):
    monkeypatch.setattr(briefs, "provider", lambda: Interrupting(pending, lambda j: setattr(j, "status", "cancelled")))
    storyboards.generate_storyboard(pending)
    assert db.session.get(Job, pending).status == "cancelled" and _scene_count(pending) == 0


def test_a_newer_run_takes_over_and_the_older_result_is_dropped(pending, monkeypatch):
    def newer_run(job):
        job.generation += 1

    monkeypatch.setattr(briefs, "provider", lambda: Interrupting(pending, newer_run))
    storyboards.generate_storyboard(pending)
    job = db.session.get(Job, pending)
    assert job.status == "storyboard_processing" and _scene_count(pending) == 0


def test_an_unexpected_error_fails_the_job_with_a_generic_message(pending, monkeypatch):
    def broken():
        raise RuntimeError("secret internals at /work/x.py")

    monkeypatch.setattr(briefs, "provider", broken)
    storyboard_tasks.generate_storyboard(pending)
    job = db.session.get(Job, pending)
    assert job.status == "failed" and job.error == "Failed to generate scenes: internal error"
    assert job.error_detail["retryable"] is True and "secret" not in str(job.error_detail)
    last = db.session.scalars(db.select(JobEvent).order_by(JobEvent.id.desc())).first()
    assert (last.to_status, last.actor) == ("failed", "system")


def test_an_upstream_error_keeps_its_structured_detail(pending, monkeypatch):
    failure = errors.Failure(
        stage="storyboard_llm",
        provider="openai",
        upstream_status=402,
        retryable=False,
        hint="top up the AI provider account",
    )

    def exhausted():
        raise errors.UpstreamFailed("AI provider account balance exhausted", failure=failure)

    monkeypatch.setattr(briefs, "provider", exhausted)
    storyboard_tasks.generate_storyboard(pending)
    job = db.session.get(Job, pending)
    assert job.error == "Failed to generate scenes: AI provider account balance exhausted"
    assert job.error_detail == {**failure.as_detail(), "stage": "storyboard_llm", "upstream_status": 402}
    assert set(job.error_detail) == set(errors.Failure.__dataclass_fields__)  # errorDetail has one shape
    assert allowed_actions(job.status) == ["retry"]  # a failed job can be retried, nothing else


def test_the_loser_of_two_edits_gets_409(pending):
    storyboards.generate_storyboard(pending)
    scene = db.session.scalars(db.select(Scene).where(Scene.job_id == pending, Scene.scene_number == 1)).one()
    seen = scene.version
    records.claim_version(scene, seen)
    db.session.commit()
    with pytest.raises(errors.Conflict, match="changed by someone else"):
        records.claim_version(scene, seen)
