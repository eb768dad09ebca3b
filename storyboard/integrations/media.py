"""Decides what a downloaded file really is (magic bytes, then a decode or probe) and makes JPEG thumbnails."""

from __future__ import annotations

import codecs
import ctypes
import io
import logging
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import filetype
from PIL import Image

from storyboard import errors
from storyboard.integrations import ffmpeg

log = logging.getLogger(__name__)

ASSET_TYPES = ("image", "video", "audio", "document")
MAX_IMAGE_PIXELS = 50_000_000
PIL_FORMATS = ["JPEG", "PNG", "WEBP", "GIF"]
PROBE_TIMEOUT_SECONDS = 30
THUMBNAIL_SIDE = 128
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class MediaInfo:
    asset_type: str
    mime: str
    format: str
    width: int | None
    height: int | None
    duration: float | None
    # An image's thumbnail, made from the decode that checked it (None: not made yet, or it failed).
    thumbnail: bytes | None = field(default=None, repr=False, compare=False)


class DecodeBudget:
    """The bytes of decoded pixels this process may hold at once. A decode reserves what it will need before it
    starts and waits while others hold the rest, so small images decode side by side and huge ones one at a
    time; an image that needs more than the whole budget is refused (422). Pillow frees an image's blocks when it
    is closed, so the memory returns once the decode is done."""

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        self._used = 0
        self._free = threading.Condition()

    @contextmanager
    def hold(self, nbytes: int) -> Iterator[None]:
        if nbytes > self.limit:
            mb = -(-nbytes // MB)
            raise errors.Unprocessable(
                f"Image too large to process ({mb} MB decoded, the limit is {self.limit // MB} MB)"
            )
        with self._free:
            self._free.wait_for(lambda: self._used + nbytes <= self.limit)
            self._used += nbytes
        try:
            yield
        finally:
            with self._free:
                self._used -= nbytes
                self._free.notify_all()


MB = 1024 * 1024
DECODE_BUDGET = DecodeBudget(256 * MB)


def set_decode_budget(megabytes: int) -> None:
    """MEDIA_DECODE_MEMORY_MB, set by create_app (one budget per process, shared by its threads)."""
    DECODE_BUDGET.limit = max(1, int(megabytes)) * MB
    _return_large_blocks_to_the_os()


def _return_large_blocks_to_the_os() -> None:
    """Pillow allocates pixels in 16 MB blocks. After the first such block is freed, glibc raises its mmap
    threshold and keeps later blocks in the heap of the thread that freed them, so a worker's RSS stays at its
    peak (measured: +363 MB after four 49 MP decodes, +6 MB with this). A fixed threshold of 1 MiB gives every
    large block its own mapping, returned to the system when freed. A no-op where libc has no mallopt."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(ctypes.c_int(M_MMAP_THRESHOLD), ctypes.c_int(1 * MB))
    except (OSError, AttributeError):
        pass


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
# Rows of the full-size image converted at a time while it is scaled down for its thumbnail.
STRIP_BYTES = 16 * MB


def decoded_bytes(img: Image.Image) -> int:
    """What decoding `img` (at its current, possibly drafted, size) and making its thumbnail holds: the pixels
    (Pillow keeps multi-band pixels in 4 bytes a pixel) and one strip converted for scaling."""
    pixels = img.size[0] * img.size[1]
    per_pixel = 1 if img.mode in ("1", "P", "L") else 2 if img.mode in ("LA", "PA", "I;16") else 4
    return pixels * per_pixel + 2 * STRIP_BYTES


@dataclass(frozen=True)
class _Kind:
    """A sniffed container; an empty `format` means "recognised, but not a type we accept"."""

    asset_type: str
    mime: str
    format: str
    demuxer: str | None = None


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# filetype's answer -> what we accept. For audio/video this is only the container: the stream probe decides
# whether it is audio or video (an MP4 without a picture is M4A audio).
_SNIFFED = {
    "image/jpeg": _Kind("image", "image/jpeg", "jpeg"),
    "image/png": _Kind("image", "image/png", "png"),
    "image/apng": _Kind("image", "image/png", "png"),
    "image/gif": _Kind("image", "image/gif", "gif"),
    "image/webp": _Kind("image", "image/webp", "webp"),
    "video/mp4": _Kind("video", "video/mp4", "mp4", "mov"),
    "video/x-m4v": _Kind("video", "video/mp4", "mp4", "mov"),
    "video/quicktime": _Kind("video", "video/quicktime", "mov", "mov"),
    "video/x-msvideo": _Kind("video", "video/x-msvideo", "avi", "avi"),
    "video/x-matroska": _Kind("video", "video/x-matroska", "mkv", "matroska"),
    "video/webm": _Kind("video", "video/webm", "webm", "matroska"),
    "audio/mp4": _Kind("audio", "audio/mp4", "m4a", "mov"),
    "audio/mpeg": _Kind("audio", "audio/mpeg", "mp3", "mp3"),
    "audio/x-wav": _Kind("audio", "audio/wav", "wav", "wav"),
    "audio/ogg": _Kind("audio", "audio/ogg", "ogg", "ogg"),
    "audio/aac": _Kind("audio", "audio/aac", "aac", "aac"),
    "application/pdf": _Kind("document", "application/pdf", "pdf"),
    "application/msword": _Kind("document", "application/msword", "doc"),
    _DOCX: _Kind("document", _DOCX, "docx"),
    "text/plain": _Kind("document", "text/plain", "txt"),
}
# A video container holding no picture. Audio-only WebM/Matroska/AVI is refused: the audio `format` enum
# (mp3/wav/ogg/aac/m4a) has no name for it, and calling WebM "ogg" would mislabel the bytes when served.
_WITHOUT_VIDEO = {
    "mp4": _Kind("audio", "audio/mp4", "m4a", "mov"),
    "mov": _Kind("audio", "audio/mp4", "m4a", "mov"),
    "webm": _Kind("audio", "audio/webm", ""),
    "mkv": _Kind("audio", "audio/x-matroska", ""),
    "avi": _Kind("audio", "audio/x-msvideo", ""),
}
_DEMUXERS = {"mp4": "mov", "mov": "mov", "webm": "matroska", "mkv": "matroska", "avi": "avi"}


def inspect_file(path: str, declared_type: str) -> MediaInfo:
    """Sniff, decode or probe `path` and check it against the declared asset type.

    Raises errors.Unprocessable with a public message: "Empty file", "Invalid <type> type: <mime>",
    "Image is corrupt or unreadable", "Image too large (max 50 megapixels)", "Video is corrupt or
    unreadable", "Audio file is corrupt or unreadable", "Audio file has a video track".
    """
    if declared_type not in ASSET_TYPES:
        raise errors.Unprocessable(f"Unknown asset type: {declared_type}")
    kind = _sniff(_head(path))
    if kind.demuxer and declared_type in ("video", "audio"):
        return _inspect_av(path, kind, declared_type)
    _require(kind, declared_type)
    if kind.asset_type == "image":
        return _inspect_image(path, kind)
    return MediaInfo("document", kind.mime, kind.format, None, None, None)


def sniff_type(path: str) -> str | None:
    """The asset type the bytes suggest (streams decide audio versus video), or None when not accepted."""
    try:
        kind = _sniff(_head(path))
    except errors.Unprocessable:
        return None
    if kind.demuxer:
        kind = _classify(kind, _probe(path, kind.demuxer))
    return kind.asset_type if kind.format else None


def _head(path: str) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise errors.Unprocessable("Empty file")
    return head


def _sniff(head: bytes) -> _Kind:
    guess = filetype.guess(head)
    mime = guess.mime if guess else _text_mime(head)
    return _SNIFFED.get(mime) or _Kind("", mime, "")


def _text_mime(head: bytes) -> str:
    """Name what filetype cannot: markup (refused, as it can script) versus plain text."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()[:2048]
    if b"<svg" in text:
        return "image/svg+xml"
    if text.startswith((b"<!doctype html", b"<html")) or any(tag in text for tag in (b"<script", b"<body")):
        return "text/html"
    if text.startswith(b"<?xml"):
        return "application/xml"
    try:
        decoded = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "application/octet-stream"
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in decoded):
        return "application/octet-stream"
    return "text/plain"


