"""Reviewing a storyboard before approval: subtitles (WebVTT, SRT, and the MP4's soft track), scene preview frames
and the storyboard sheet (PDF), for jobs in storyboard_review written by the offline writer and for rendered ones."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from storyboard.integrations import ffmpeg
from storyboard.models import Client, Scene, User, db
from storyboard.services import rendering
from tests.support import factories
from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief
from tests.support.render_jobs import reload_job, three_scene_job

slow = pytest.mark.slow
JAPANESE = "抹茶ラテ、はじめよう"
LONG = (
    "Meet the Aurora bottle. It glows softly when you need a sip, every hour of the day, and it tells you "
    "when to drink again before you even notice that you are thirsty, at your desk or on the train home."
)
FPS = 25  # the render's frame rate (RenderSpec.fps)
_STAMP = r"(\d\d):(\d\d):(\d\d)[.,](\d{3})"
_CUE = re.compile(rf"^(?:\d+\n)?{_STAMP} --> {_STAMP}\n((?:.+\n?)+)", re.MULTILINE)


# --- helpers -------------------------------------------------------------------------------------


def _seconds(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _cues(text: str) -> list[tuple[float, float, list[str]]]:
    """(start, end, lines) of every cue of a WebVTT or SRT file."""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip() and b.strip() != "WEBVTT"]
    cues = []
    for block in blocks:
        match = _CUE.match(block.strip("\n") + "\n")
        assert match, block
        g = match.groups()
        cues.append((_seconds(*g[0:4]), _seconds(*g[4:8]), g[8].strip("\n").split("\n")))
    return cues


def _spans(scenes: list[dict]) -> list[tuple[float, float]]:
    """Each scene's span on the render's timeline (frame edges rounded from the running total)."""
    edges, total = [0.0], 0.0
    for scene in scenes:
        total += scene["duration"]
        edges.append(round(total * FPS) / FPS)
    return list(zip(edges, edges[1:], strict=False))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _same_text(cued: str, script: str) -> bool:
    """The cues read as the script: word for word, or character for character in an unspaced script (whose lines
    and cues may break between any two characters)."""
    if any(_width(c) == 2 for c in script):
        return "".join(cued.split()) == "".join(script.split())
    return _flat(cued) == _flat(script)


def _scene_url(job: dict, number: int, tail: str = "") -> str:
    return f"/api/v3/jobs/{job['id']}/scenes/{number}{tail}"


def _check_cues_follow_scenes(cues, scenes: list[dict], unescape=lambda s: s) -> None:
    spans = _spans(scenes)
    assert all(start < end for start, end, _ in cues)
    assert all(a[1] <= b[0] + 1e-9 for a, b in zip(cues, cues[1:], strict=False)), "cues overlap or go back"
    for (begin, finish), scene in zip(spans, scenes, strict=True):
        inside = [c for c in cues if begin - 0.0005 <= c[0] and c[1] <= finish + 0.0005]
        assert _same_text(" ".join(unescape(" ".join(lines)) for _, _, lines in inside), scene["script"] or "")
        if inside:  # the scene's cues cover its span
            assert inside[0][0] == pytest.approx(begin, abs=0.001) and inside[-1][1] == pytest.approx(finish, abs=0.001)
    assert len(cues) == sum(1 for c in cues for b, f in spans if b - 0.0005 <= c[0] and c[1] <= f + 0.0005)


def _unescape_vtt(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _ffmpeg_reads(data: bytes, demuxer: str, tmp_path) -> str:
    """The file converted to SRT by ffmpeg's own demuxer (which refuses an invalid file)."""
    path = tmp_path / f"subs.{demuxer}"
    path.write_bytes(data)
    cmd = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-f", demuxer, "-i", str(path), "-f", "srt", "-"]
    return subprocess.run(cmd, capture_output=True, check=True, timeout=30).stdout.decode("utf-8")


def _review_job(api, acme, fmt: str = "16:9", **extra) -> dict:
    body = brief(acme["client"], campaign_id=acme["campaign"], **extra)
    body["creative"]["videoSpecs"]["format"] = fmt
    return assert_ok(api.post("/api/v3/jobs", json=body), 201)


def _owner(api):
    return db.session.get(User, api.user.id)


# --- subtitles -----------------------------------------------------------------------------------


