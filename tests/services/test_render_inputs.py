"""What a render is given from the database: each scene's on-screen text, the brief's call to action and
language, the job's logo and music track (tenant-walled), copied to the render's folder."""

from __future__ import annotations

import pytest

from storyboard.models import db
from storyboard.services.rendering.inputs import gather, materialise
from tests.support import factories
from tests.support.render_jobs import make_render_job, store_asset


@pytest.fixture
def owner(ctx):
    user, _key = factories.make_user("brander")
    return user


@pytest.fixture
def client(owner):
    return factories.make_client(owner, name="Aurora")


def _scene(**data) -> dict:
    base = dict(duration=2.0, description="Crew notes", script="Hello.", shot_type="wide", transition="cut", assets=[])
    return {**base, **data}


def _job(owner, client, *, assets=(), creative=None, basics=None, scenes=None):
    job = make_render_job(owner, client, scenes or [_scene(), _scene(on_screen_text="Order today")])
    request = dict(job.request)
    request["creative"] = {**request["creative"], **(creative or {})}
    request["adBasics"] = {**request["adBasics"], **(basics or {})}
    job.request, job.asset_ids = request, [a.id for a in assets]
    db.session.commit()
    return job


def _asset(owner, client, media_files, sample: str, *, role=None, tags=None):
    asset = store_asset(owner, client, media_files, sample)
    asset.role, asset.tags = role, tags
    db.session.commit()
    return asset


def test_scenes_carry_their_on_screen_text_and_the_spec_the_briefs_cta(owner, client):
    inputs = gather(_job(owner, client))
    assert [s.on_screen_text for s in inputs.scenes] == ["", "Order today"]
    assert inputs.spec.call_to_action == "Order today" and inputs.spec.title == "Aurora Smart Bottle"


def test_the_language_is_the_briefs_tag_else_detected_from_its_words(owner, client):
    assert gather(_job(owner, client, creative={"language": "de-AT"})).spec.language == "de-AT"
    assert gather(_job(owner, client)).spec.language == "en"
    german = {
        "product": "Bergquell Mineralwasser",
        "targetAudience": "sportliche Familien",
        "keyMessage": "Frisches Wasser direkt aus den Alpen",
        "callToAction": "Jetzt im Handel entdecken",
    }
    assert gather(_job(owner, client, basics=german)).spec.language == "de"


def test_the_logo_is_an_image_marked_logo_or_brand_logo_by_role_or_tag(owner, client, media_files):
    plain = _asset(owner, client, media_files, "jpeg", tags=["product"])
    tagged = _asset(owner, client, media_files, "png", tags=["Brand-Logo"])
    assert gather(_job(owner, client, assets=[plain, tagged])).logo.asset_id == tagged.id
    by_role = _asset(owner, client, media_files, "png", role="logo")
    assert gather(_job(owner, client, assets=[plain, by_role, tagged])).logo.asset_id == by_role.id
    assert gather(_job(owner, client, assets=[plain])).logo is None


def test_the_briefs_role_for_this_job_marks_a_logo_too(owner, client, media_files):
    asset = _asset(owner, client, media_files, "png")
    job = _job(owner, client, assets=[asset])
    job.request = {
        **job.request,
        "creative": {**job.request["creative"], "assets": [{"asset_id": asset.id, "role": "brand_logo"}]},
    }
    db.session.commit()
    assert gather(job).logo.asset_id == asset.id


def test_music_is_an_audio_asset_marked_music_and_a_logo_must_be_an_image(owner, client, media_files):
    song = _asset(owner, client, media_files, "mp3", tags=["music"])
    clip = _asset(owner, client, media_files, "mp4", tags=["logo", "music"])
    inputs = gather(_job(owner, client, assets=[clip, song]))
    assert inputs.music.asset_id == song.id and inputs.music.type == "audio" and inputs.logo is None


def test_a_scenes_asset_may_be_the_logo(owner, client, media_files):
    logo = _asset(owner, client, media_files, "png", role="logo")
    job = _job(owner, client, scenes=[_scene(), _scene(assets=[logo.id])])
    assert gather(job).logo.asset_id == logo.id


def test_another_users_logo_or_music_never_reaches_the_render(owner, client, media_files):
    stranger, _ = factories.make_user("stranger")
    theirs = factories.make_client(stranger, name="Theirs")
    logo = _asset(stranger, theirs, media_files, "png", role="logo")
    song = _asset(stranger, theirs, media_files, "mp3", tags=["music"])
    job = _job(owner, client, assets=[logo, song], scenes=[_scene(assets=[logo.id]), _scene()])
    inputs = gather(job)
    assert inputs.logo is None and inputs.music is None


def test_materialise_copies_the_logo_and_music_into_the_render_folder(owner, client, media_files, tmp_path):
    logo = _asset(owner, client, media_files, "png", role="logo")
    song = _asset(owner, client, media_files, "mp3", tags=["music"])
    scenes, spec = materialise(gather(_job(owner, client, assets=[logo, song])), tmp_path, lambda: False)
    assert spec.logo.path == str(tmp_path / f"asset-{logo.id}.png") and spec.logo.type == "image"
    assert spec.music.path == str(tmp_path / f"asset-{song.id}.mp3") and spec.music.type == "audio"
    assert open(spec.logo.path, "rb").read() == media_files.read("png")
    assert open(spec.music.path, "rb").read() == media_files.read("mp3")
    assert [s.on_screen_text for s in scenes] == ["", "Order today"] and spec.call_to_action == "Order today"
