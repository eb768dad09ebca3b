"""Real media generated at test time with Pillow and imageio-ffmpeg, each file made once per session."""

from __future__ import annotations

import io
import struct
import subprocess
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Sample:
    """What `inspect_file` must report for a good sample (durations compared with a tolerance)."""

    filename: str
    asset_type: str
    mime: str
    format: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None


SAMPLES: dict[str, Sample] = {
    "png": Sample("pic.png", "image", "image/png", "png", 320, 200),
    "jpeg": Sample("pic.jpg", "image", "image/jpeg", "jpeg", 640, 480),
    "gif": Sample("pic.gif", "image", "image/gif", "gif", 200, 150),
    "webp": Sample("pic.webp", "image", "image/webp", "webp", 300, 300),
    "mp4": Sample("clip.mp4", "video", "video/mp4", "mp4", 320, 240, 2.0),
    "mp4_short": Sample("short.mp4", "video", "video/mp4", "mp4", 160, 90, 0.4),
    "webm": Sample("clip.webm", "video", "video/webm", "webm", 256, 144, 1.5),
    "mov": Sample("clip.mov", "video", "video/quicktime", "mov", 176, 144, 1.0),
    "avi": Sample("clip.avi", "video", "video/x-msvideo", "avi", 160, 120, 1.0),
    "mkv": Sample("clip.mkv", "video", "video/x-matroska", "mkv", 192, 108, 1.0),
    "mp3": Sample("tone.mp3", "audio", "audio/mpeg", "mp3", duration=2.0),
    "mp3_cover": Sample("cover.mp3", "audio", "audio/mpeg", "mp3", duration=1.0),
    "wav": Sample("tone.wav", "audio", "audio/wav", "wav", duration=1.0),
    "ogg": Sample("tone.ogg", "audio", "audio/ogg", "ogg", duration=1.0),
    "m4a": Sample("tone.m4a", "audio", "audio/mp4", "m4a", duration=1.5),
    "aac": Sample("tone.aac", "audio", "audio/aac", "aac", duration=1.0),
    "pdf": Sample("doc.pdf", "document", "application/pdf", "pdf"),
    "docx": Sample(
        "doc.docx",
        "document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "txt": Sample("notes.txt", "document", "text/plain", "txt"),
}

# Hostile or broken files, with no expected metadata.
BAD_FILES = {
    "html": "page.html",
    "svg": "logo.svg",
    "gif_html_polyglot": "polyglot.gif",
    "jpeg_truncated": "truncated.jpg",
    "pixel_bomb": "bomb.png",
    "png_60mp": "sixty-megapixels.png",
    "webm_audio_only": "voice.webm",
    "mp4_garbage": "garbage.mp4",
    "empty": "empty.bin",
}


def picture(size: tuple[int, int]) -> Image.Image:
    """A colourful, detailed RGB picture (a Mandelbrot set over gradients), never a blank canvas."""
    w, h = size
    red = Image.effect_mandelbrot(size, (-2.0, -1.2, 0.8, 1.2), 60)
    green = Image.linear_gradient("L").resize(size)
    blue = Image.radial_gradient("L").resize(size)
    img = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(img)
    draw.rectangle((w // 10, h // 10, w // 3, h // 3), fill=(250, 200, 0), outline=(0, 0, 0))
    draw.ellipse((w // 2, h // 2, w - 5, h - 5), fill=(20, 120, 220))
    return img


def _save(img: Image.Image, path: Path, fmt: str, **opts) -> None:
    img.save(path, fmt, **opts)


def _png(path: Path) -> None:
    img = picture((320, 200)).convert("RGBA")
    # A transparent corner, so thumbnails must flatten alpha onto white.
    img.paste((0, 0, 0, 0), (0, 0, 80, 50))
    _save(img, path, "PNG")


def _jpeg(path: Path) -> None:
    _save(picture((640, 480)), path, "JPEG", quality=90)


def _gif(path: Path) -> None:
    frames = [picture((200, 150)).convert("P"), picture((200, 150)).rotate(180).convert("P")]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)


def _webp(path: Path) -> None:
    _save(picture((300, 300)), path, "WEBP", quality=80)


def ffmpeg(*args: str) -> None:
    """Run the bundled ffmpeg quietly; raise with its stderr when it fails."""
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    done = subprocess.run(cmd, capture_output=True, timeout=120)
    if done.returncode:
        raise RuntimeError(done.stderr.decode(errors="replace"))


def _video(size: str, seconds: float, vcodec: list[str], acodec: list[str] | None) -> Callable:
    def make(path: Path) -> None:
        src = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}"]
        if acodec is not None:
            src += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        ffmpeg(*src, *vcodec, *(acodec or ["-an"]), "-shortest", str(path))

    return make


def _audio(seconds: float, codec: list[str]) -> Callable:
    def make(path: Path) -> None:
        ffmpeg("-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}", "-vn", *codec, str(path))

    return make


def _mp3_with_cover(path: Path) -> None:
    cover = path.with_suffix(".cover.png")
    picture((64, 64)).save(cover, "PNG")
    ffmpeg(
        *("-f", "lavfi", "-i", "sine=frequency=500:duration=1", "-i", str(cover)),
        *("-map", "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "png"),
        *("-disposition:v", "attached_pic", "-id3v2_version", "3", str(path)),
    )


_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
_AAC = ["-c:a", "aac", "-b:a", "64k"]


def _pdf(path: Path) -> None:
    """A one-page PDF written by hand, with a correct xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
        b"<< /Length 36 >>\nstream\n0 0 1 rg 10 10 180 80 re f\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())


def _docx(path: Path) -> None:
    types = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("word/document.xml", "<w:document/>")


def _jpeg_truncated(path: Path) -> None:
    _jpeg(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _blank_png(width: int, height: int) -> Callable[[Path], None]:
    """A 1-bit PNG written row by row: 30000x30000 (900 megapixels) compresses to roughly 100 KB."""

    def make(path: Path) -> None:
        row = b"\x00" * (1 + (width + 7) // 8)
        packer = zlib.compressobj(9)
        idat = b"".join(packer.compress(row * 500) for _ in range(height // 500)) + packer.flush()
        ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
        png = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + png)

    return make


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_HTML = b"<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head><body>hi</body></html>"
_SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)

_GENERATORS: dict[str, Callable[[Path], None]] = {
    "png": _png,
    "jpeg": _jpeg,
    "gif": _gif,
    "webp": _webp,
    "mp4": _video("320x240", 2, _H264, _AAC),
    "mp4_short": _video("160x90", 0.4, _H264, None),
    "webm": _video("256x144", 1.5, ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "200k"], ["-c:a", "libopus"]),
    "mov": _video("176x144", 1, _H264, _AAC),
    "avi": _video("160x120", 1, ["-c:v", "mpeg4"], ["-c:a", "libmp3lame"]),
    "mkv": _video("192x108", 1, _H264, ["-c:a", "libvorbis"]),
    "mp3": _audio(2, ["-c:a", "libmp3lame", "-b:a", "64k"]),
    "mp3_cover": _mp3_with_cover,
    "wav": _audio(1, ["-c:a", "pcm_s16le"]),
    "ogg": _audio(1, ["-c:a", "libvorbis"]),
    "m4a": _audio(1.5, _AAC),
    "aac": _audio(1, [*_AAC, "-f", "adts"]),
    "webm_audio_only": _audio(1, ["-c:a", "libopus", "-f", "webm"]),
    "pdf": _pdf,
    "docx": _docx,
    "txt": lambda p: p.write_text("Shot list:\n1. Sunrise over the bay\n2. Product close-up\n"),
    "html": lambda p: p.write_bytes(_HTML),
    "svg": lambda p: p.write_bytes(_SVG),
    "gif_html_polyglot": lambda p: p.write_bytes(b"GIF89a" + _HTML),
    "jpeg_truncated": _jpeg_truncated,
    "pixel_bomb": _blank_png(30000, 30000),
    "png_60mp": _blank_png(8000, 7500),
    "mp4_garbage": lambda p: p.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2" + b"\xde\xad" * 4000),
    "empty": lambda p: p.write_bytes(b""),
}


class MediaFiles:
    """Generates each named file on first use under `root` and hands back its path from then on."""

    _lock = threading.RLock()

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        filename = SAMPLES[name].filename if name in SAMPLES else BAD_FILES[name]
        target = self.root / filename
        with self._lock:
            if not target.exists():
                tmp = target.with_name("tmp-" + filename)
                _GENERATORS[name](tmp)
                tmp.replace(target)
        return target

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()


def noise_wav(nbytes: int) -> bytes:
    """A genuine WAV of about `nbytes` of random 16-bit mono samples: media the service accepts, whose bytes never
    repeat (ranges and chunk boundaries are checked against it)."""
    import os
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(os.urandom(nbytes - nbytes % 2))
    return out.getvalue()
