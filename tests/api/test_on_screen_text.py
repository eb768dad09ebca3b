"""A scene's onScreenText over HTTP: written by the offline writer and by an LLM, edited with PUT, kept in
revisions and brought back by a revert."""

from __future__ import annotations

import json

from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief
from tests.support.jobs import create, scene_reply, scenes_reply


def _url(job, ref="") -> str:
    return f"/api/v3/jobs/{job['id']}/scenes" + (f"/{ref}" if ref != "" else "")


def test_the_offline_writer_puts_a_headline_on_each_beat_never_the_description(api, job):
    scenes = job["scenes"]
    texts = [s["onScreenText"] for s in scenes]
    assert [s["metadata"]["beat"] for s in scenes] == ["hook", "problem", "reveal", "cta"]
    assert texts[2] == "Aurora Smart Bottle" and texts[-1] == "Order today"
    assert texts[0] == "Busy commuters"
    shown = [t for t in texts if t]
    assert len(set(shown)) == len(shown)
    assert all(len(t) <= 60 and len(t) < len(s["description"]) / 3 for s, t in zip(scenes, texts, strict=True))


def test_a_german_brief_gets_german_headlines(api, acme):
    body = brief(acme["client"], duration=45)
    body["adBasics"] = {
        "product": "Bergquell Mineralwasser",
        "targetAudience": "sportliche Familien",
        "keyMessage": "Frisches Wasser direkt aus den Alpen",
        "callToAction": "Jetzt im Handel entdecken",
    }
    scenes = assert_ok(create(api, body), 201)["scenes"]
    by_beat = {s["metadata"]["beat"]: s["onScreenText"] for s in scenes}
    assert by_beat["reveal"] == "Bergquell Mineralwasser" and by_beat["cta"] == "Jetzt im Handel entdecken"
    assert by_beat["benefit"] == "Frisches Wasser direkt aus den Alpen"
    assert by_beat["hook"] == "Sportliche Familien"


def test_an_llm_is_asked_for_on_screen_text_and_its_answer_is_stored(api, acme, llm):
    reply = scenes_reply(4)
    for i, item in enumerate(reply["scenes"]):
        item["onScreenText"] = ["Thirsty at 3 pm?", "", "Aurora glows", "Order today"][i]
    reply["scenes"][1]["superText"] = "None"  # a model's "no super" is read as none
    llm.reply(json.dumps(reply))
    scenes = assert_ok(create(api, brief(acme["client"])), 201)["scenes"]
    assert [s["onScreenText"] for s in scenes] == ["Thirsty at 3 pm?", "", "Aurora glows", "Order today"]
    sent = llm.requests[0]
    assert "onScreenText" in sent.prompt and "Never production notes" in sent.prompt
    schema = sent.json["response_format"]["json_schema"]["schema"]["properties"]["scenes"]["items"]
    assert "onScreenText" in schema["required"] and schema["properties"]["onScreenText"]["type"] == "string"


def test_an_llm_super_that_is_a_placeholder_or_refusal_gets_a_corrective_retry(api, acme, llm):
    copied = scenes_reply(4)
    copied["scenes"][0]["onScreenText"] = "<the headline shown on screen, or empty>"
    fixed = scenes_reply(4)
    fixed["scenes"][0]["onScreenText"] = "Stay hydrated"
    llm.reply(json.dumps(copied)).reply(json.dumps(fixed))
    scenes = assert_ok(create(api, brief(acme["client"])), 201)["scenes"]
    assert scenes[0]["onScreenText"] == "Stay hydrated"
    assert "scene 1 onScreenText is a placeholder" in llm.requests[1].prompt


def test_a_super_longer_than_200_characters_is_cut_at_a_word(api, acme, llm):
    reply = scenes_reply(4)
    reply["scenes"][0]["onScreenText"] = "Hydration " * 40
    llm.reply(json.dumps(reply))
    text = assert_ok(create(api, brief(acme["client"])), 201)["scenes"][0]["onScreenText"]
    assert len(text) <= 200 and text.startswith("Hydration Hydration") and text.endswith("…")


def test_put_edits_empties_and_validates_on_screen_text(api, job):
    scene = assert_ok(api.put(_url(job, 2), json={"onScreenText": "  Neu: jetzt leuchtend  "}))
    assert scene["onScreenText"] == "Neu: jetzt leuchtend" and scene["version"] == 2
    assert scene["description"] == job["scenes"][1]["description"]
    unchanged = assert_ok(api.put(_url(job, 2), json={"onScreenText": None, "duration": 6}))
    assert unchanged["onScreenText"] == "Neu: jetzt leuchtend"
    assert assert_ok(api.put(_url(job, 2), json={"onScreenText": ""}))["onScreenText"] == ""
    assert_error(api.put(_url(job, 2), json={"onScreenText": "x" * 201}), 422)
    assert_error(api.put(_url(job, 2), json={"onScreenText": 5}), 422)
    assert assert_ok(api.put(_url(job, 2), json={"onScreenText": "x" * 200}))["onScreenText"] == "x" * 200


def test_revisions_keep_on_screen_text_and_a_revert_brings_it_back(api, job):
    original = job["scenes"][2]["onScreenText"]
    assert_ok(api.put(_url(job, 3), json={"onScreenText": "Edited super"}))
    revisions = assert_ok(api.get(_url(job, "3/revisions")))
    assert [r["scene"]["onScreenText"] for r in revisions] == [original, "Edited super"]
    restored = assert_ok(api.post(_url(job, "3/revisions/1/restore")))
    assert restored["onScreenText"] == original
    assert_ok(api.put(_url(job, 3), json={"onScreenText": "Second edit"}))
    action = {"action": "revert_scene", "sceneNumber": 3, "revision": 2}
    reverted = assert_ok(api.post(f"/api/v3/jobs/{job['id']}/actions", json=action))["scene"]
    assert reverted["onScreenText"] == "Edited super"
    assert assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))["scenes"][2]["onScreenText"] == "Edited super"


def test_a_rewritten_scene_takes_the_llms_super_or_keeps_its_own(api, job, llm):
    llm.reply(scene_reply(onScreenText="Calm, cool water"))
    scene = assert_ok(api.post(_url(job, "2/regenerate"), json={"feedback": "calmer"}))
    assert scene["onScreenText"] == "Calm, cool water"
    assert "onScreenText" in llm.requests[0].prompt
    llm.reply(scene_reply(description="A bottle by the window at dusk", script="Slow down."))
    assert assert_ok(api.post(_url(job, "2/regenerate"), json={}))["onScreenText"] == "Calm, cool water"


def test_an_offline_rewrite_keeps_headlines_distinct_and_the_last_one_the_cta(api, job):
    last = assert_ok(api.post(_url(job, "4/regenerate"), json={"feedback": "warmer"}))
    assert last["onScreenText"] == "Order today"
    others = [s["onScreenText"] for s in job["scenes"][:3]]
    second = assert_ok(api.post(_url(job, "2/regenerate"), json={"feedback": "warmer"}))["onScreenText"]
    assert not second or second not in others[:1] + others[2:]
