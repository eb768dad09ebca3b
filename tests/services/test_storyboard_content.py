"""Content checks: a storyboard that is a refusal, placeholders, repeated scenes or silence is never stored.

Every reply goes through the real `openai` client to a local OpenAI-compatible server, as a model's would."""

from __future__ import annotations

import pytest

from storyboard import errors
from storyboard.integrations.llm import Brief
from storyboard.integrations.llm.base import AssetBrief
from storyboard.services.storyboards import rules
from storyboard.services.storyboards.writer import rewrite_scene, write_storyboard
from tests.support.llm_server import LLMServer

CTA = "Download Trailblaze today"
BRIEF = Brief(
    "Trailblaze",
    "weekend hikers",
    "Every trail, mapped offline",
    CTA,
    "cinematic",
    duration=30.0,
    assets=(AssetBrief("a-1", "image", "summit.jpg"),),
)
REFUSAL = "I'm sorry, but I can't assist with that request."


@pytest.fixture
def server():
    with LLMServer() as srv:
        yield srv


def remote(server: LLMServer):
    return server.provider(AI_MAX_RETRIES="0", AI_STRUCTURED_OUTPUT="json_object")


def good(n: int = 4, *, last_script: str | None = None) -> dict:
    scenes = [
        {
            "sceneNumber": i + 1,
            "duration": 30 / n,
            "description": f"Shot {i + 1}: a hiker on ridge number {i + 1} at dawn",
            "script": f"Line {i + 1} about trail number {i + 1}.",
            "shotType": "wide",
            "transition": "cut",
            "assets": ["a-1"] if i == 0 else [],
            "metadata": {"setting": f"ridge {i + 1}", "mood": "bright"},
        }
        for i in range(n)
    ]
    if last_script is not None:
        scenes[-1]["script"] = last_script
    return {"scenes": scenes}


def the_real_models_refusal() -> dict:
    """What a small real model answered: refusal scripts, the prompt's example copied, one scene twice."""
    scenes = good(4)["scenes"]
    for scene in scenes:
        scene["script"] = REFUSAL
        scene["assets"] = ["<asset id>"]
        scene["metadata"] = {"setting": "...", "mood": "..."}
    scenes[2]["description"] = scenes[1]["description"]
    return {"scenes": scenes}


def test_a_refusal_gets_one_corrective_retry_that_names_the_problem(server):
    server.reply(the_real_models_refusal()).reply(good())
    written = write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    assert written.attempts == 2 and [s.script for s in written.scenes][0] == "Line 1 about trail number 1."
    correction = server.requests[1].prompt.split("Your previous answer was rejected:")[1]
    assert (
        "refusal" in correction
        and "placeholder" in correction
        and "scenes 2 and 3 have the same description" in correction
    )
    assert "assets hold placeholders" in correction


def test_two_refusals_fail_cleanly_and_name_the_refusal(server):
    server.reply(the_real_models_refusal()).reply(the_real_models_refusal())
    with pytest.raises(errors.UpstreamFailed) as caught:
        write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    failure = caught.value.failure
    assert "refusal" in caught.value.message and caught.value.message.startswith("Failed to generate scenes:")
    assert failure.retryable is False and "refused this brief" in failure.hint
    assert any("refusal" in p for p in failure.problems) and any("same description" in p for p in failure.problems)
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "spoil, finding",
    [
        (lambda s: s[0].update(description="..."), "scene 1 description is a placeholder"),
        (lambda s: s[1].update(script="string"), "scene 2 script is a placeholder"),
        (lambda s: s[2].update(description="Lorem ipsum dolor sit amet"), "scene 3 description is a placeholder"),
        (lambda s: s[0].update(description="<what the camera shows>"), "scene 1 description is a placeholder"),
        (lambda s: s[3].update(script=s[0]["script"]), "scenes 1 and 4 have the same script"),
        (lambda s: [x.pop("script") for x in s[:2]], "scenes 1, 2 have no voice-over script"),
        (lambda s: [x.update(script="") for x in s[:3]], "scenes 1, 2, 3 have no voice-over script"),
        (lambda s: s[1].update(script="Als KI-Sprachmodell kann ich das nicht."), "scene 2 script is a refusal"),
        (lambda s: s[1].update(script="申し訳ありませんが、お手伝いできません。"), "scene 2 script is a refusal"),
    ],
)
def test_each_content_problem_is_refused_and_named(server, spoil, finding):
    bad = good()
    spoil(bad["scenes"])
    server.reply(bad).reply(bad)
    with pytest.raises(errors.UpstreamFailed) as caught:
        write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    assert any(finding in p for p in caught.value.failure.problems), caught.value.failure.problems
    assert finding in server.requests[1].prompt


def test_one_silent_scene_is_fine_and_silence_asked_for_is_fine(server):
    quiet = good()
    quiet["scenes"][1]["script"] = ""
    server.reply(quiet)
    assert write_storyboard(remote(server), BRIEF, lo=3, hi=7).attempts == 1
    silent = good()
    for scene in silent["scenes"]:
        scene["script"] = ""
    server.reply(silent)
    written = write_storyboard(
        remote(server), BRIEF, lo=3, hi=7, feedback="no voice-over please, music only", keep_count=4
    )
    assert written.attempts == 1 and [s.script for s in written.scenes[:-1]] == ["", "", ""]
    assert CTA in written.scenes[-1].script  # the CTA is still said at the end