def _require(kind: _Kind, declared_type: str) -> None:
    if declared_type == "audio" and kind.asset_type == "video":
        raise errors.Unprocessable("Audio file has a video track")
    if kind.asset_type != declared_type or not kind.format:
        raise errors.Unprocessable(f"Invalid {declared_type} type: {kind.mime}")


def _corrupt(asset_type: str) -> errors.Unprocessable:
    noun = {"image": "Image", "video": "Video", "audio": "Audio file"}[asset_type]
    return errors.Unprocessable(f"{noun} is corrupt or unreadable")


def _inspect_image(path: str, kind: _Kind) -> MediaInfo:
    """Check an image by decoding all of it, within the decode budget, and make its thumbnail from that decode.
    JPEG decodes at 1/2..1/8 scale when that is enough for the thumbnail: every byte is still decoded (a
    truncated file still fails), in a fraction of the memory."""
    too_large = errors.Unprocessable(f"Image too large (max {MAX_IMAGE_PIXELS // 1_000_000} megapixels)")
    try:
        with Image.open(path, formats=PIL_FORMATS) as img:
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_large
            if (img.format or "").lower() != kind.format:
                raise _corrupt("image")
            img.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
            with DECODE_BUDGET.hold(decoded_bytes(img)):
                # A full decode: headers alone let truncated files and polyglots through.
                img.load()
                thumbnail = _thumbnail_or_none(img)
                img.close()  # the pixels go before the budget is handed back
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except errors.StoryboardError:
        raise
    except Exception as exc:  # Pillow's decoders raise many types (OSError, SyntaxError, ValueError, ...)
        log.info("Image decode failed: %r", exc)
        raise _corrupt("image") from None
    return MediaInfo("image", kind.mime, kind.format, width, height, None, thumbnail)


