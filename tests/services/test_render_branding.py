"""A rendered job, seen from the outside: its language picks the voice, its music asset is mixed in, its logo,
call to action and on-screen text reach the frames, and job.audio says what the video carries."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from storyboard.integrations import ffmpeg
from storyboard.integrations.render import voice
from storyboard.models import Blob, db
from storyboard.services import rendering
from storyboard.storage import get_store
from storyboard.wire.jobs import job_json
from tests.support import factories
from tests.support.render_jobs import audio_rms, make_render_job, reload_job, store_asset

pytestmark = pytest.mark.slow
SECONDS = (1.2, 1.2, 1.4)
END = sum(SECONDS) - 0.3  # inside the end card, before the last frame


@pytest.fixture(autouse=True)
def work_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path / "render-work"))


@pytest.fixture
def owner(ctx):
    user, _key = factories.make_user("brand-renderer")
    return user


@pytest.fixture
def client(owner):
    return factories.make_client(owner, name="Bergquell", brand_guidelines={"colors": ["#1D3557", "#E63946"]})


@pytest.fixture
def render(owner, client, media_files, tmp_path):
    """render(cta=, supers=, assets=, language=): a three-scene job (a picture, a title card, the end card)
    rendered for real; (its JSON, its MP4 copied out of the blob store)."""

    def rendered(*, cta="Jetzt bestellen", supers=("Neu", ""), assets=(), language="de"):
        picture = store_asset(owner, client, media_files, "jpeg")
        scripts = ("Frisches Wasser aus den Alpen.", "Jeden Tag ein klarer Kopf.", "Jetzt bestellen.")
        scenes = [
            dict(duration=d, description=f"Crew note {i}", script=scripts[i], on_screen_text=t, shot_type="wide",
                 transition="cut", assets=[picture.id] if i == 0 else [])
            for i, (d, t) in enumerate(zip(SECONDS, (*supers, ""), strict=True))
        ]  # fmt: skip
        job = make_render_job(owner, client, scenes, resolution="480p")
        creative = {**job.request["creative"], **({"language": language} if language else {})}
        basics = {**job.request["adBasics"], "callToAction": cta}
        job.request = {**job.request, "creative": creative, "adBasics": basics}
        job.asset_ids = [a.id for a in assets]
        db.session.commit()
        rendering.render_job(job.id)
        job = reload_job(job.id)
        assert job.status == "completed", (job.error, job.error_detail)
        path = tmp_path / f"{job.id}.mp4"
        with open(path, "wb") as out:
            for chunk in get_store().open_range(db.session.get(Blob, job.video_blob_id)):
                out.write(chunk)
        return job_json(job), path

    return rendered


@pytest.fixture
def marked(owner, client, media_files):
    """marked(sample, role=, tags=): a stored asset with that role and tags."""

    def make(sample: str, *, role=None, tags=None):
        asset = store_asset(owner, client, media_files, sample)
        asset.role, asset.tags = role, tags
        db.session.commit()
        return asset

    return make


def _frame(path: Path, seconds: float) -> Image.Image:
    png = ffmpeg.grab_frame(str(path), seconds, demuxer="mov", timeout=60)
    assert png, f"no frame at {seconds}s"
    return Image.open(io.BytesIO(png)).convert("RGB")


def _needs_a_voice() -> None:
    if not voice.engine_info()["available"]:
        pytest.skip(f"no voice engine: {voice.engine_info().get('reason')}")


def _differs(a: Image.Image, b: Image.Image, threshold: int = 40) -> bool:
    """Whether any pixel differs by more than `threshold` in a channel (codec noise stays below it)."""
    return ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > threshold else 0).getbbox() is not None


def test_a_german_job_with_a_music_asset_is_spoken_in_german_over_its_music(render, marked):
    _needs_a_voice()
    job, path = render(assets=[marked("mp3", tags=["music"])])
    audio = job["audio"]
    assert audio["status"] == "completed" and audio["music"] is True and audio["reason"] is None
    assert audio["voice"]["language"] == "de" and audio["voice"]["voice"] == "gmw/de"
    assert audio["voice"]["engine"] == "espeak-ng" and audio["voice"]["version"]
    assert audio_rms(path) > 100


def test_a_job_without_language_is_spoken_in_the_language_of_its_brief(render):
    _needs_a_voice()
    job, _ = render(language=None)
    assert job["audio"]["voice"]["voice"] == "gmw/en" and job["audio"]["music"] is False  # the factory's brief
    assert "requested" not in job["audio"]


def test_the_logo_the_cta_and_the_on_screen_text_reach_the_frames(render, marked):
    _, branded_path = render(assets=[marked("png", role="logo")])
    plain, plain_path = render()
    _, other_path = render(cta="Jetzt im Handel entdecken", supers=("Ganz neu hier", ""))
    assert plain["audio"]["music"] is False
    assert _differs(_frame(branded_path, END), _frame(plain_path, END))  # the logo is on the end card
    assert _differs(_frame(other_path, END), _frame(plain_path, END))  # so is the call to action
    assert _differs(_frame(other_path, 0.6), _frame(plain_path, 0.6))  # the super over the picture
    assert not _differs(_frame(branded_path, 0.6), _frame(plain_path, 0.6))  # the logo only on the end card