@pytest.mark.parametrize(
    "text",
    [
        "Here is your storyboard:\n```json\n{body}\n```\nLet me know if you want changes!",
        "Sure! {body} Hope this helps.",
        '{{"storyboard": {body}}}',
        '{{"result": {{"storyboard": {body}}}}}',
    ],
)
def test_json_in_prose_fences_and_wrappers_is_read_on_the_first_attempt(server, text):
    import json

    server.reply(text.format(body=json.dumps(good())))
    written = write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    assert written.attempts == 1 and len(written.scenes) == 4


def test_a_plain_text_refusal_is_named_as_a_refusal():
    with pytest.raises(rules.ReplyProblem, match="refusal"):
        rules.parse_scenes("I'm sorry, but I can't help with that.")
    with pytest.raises(rules.ReplyProblem, match="not valid JSON"):
        rules.parse_scenes("Here are some thoughts about hiking apps.")


def test_the_cta_survives_a_3000_character_last_script_on_generation_and_regeneration(server):
    long_script = " ".join(["Trails go on and on"] * 150)  # 3,000 characters
    server.reply(good(last_script=long_script))
    written = write_storyboard(remote(server), BRIEF, lo=3, hi=7)
    last = written.scenes[-1]
    assert rules.has_call_to_action(last.script, CTA) and len(last.script) <= rules.MAX_TEXT

    reply = {**good()["scenes"][-1], "script": long_script + " " + "x" * 200}
    server.reply(reply)
    new = rewrite_scene(remote(server), BRIEF, last, written.scenes, feedback="longer", constraints=None).scenes[0]
    assert rules.has_call_to_action(new.script, CTA) and len(new.script) <= rules.MAX_TEXT


def test_a_rewritten_scene_is_checked_against_its_neighbours(server):
    server.reply(good())
    scenes = write_storyboard(remote(server), BRIEF, lo=3, hi=7).scenes
    target = scenes[1]
    copy = {**good()["scenes"][1], "description": scenes[0].description}
    refusal = {**good()["scenes"][1], "description": "A fresh angle on the ridge", "script": REFUSAL}
    silent = {**good()["scenes"][1], "description": "A fresh angle on the ridge", "script": ""}
    fixed = {**good()["scenes"][1], "description": "A fresh angle on the ridge", "script": "Trails, mapped."}

    server.reply(copy).reply(fixed)
    new = rewrite_scene(remote(server), BRIEF, target, scenes, feedback="another angle", constraints=None).scenes[0]
    assert new.description == "A fresh angle on the ridge"
    assert "the description repeats scene 1's" in server.requests[-1].prompt

    server.reply(refusal).reply(silent)
    with pytest.raises(errors.UpstreamFailed) as caught:
        rewrite_scene(remote(server), BRIEF, target, scenes, feedback="another angle", constraints=None)
    assert "lost its voice-over" in caught.value.message and caught.value.message.startswith("Failed to regenerate")

    server.reply(silent)
    quiet = rewrite_scene(remote(server), BRIEF, target, scenes, feedback="make it silent", constraints=None)
    assert quiet.scenes[0].script == "" and quiet.attempts == 1


def test_every_scene_says_which_writer_wrote_it_and_what_became_of_the_feedback(server):
    provider = remote(server)
    server.reply(good())
    written = write_storyboard(provider, BRIEF, lo=3, hi=7, feedback="warmer colours")
    assert {str(s.metadata["writer"]) for s in written.scenes} == {str({"name": "openai", "model": provider.model})}
    assert written.feedback == {
        "writer": "openai",
        "model": provider.model,
        "applied": ["warmer colours"],
        "notApplied": None,
    }
    server.reply({**good()["scenes"][0], "metadata": {"writer": "spoofed"}})
    new = rewrite_scene(provider, BRIEF, written.scenes[0], written.scenes, feedback=None, constraints=None)
    assert new.scenes[0].metadata["writer"] == {"name": "openai", "model": provider.model} and new.feedback is None


def test_a_job_whose_storyboard_is_a_refusal_fails_and_is_never_in_review(ctx, server, monkeypatch):
    from flask import current_app

    from storyboard.models import Job, Scene, db
    from storyboard.tasks import storyboards as storyboard_tasks
    from tests.support import factories

    owner, _key = factories.make_user("rita")
    job = factories.make_job(owner, factories.make_client(owner), status="pending")
    job.request = {
        "ad_basics": {
            "product": "Trailblaze",
            "target_audience": "hikers",
            "key_message": "Maps",
            "call_to_action": CTA,
        },
        "creative": {"direction": {"style": "cinematic"}},
    }
    db.session.commit()
    job_id = job.id
    settings = {"AI_PROVIDER": "openai", "AI_API_KEY": "sk-content-key", "AI_BASE_URL": server.base_url}
    for name, value in {**settings, "AI_MAX_RETRIES": 0}.items():
        monkeypatch.setitem(current_app.config, name, value)  # the app is shared by the session
    server.reply(the_real_models_refusal()).reply(the_real_models_refusal())
    storyboard_tasks.generate_storyboard(job_id)
    job = db.session.get(Job, job_id)
    assert job.status == "failed" and job.error.startswith("Failed to generate scenes: scene 1 script is a refusal")
    assert job.error_detail["retryable"] is False and job.error_detail["stage"] == "storyboard_llm"
    assert any("refusal" in p for p in job.error_detail["problems"])
    assert db.session.scalars(db.select(Scene).where(Scene.job_id == job_id)).all() == []