def test_webvtt_cues_follow_the_scene_timings(api, job, tmp_path):
    response = api.get(f"/api/v3/jobs/{job['id']}/subtitles.vtt")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    text = response.data.decode("utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = _cues(text)
    assert len(cues) >= len([s for s in job["scenes"] if s["script"]])
    _check_cues_follow_scenes(cues, job["scenes"], _unescape_vtt)
    assert len(_cues(_ffmpeg_reads(response.data, "webvtt", tmp_path))) == len(cues)


def test_srt_cues_follow_the_scene_timings(api, job, tmp_path):
    response = api.get(f"/api/v3/jobs/{job['id']}/subtitles.srt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-subrip; charset=utf-8"
    text = response.data.decode("utf-8")
    numbers = [int(block.split("\n")[0]) for block in text.strip().split("\n\n")]
    assert numbers == list(range(1, len(numbers) + 1))
    cues = _cues(text)
    _check_cues_follow_scenes(cues, job["scenes"])
    vtt = _cues(api.get(f"/api/v3/jobs/{job['id']}/subtitles.vtt").data.decode("utf-8"))
    assert [c[:2] for c in cues] == [c[:2] for c in vtt]
    assert _cues(_ffmpeg_reads(response.data, "srt", tmp_path)) == cues


def test_a_long_script_is_split_into_readable_cues_timed_by_length(api, job):
    assert_ok(api.put(_scene_url(job, 2), json={"script": LONG}))
    assert_ok(api.put(_scene_url(job, 3), json={"script": "今日は新しい一日です。" * 5}))
    scenes = assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))["scenes"]
    cues = _cues(api.get(f"/api/v3/jobs/{job['id']}/subtitles.srt").data.decode("utf-8"))
    _check_cues_follow_scenes(cues, scenes)
    begin, finish = _spans(scenes)[1]
    mine = [c for c in cues if begin - 0.0005 <= c[0] and c[1] <= finish + 0.0005]
    assert len(mine) >= 3
    for _, _, lines in cues:
        assert 1 <= len(lines) <= 2 and all(_width(line) <= 42 for line in lines), lines
    # Time shares follow the text's length: seconds per character about equal across the scene's cues.
    rates = [(end - start) / len("".join(lines)) for start, end, lines in mine]
    assert max(rates) / min(rates) < 1.3


def test_subtitles_before_review_are_409(app, api, acme):
    with app.app_context():
        owner = _owner(api)
        pending = factories.make_job(owner, db.session.get(Client, acme["client"]), status="pending")
        job_id = pending.id
    for tail in ("subtitles.vtt", "subtitles.srt", "storyboard.pdf"):
        assert_error(api.get(f"/api/v3/jobs/{job_id}/{tail}"), 409, "once the storyboard is ready for review")


def test_another_users_job_is_404_on_every_review_route(api, other, job):
    for tail in ("subtitles.vtt", "subtitles.srt", "storyboard.pdf", "scenes/1/preview.jpg"):
        assert_error(other.get(f"/api/v3/jobs/{job['id']}/{tail}"), 404, "not found")
        assert api.get(f"/api/v3/jobs/{job['id']}/{tail}").status_code == 200


# --- preview frames ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "size"), [("16:9", (640, 360)), ("9:16", (360, 640)), ("1:1", (640, 640))])
def test_a_scene_preview_is_a_jpeg_of_the_jobs_format(api, acme, fmt, size):
    job = _review_job(api, acme, fmt)
    for number in (1, len(job["scenes"])):  # a title card and the end card
        response = api.get(_scene_url(job, number, "/preview.jpg"))
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == "JPEG" and image.size == size
            assert max(ImageStat.Stat(image.convert("RGB")).stddev) > 5  # drawn, not blank


def test_a_preview_is_kept_until_its_scene_changes(api, job):
    url = _scene_url(job, 1, "/preview.jpg")
    first = api.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = api.get(url)
    assert again.headers["ETag"] == etag and again.data == first.data
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert api.get(_scene_url(job, job["scenes"][0]["id"], "/preview.jpg")).headers["ETag"] == etag  # by id
    assert_ok(api.put(_scene_url(job, 1), json={"description": "Notes for the crew only"}))
    assert api.get(url).headers["ETag"] == etag  # the description is never in a frame
    assert_ok(api.put(_scene_url(job, 1), json={"onScreenText": "Brand new headline"}))
    changed = api.get(url)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and changed.data != first.data
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_a_preview_before_review_is_409_and_an_unknown_scene_404(app, api, acme, job):
    assert_error(api.get(_scene_url(job, 99, "/preview.jpg")), 404, "Scene not found")
    with app.app_context():
        owner = _owner(api)
        client = db.session.get(Client, acme["client"])
        pending = factories.make_job(owner, client, status="storyboard_processing")
        job_id = pending.id
    assert_error(api.get(f"/api/v3/jobs/{job_id}/scenes/1/preview.jpg"), 409, "ready for review")


# --- a rendered job: its frames and its subtitle track ---------------------------------------------


@pytest.fixture
def rendered(app, api, media_files, tmp_path, monkeypatch):
    """A job with an image, a video and a title-card scene, rendered for real; returns (job JSON, MP4 path)."""
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path / "work"))
    with app.app_context():
        owner = _owner(api)
        job = three_scene_job(owner, factories.make_client(owner, name="Acme"), media_files, resolution="480p")
        first = db.session.scalars(db.select(Scene).filter_by(job_id=job.id, scene_number=1)).one()
        first.on_screen_text = "Fresh 抹茶"
        db.session.commit()
        rendering.render_job(job.id)
        assert reload_job(job.id).status == "completed"
        job_id = job.id
    data = api.get(f"/api/v3/jobs/{job_id}/video").data
    path = tmp_path / "video.mp4"
    path.write_bytes(data)
    return assert_ok(api.get(f"/api/v3/jobs/{job_id}")), path


