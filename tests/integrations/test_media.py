"""Sniffing, validation, metadata and thumbnails on real media generated at test time."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from storyboard import errors
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from storyboard.integrations.media import MediaInfo, inspect_file, make_thumbnail, sniff_type
from tests.support.media_files import SAMPLES

WITH_THUMBNAIL = [name for name, sample in SAMPLES.items() if sample.asset_type in ("image", "video")]
WITHOUT_THUMBNAIL = [name for name, sample in SAMPLES.items() if sample.asset_type in ("audio", "document")]


def inspect(media_files, name: str, declared: str) -> MediaInfo:
    return inspect_file(str(media_files.path(name)), declared)


def assert_refused(media_files, name: str, declared: str, message: str) -> None:
    with pytest.raises(errors.Unprocessable) as refused:
        inspect(media_files, name, declared)
    assert refused.value.message == message


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_supported_format_is_recognised_with_its_metadata(name, media_files):
    sample = SAMPLES[name]
    info = inspect(media_files, name, sample.asset_type)
    assert (info.asset_type, info.mime, info.format) == (sample.asset_type, sample.mime, sample.format)
    assert (info.width, info.height) == (sample.width, sample.height)
    if sample.duration is None:
        assert info.duration is None
    else:
        assert info.duration == pytest.approx(sample.duration, abs=0.1)


@pytest.mark.parametrize("name", WITH_THUMBNAIL)
def test_image_and_video_thumbnails_are_jpeg_within_128px(name, media_files):
    path = str(media_files.path(name))
    thumb = make_thumbnail(path, inspect_file(path, SAMPLES[name].asset_type))
    with Image.open(io.BytesIO(thumb)) as img:
        assert img.format == "JPEG"
        assert max(img.size) == 128 or img.size == (SAMPLES[name].width, SAMPLES[name].height)
        assert max(img.size) <= 128


@pytest.mark.parametrize("name", WITHOUT_THUMBNAIL)
def test_audio_and_documents_get_no_thumbnail(name, media_files):
    path = str(media_files.path(name))
    assert make_thumbnail(path, inspect_file(path, SAMPLES[name].asset_type)) is None


def test_thumbnail_keeps_the_aspect_ratio(media_files):
    path = str(media_files.path("png"))
    with Image.open(io.BytesIO(make_thumbnail(path, inspect_file(path, "image")))) as img:
        assert img.size == (128, 80)


def test_transparency_is_flattened_onto_white(media_files):
    path = str(media_files.path("png"))
    with Image.open(io.BytesIO(make_thumbnail(path, inspect_file(path, "image")))) as img:
        corner = img.convert("RGB").getpixel((2, 2))
    assert min(corner) > 240


def test_thumbnail_is_a_real_picture_not_a_blank_frame(media_files):
    path = str(media_files.path("mp4"))
    with Image.open(io.BytesIO(make_thumbnail(path, inspect_file(path, "video")))) as img:
        low, high = img.convert("L").getextrema()
    assert high - low > 100


@pytest.mark.parametrize(
    ("name", "declared", "message"),
    [
        ("html", "image", "Invalid image type: text/html"),
        ("html", "document", "Invalid document type: text/html"),
        ("svg", "image", "Invalid image type: image/svg+xml"),
        ("gif_html_polyglot", "image", "Image is corrupt or unreadable"),
        ("jpeg_truncated", "image", "Image is corrupt or unreadable"),
        ("pixel_bomb", "image", "Image too large (max 50 megapixels)"),
        ("png_60mp", "image", "Image too large (max 50 megapixels)"),
        ("empty", "image", "Empty file"),
        ("empty", "audio", "Empty file"),
        ("mp4_garbage", "video", "Video is corrupt or unreadable"),
        ("mp4_garbage", "audio", "Audio file is corrupt or unreadable"),
        ("webm_audio_only", "video", "Invalid video type: audio/webm"),
        ("webm_audio_only", "audio", "Invalid audio type: audio/webm"),
        ("m4a", "video", "Invalid video type: audio/mp4"),
        ("mp3", "video", "Invalid video type: audio/mpeg"),
        ("mp4", "audio", "Audio file has a video track"),
        ("mkv", "audio", "Audio file has a video track"),
        ("png", "video", "Invalid video type: image/png"),
        ("mp4", "image", "Invalid image type: video/mp4"),
        ("pdf", "image", "Invalid image type: application/pdf"),
        ("jpeg", "document", "Invalid document type: image/jpeg"),
    ],
)
def test_wrong_broken_or_hostile_file_is_refused(name, declared, message, media_files):
    assert_refused(media_files, name, declared, message)


def test_cover_art_does_not_make_an_mp3_a_video(media_files):
    assert inspect(media_files, "mp3_cover", "audio").format == "mp3"


@pytest.mark.parametrize("name", list(SAMPLES))
def test_sniff_type_names_the_asset_type_of_good_files(name, media_files):
    assert sniff_type(str(media_files.path(name))) == SAMPLES[name].asset_type


@pytest.mark.parametrize("name", ["html", "svg", "empty", "webm_audio_only"])
def test_sniff_type_is_none_for_files_we_never_accept(name, media_files):
    assert sniff_type(str(media_files.path(name))) is None


def test_unknown_declared_type_is_refused(media_files):
    assert_refused(media_files, "png", "hologram", "Unknown asset type: hologram")


def test_refused_file_gets_no_exception_from_make_thumbnail(media_files):
    info = MediaInfo("image", "image/jpeg", "jpeg", 640, 480, None)
    assert make_thumbnail(str(media_files.path("jpeg_truncated")), info) is None


@pytest.mark.parametrize(("name", "declared"), [("html", "image"), ("gif_html_polyglot", "image"), ("mp4", "audio")])
def test_a_lying_content_type_does_not_decide(name, declared, media_files, media_server, tmp_path):
    claimed = {"image": "image/png", "audio": "audio/mpeg"}[declared]
    url = media_server.add("/asset", media_files.read(name), content_type=claimed)
    target = tmp_path / "download"
    with target.open("wb") as out:
        result = Fetcher(FetchPolicy(max_bytes=1 << 20, deadline_seconds=5, allow_private=True)).fetch_to(url, out)
    assert result.content_type == claimed
    with pytest.raises(errors.Unprocessable):
        inspect_file(str(target), declared)


def test_downloaded_video_is_measured_like_a_local_one(media_files, media_server, tmp_path):
    url = media_server.add("/clip", media_files.read("webm"), content_type="application/octet-stream")
    target = tmp_path / "clip"
    with target.open("wb") as out:
        Fetcher(FetchPolicy(max_bytes=1 << 20, deadline_seconds=5, allow_private=True)).fetch_to(url, out)
    info = inspect_file(str(target), "video")
    assert (info.format, info.width, info.height) == ("webm", 256, 144)


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "P", "L", "LA"])
def test_scaling_down_in_strips_equals_scaling_the_whole_image(mode, monkeypatch):
    """The thumbnail's strips are whole boxes of the reduction: the result is pixel for pixel Pillow's."""
    from storyboard.integrations import media

    monkeypatch.setattr(media, "STRIP_BYTES", 64 * 1024)  # many strips, one that ends short of a box
    source = Image.frombytes("RGBA", (1999, 1001), os.urandom(1999 * 1001 * 4))
    image = source.convert(mode) if mode != "P" else source.convert("RGB").quantize(64)
    factor = max(image.size) // (2 * media.THUMBNAIL_SIDE)
    expected = (image.convert("RGBA") if mode == "P" else image).reduce(factor)
    reduced = media._reduced(image)
    assert (reduced.mode, reduced.size) == (expected.mode, expected.size)
    assert reduced.tobytes() == expected.tobytes()