def _inspect_av(path: str, kind: _Kind, declared_type: str) -> MediaInfo:
    probe = _probe(path, kind.demuxer or "")
    if not (probe.has_video or probe.has_audio):
        raise _corrupt(declared_type)
    kind = _classify(kind, probe)
    _require(kind, declared_type)
    if kind.asset_type == "video":
        if probe.size is None:
            raise _corrupt("video")
        return MediaInfo("video", kind.mime, kind.format, *probe.size, probe.duration)
    return MediaInfo("audio", kind.mime, kind.format, None, None, probe.duration)


def _classify(kind: _Kind, probe: ffmpeg.Probe) -> _Kind:
    if kind.asset_type == "video" and not probe.has_video:
        return _WITHOUT_VIDEO[kind.format]
    if kind.asset_type == "audio" and probe.has_video:
        return _SNIFFED["video/mp4"] if kind.format == "m4a" else _Kind("video", kind.mime, "")
    return kind


def _probe(path: str, demuxer: str) -> ffmpeg.Probe:
    try:
        return ffmpeg.probe(path, demuxer, timeout=PROBE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("ffmpeg probe timed out for %s", path)
        return ffmpeg.Probe(None, None, False, False)


def make_thumbnail(path: str, info: MediaInfo) -> bytes | None:
    """A JPEG no larger than 128 px a side for images and videos; None for other types or on failure.

    Failures are logged and swallowed: a missing thumbnail must not fail an otherwise good asset. An image
    checked by `inspect_file` already carries its thumbnail.
    """
    if info.thumbnail is not None:
        return info.thumbnail
    try:
        if info.asset_type == "image":
            with Image.open(path, formats=PIL_FORMATS) as img:
                img.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
                with DECODE_BUDGET.hold(decoded_bytes(img)):
                    thumbnail = _image_thumbnail(img)
                    img.close()
                    return thumbnail
        if info.asset_type == "video":
            return _video_thumbnail(path, info)
    except Exception as exc:  # any decoder or subprocess failure means "no thumbnail", by contract
        log.warning("Thumbnail failed for %s: %r", path, exc)
    return None


def _thumbnail_or_none(img: Image.Image) -> bytes | None:
    try:
        return _image_thumbnail(img)
    except Exception as exc:  # a decoded image whose thumbnail fails is still a good asset
        log.warning("Thumbnail failed: %r", exc)
        return None


def _image_thumbnail(img: Image.Image) -> bytes:
    """The JPEG thumbnail of an open (drafted) image, without a full-size copy of it (see `_reduced`)."""
    picture = _reduced(img)
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    _flatten(picture).save(out, "JPEG", quality=85)
    return out.getvalue()


def _reduced(img: Image.Image) -> Image.Image:
    """`img` averaged down to about twice the thumbnail's size (as Pillow's reducing_gap=2 would), strip by strip.

    Pillow converts a whole RGBA image to premultiplied alpha (and a palette image to RGBA) before scaling it: a
    second full-size copy, 196 MB for 49 megapixels. Each strip here is a whole number of the reduction's boxes
    tall, so the result is the same, while only one strip is converted at a time."""
    width, height = img.size
    factor = max(1, max(width, height) // (2 * THUMBNAIL_SIDE))
    mode = "RGBA" if img.mode in ("1", "P", "PA") else img.mode
    if factor == 1:
        return img.convert(mode) if mode != img.mode else img.copy()
    rows = max(1, STRIP_BYTES // (width * 4 * factor)) * factor
    out = Image.new(mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        strip = img.crop((0, top, width, min(height, top + rows)))
        out.paste((strip.convert(mode) if mode != img.mode else strip).reduce(factor), (0, top // factor))
    return out


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on a white background: JPEG has no alpha, and black behind transparency looks broken."""
    if img.mode not in ("RGBA", "LA", "PA") and "transparency" not in img.info:
        return img.convert("RGB")
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _video_thumbnail(path: str, info: MediaInfo) -> bytes | None:
    # The frame at 1 s skips fade-ins; a shorter clip uses its first frame.
    for seek in [1.0, 0.0] if (info.duration or 0) > 1.0 else [0.0]:
        frame = ffmpeg.grab_frame(
            path, seek, demuxer=_DEMUXERS[info.format], timeout=PROBE_TIMEOUT_SECONDS, fit=THUMBNAIL_SIDE * 2
        )
        if frame:
            with Image.open(io.BytesIO(frame)) as img:
                return _image_thumbnail(img)
    return None