def _video_frame(path, frame: int, size: tuple[int, int]) -> Image.Image:
    # A seek lands on the first frame at or after the time: just before the frame's own time is that frame.
    cmd = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-ss", f"{(frame - 0.2) / FPS:.4f}"]
    cmd += ["-i", str(path), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True, timeout=60).stdout
    return Image.frombytes("RGB", size, raw)


@slow
def test_a_preview_is_the_renders_frame_at_the_scenes_middle(api, rendered):
    job, path = rendered
    frames = [round(sum(s["duration"] for s in job["scenes"][:i]) * FPS) for i in range(len(job["scenes"]) + 1)]
    for number in range(1, len(job["scenes"]) + 1):
        with Image.open(io.BytesIO(api.get(_scene_url(job, number, "/preview.jpg")).data)) as image:
            preview = image.convert("RGB")
        start, count = frames[number - 1], frames[number] - frames[number - 1]
        frame = _video_frame(path, start + count // 2, (854, 480)).resize(preview.size, Image.Resampling.LANCZOS)
        other = _video_frame(path, 2 if number > 1 else frames[-1] - 2, (854, 480)).resize(preview.size)
        difference = sum(ImageStat.Stat(ImageChops.difference(preview, frame)).mean) / 3
        elsewhere = sum(ImageStat.Stat(ImageChops.difference(preview, other)).mean) / 3
        assert difference < 4, (number, difference)
        assert elsewhere > 3 * difference, (number, difference, elsewhere)  # the comparison can tell frames apart


@slow
def test_the_rendered_mp4_carries_the_subtitles_as_a_soft_track(api, rendered, tmp_path):
    job, path = rendered
    probe = subprocess.run([ffmpeg.executable(), "-hide_banner", "-i", str(path)], capture_output=True, timeout=30)
    report = probe.stderr.decode("utf-8", "replace")
    assert re.search(r"Stream #\d+:\d+\S*\(eng\): Subtitle: mov_text", report), report
    cmd = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-i", str(path)]
    cmd += ["-map", "0:s:0", "-f", "srt", "-"]
    inside = _cues(subprocess.run(cmd, capture_output=True, check=True, timeout=30).stdout.decode("utf-8"))
    served = _cues(api.get(f"/api/v3/jobs/{job['id']}/subtitles.srt").data.decode("utf-8"))
    assert [c[2] for c in inside] == [c[2] for c in served]
    times = [t for c in served for t in c[:2]]
    assert [t for c in inside for t in c[:2]] == pytest.approx(times, abs=0.002)
    _check_cues_follow_scenes(inside, job["scenes"])


# --- the storyboard sheet ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["16:9", "9:16", "1:1"])
def test_the_storyboard_sheet_has_the_brief_and_a_panel_per_scene(api, acme, fmt, tmp_path):
    job = _review_job(api, acme, fmt)
    assert_ok(api.put(_scene_url(job, 2), json={"onScreenText": JAPANESE}))
    job = assert_ok(api.get(f"/api/v3/jobs/{job['id']}"))
    response = api.get(f"/api/v3/jobs/{job['id']}/storyboard.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert 'filename="acme-aurora-smart-bottle-storyboard.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    text = _flat("\n".join(pages))
    for value in ("Aurora Smart Bottle", "Stay hydrated without thinking", "Order today", "Acme", "Spring launch"):
        assert value in text, value
    assert f"Storyboard version {job['version']}" in text
    for scene in job["scenes"]:
        n = scene["sceneNumber"]
        assert len(re.findall(rf"Scene {n} · {scene['duration']:.1f} s · ", text)) == 1, n
        assert _flat(scene["script"]) in text
    assert not re.search(rf"Scene {len(job['scenes']) + 1} · ", text)
    assert JAPANESE in "".join("".join(pages).split())  # extracted intact (a CJK line may wrap anywhere)
    assert sum(len(page.images) for page in reader.pages) >= len(job["scenes"])
    assert "Client sign-off" in text and "Signature" in text
    (tmp_path / f"sheet-{fmt.replace(':', 'x')}.pdf").write_bytes(response.data)


def test_the_storyboard_sheet_is_the_same_bytes_until_the_storyboard_changes(api, job):
    url = f"/api/v3/jobs/{job['id']}/storyboard.pdf"
    first = api.get(url)
    etag = first.headers["ETag"]
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304
    part = api.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == first.data[:100]
    assert_ok(api.put(_scene_url(job, 1), json={"script": "A new first line."}))
    changed = api.get(url)
    assert changed.headers["ETag"] != etag
    assert "A new first line." in PdfReader(io.BytesIO(changed.data)).pages[1].extract_text()
